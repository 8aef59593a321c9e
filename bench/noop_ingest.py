"""No-op ingest benchmark: what `python ingest.py` costs when nothing in the corpus changed.

Prints numbers only (no assertions).  See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Each child runs in a fresh interpreter, as an officer's or maintainer's command would, and
# reports whether the embedding model's library was imported and its own peak memory (VmHWM:
# ru_maxrss would carry the parent's peak across fork and exec).
PEAK_RSS = (
    "def peak_rss_mb():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            return int(line.split()[1]) / 1024\n"
)
NOOP_CHILD = PEAK_RSS + """
import json, runpy, sys
sys.argv = ["ingest.py", "--quiet"]
try:
    runpy.run_path("ingest.py", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code, "model_imported": "sentence_transformers" in sys.modules,
                  "rss_mb": peak_rss_mb()}))
"""
MODEL_CHILD = PEAK_RSS + """
import json, sys
from assistant.embedding import get_embedder
from assistant.settings import load_settings
get_embedder(load_settings(), with_cache=False).encode(["load the model"])
print(json.dumps({"exit": 0, "model_imported": "sentence_transformers" in sys.modules,
                  "rss_mb": peak_rss_mb()}))
"""


def run_child(code: str, env: dict[str, str]) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - start
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each child")
    args = parser.parse_args()

    from assistant.indexing import ingest
    from assistant.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="spo-bench-noop-"))
    try:
        corpus = work / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        data = work / "data"
        report = ingest(load_settings(corpus_dir=corpus, data_dir=data))
        print(f"corpus: {report.chunks_total} chunks ingested once into a fresh data dir")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPO_")}
        env.update(SPO_CORPUS_DIR=str(corpus), SPO_DATA_DIR=str(data), PYTHONPATH=str(ROOT))

        rows = {}
        for name, code in (("no-op ingest", NOOP_CHILD), ("model load (baseline)", MODEL_CHILD)):
            runs = [run_child(code, env) for _ in range(args.rounds)]
            seconds = statistics.median(s for s, _ in runs)
            info = runs[-1][1]
            rows[name] = seconds
            print(
                f"{name}: {seconds:.2f}s median of {args.rounds} (fresh interpreter each), "
                f"model library imported: {info['model_imported']}, "
                f"peak RSS {float(info['rss_mb']):.0f} MB, exit {info['exit']}"
            )
        ratio = rows["no-op ingest"] / rows["model load (baseline)"]
        print(f"no-op ingest / model load: {ratio:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
