"""Several app replicas past one machine: one Chroma server plus one shared data directory.

The design under test (docs/scaling.md): vectors live on one Chroma server (client/server mode);
the publish pointer ``CURRENT.json`` and the version folders (chunks.jsonl, BM25, manifest) live
in ONE data directory that every replica mounts (a shared filesystem); one ingest writer
publishes, app replicas only read the pointer and the version it names.  Here the "replicas" are
separate processes (``python -m assistant ask --json``) given the same SPO_DATA_DIR and the
server's host and port, started while a real ``chroma run`` listens on loopback.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT
from fixtures_docs import markdown_doc

from assistant.indexing import ingest
from assistant.settings import Settings

pytestmark = pytest.mark.slow


def _corpus_doc(word: str) -> str:
    return markdown_doc("patrols", "Patrol notes", [
        ("1 Kestrel patrols", [f"1.1 {word} patrols must log every visit to the victim's street "
                               "in the duty book."]),
        ("2 Reviews", ["2.1 The sergeant reviews the duty book every Monday morning."]),
    ])


def _fingerprint(data_dir: Path) -> dict[str, str]:
    """Hash of every published artefact (pointer and version folders) a reader must not touch."""
    files = [data_dir / "CURRENT.json", *sorted((data_dir / "versions").rglob("*"))]
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
        if p.is_file()
    }


def _replica(env: dict[str, str], question: str) -> subprocess.Popen[str]:
    """An app replica process answering one question from the shared store."""
    return subprocess.Popen(
        [PYTHON, "-m", "assistant", "ask", "--json", question],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _answer_of(proc: subprocess.Popen[str]) -> dict[str, object]:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err[-1000:]
    return dict(json.loads(out))


def test_replicas_share_one_chroma_server_and_one_data_dir(
    chroma_server: int,
    make_corpus: Callable[..., Path],
    settings_for: Callable[..., Settings],
    subprocess_env: dict[str, str],
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared-data"  # stands for the shared filesystem mount
    corpus = make_corpus({"patrols.md": _corpus_doc("Kestrel")})
    writer = settings_for(corpus, data=shared, chroma_host="127.0.0.1", chroma_port=chroma_server)
    first = ingest(writer)  # the one ingest writer
    assert first.published
    assert not (shared / "versions" / str(first.version) / "chroma").exists()  # vectors on server

    env = {
        **subprocess_env,
        "SPO_DATA_DIR": str(shared),
        "SPO_CHROMA_HOST": "127.0.0.1",
        "SPO_CHROMA_PORT": str(chroma_server),
        "SPO_FEEDBACK_DB": str(tmp_path / "replica-feedback.sqlite"),
        "SPO_REFUSAL_THRESHOLD": "0.0",  # the toy corpus: answer, do not refuse
    }
    before = _fingerprint(shared)
    question = "how often must kestrel patrols log visits?"
    replicas = [_replica(env, question) for _ in range(2)]  # two replicas at the same time
    answers = [_answer_of(p) for p in replicas]
    for answer in answers:
        assert answer["corpus_version"] == first.version
        assert not answer["refused"]
        cited = [c["chunk_id"] for c in answer["citations"]]  # type: ignore[attr-defined]
        assert any(str(c).startswith("patrols#1.1#") for c in cited), cited
    assert _fingerprint(shared) == before  # replicas did not write the published artefacts

    # the writer publishes a new version; a replica started afterwards serves it
    (corpus / "patrols.md").write_text(_corpus_doc("Osprey"), encoding="utf-8")
    second = ingest(writer)
    assert second.published and second.version != first.version
    answer = _answer_of(_replica(env, "how often must osprey patrols log visits?"))
    assert answer["corpus_version"] == second.version
    quotes = " ".join(str(c["quote"]) for c in answer["citations"])  # type: ignore[attr-defined]
    assert "Osprey" in quotes and "Kestrel" not in quotes


def test_replica_with_its_own_empty_data_dir_says_index_not_ready(
    chroma_server: int, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    """Why the data dir must be shared: the pointer and BM25 are not on the Chroma server."""
    env = {
        **subprocess_env,
        "SPO_DATA_DIR": str(tmp_path / "own-data"),
        "SPO_CHROMA_HOST": "127.0.0.1",
        "SPO_CHROMA_PORT": str(chroma_server),
    }
    proc = subprocess.run(
        [PYTHON, "-m", "assistant", "ask", "--json", "who can apply?"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert proc.returncode != 0
    message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.stdout
    assert "ingest" in message, message
    assert os.path.isdir(tmp_path) and not (tmp_path / "own-data" / "CURRENT.json").exists()
