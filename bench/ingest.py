"""Ingest benchmark: raw model throughput vs full ingest vs one-document re-ingest.

Prints numbers only (no assertions).  See bench/README.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_corpus(target: Path, scale: int) -> None:
    """Copy the real corpus; replicas rewrite doc_id (and docx identifier) to stay unique."""
    for copy in range(scale):
        for src in sorted((ROOT / "corpus").iterdir()):
            if src.name.startswith((".", "_")) or not src.is_file():
                continue
            name = src.name if copy == 0 else f"{src.stem}-r{copy}{src.suffix}"
            dest = target / name
            if copy == 0:
                shutil.copy(src, dest)
            elif src.suffix == ".md":
                text = src.read_text(encoding="utf-8")
                text = re.sub(r"^doc_id: (.+)$", rf"doc_id: \1-r{copy}", text, count=1, flags=re.M)
                # vary the text so replicas are not served from the embedding cache
                text = re.sub(r"^(\d+\.\d+) ", rf"\1 (replica {copy}) ", text, flags=re.M)
                dest.write_text(text, encoding="utf-8")
            elif src.suffix == ".docx":
                import docx

                document = docx.Document(str(src))
                props = document.core_properties
                props.identifier = f"{props.identifier or src.stem}-r{copy}"
                for para in document.paragraphs:
                    if re.match(r"^\d+\.\d+ ", para.text) and para.runs:
                        para.runs[-1].text += f" (replica {copy})"
                document.save(str(dest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="replicate the corpus N times")
    parser.add_argument("--batch", type=int, default=32, help="raw encode batch size")
    args = parser.parse_args()

    from assistant.embedding import get_embedder
    from assistant.indexing import ingest, plan
    from assistant.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="spo-bench-"))
    try:
        corpus = work / "corpus"
        corpus.mkdir()
        build_corpus(corpus, args.scale)
        settings = load_settings(corpus_dir=corpus, data_dir=work / "data")
        embedder = get_embedder(settings)
        embedder.encode(["warm up the model"])

        planned = plan(settings, embedder, dry_run=True)
        texts = [c.embed_text for c in planned.chunks]
        n = len(texts)
        t = time.perf_counter()
        embedder.model.encode(texts, batch_size=args.batch, normalize_embeddings=True)
        raw_s = time.perf_counter() - t
        raw = n / raw_s
        print(f"chunks: {n} ({args.scale}x real corpus)")
        print(f"raw embedding (SentenceTransformer.encode, batch {args.batch}): "
              f"{raw:.1f} chunks/s ({raw_s:.1f}s)")

        t = time.perf_counter()
        report = ingest(settings)  # empty embedding cache: a fresh data dir
        full_s = time.perf_counter() - t
        full = report.chunks_total / full_s
        print(f"full ingest, empty cache: {full:.1f} chunks/s ({full_s:.1f}s, "
              f"{report.chunks_embedded} embedded), ratio to raw {full / raw:.2f}")

        target = sorted(corpus.glob("*.md"))[0]
        text = target.read_text(encoding="utf-8")
        target.write_text(re.sub(r"^(\d+\.\d+) ", r"\1 Edited. ", text, count=1, flags=re.M),
                          encoding="utf-8")
        t = time.perf_counter()
        report = ingest(settings)
        one_s = time.perf_counter() - t
        print(f"re-ingest after one document changed: {one_s:.2f}s "
              f"({report.chunks_embedded} embedded), ratio to full rebuild {one_s / full_s:.3f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
