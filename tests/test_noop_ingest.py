"""An ingest that finds nothing to embed never loads the embedding model.

Each run is a fresh interpreter, as a maintainer's ``python ingest.py`` is, reporting whether
the model's library was imported.  The changed-corpus run shows the check can tell.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import PYTHON, ROOT
from fixtures_docs import markdown_doc, numbered_sections

from assistant.indexing import ingest

CHILD = """
import json, runpy, sys
sys.argv = ["ingest.py", "--quiet"]
try:
    runpy.run_path("ingest.py", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "model_loaded": "sentence_transformers" in sys.modules}))
"""


def run_ingest(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [PYTHON, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_noop_ingest_does_not_load_the_model(
    make_corpus, settings_for, subprocess_env: dict[str, str]
) -> None:
    note = markdown_doc("harbour", "Harbour Orders", numbered_sections("harbour", 2, 3))
    corpus: Path = make_corpus({"harbour.md": note})
    settings = settings_for(corpus)
    assert ingest(settings).published
    env = {**subprocess_env, "SPO_CORPUS_DIR": str(corpus), "SPO_DATA_DIR": str(settings.data_dir)}

    assert run_ingest(env) == {"exit": 0, "model_loaded": False}

    (corpus / "harbour.md").write_text(note.replace("1.1 The", "1.1 Now the"), encoding="utf-8")
    assert run_ingest(env) == {"exit": 0, "model_loaded": True}  # something to embed
