"""Ingest benchmark: raw model throughput vs full ingest vs one-document re-ingest, and the
same against the raw embedding floor for published formats (a 60-page gov.uk-style PDF and a
20-page Word policy).

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
sys.path.insert(0, str(ROOT / "tests"))  # fixtures_docs: the realistic document writers

WORDS = ["warrant", "harbour", "lantern", "meadow", "granite", "orchard", "compass", "ledger",
         "beacon", "quarry", "saddle", "thistle", "cobalt", "juniper", "falcon", "pewter"]


def _sentence(i: int, j: int) -> str:
    a, b = WORDS[(i * 7 + j) % len(WORDS)], WORDS[(i * 3 + j * 5 + 1) % len(WORDS)]
    return (f"The {a} register for case {i}-{j} is checked by the {b} team, who record the "
            f"outcome and the date of the next review in the case file.")


def long_guidance_pdf(pages: int) -> bytes:
    """A gov.uk-style PDF of about ``pages`` pages: numbered paragraphs, bullets, a ruled table
    in every fifteenth section, running header, footer and contents (tests/fixtures_docs.py)."""
    from fixtures_docs import govuk_pdf

    sections = []
    number = 0
    for s in range(1, pages * 2):
        items: list[tuple[str, object]] = []
        for _ in range(3):
            number += 1
            items.append(("para", (str(number), " ".join(_sentence(number, j) for j in range(3)))))
        items.append(("bullets", [f"check the {WORDS[(s + k) % 16]} entry for section {s}" for k in range(3)]))
        if s % 15 == 0:  # a few tables, as in published guidance
            items.append(("table", (["Role", "Task"], [[f"Officer {s}-{k}", _sentence(s, k)[:60]] for k in range(3)])))
        sections.append((f"{s}. Section {WORDS[s % 16]} {s}", items))
    data, _ = govuk_pdf(sections, lines_per_page=46)
    return data


def long_word_policy(path: Path, pages: int) -> int:
    """A Word policy of about ``pages`` pages (500 words a page): heading styles, auto-numbered
    steps, a roles table in every fourth section.  Returns its word count."""
    import docx

    document = docx.Document()
    document.add_paragraph("Northmoor fixture policy for the ingest benchmark", style="Title")
    words = 0
    s = 0
    while words < pages * 500:
        s += 1
        document.add_heading(f"{s} Procedure {WORDS[s % 16]}", level=1)
        intro = " ".join(_sentence(s, j) for j in range(2))
        document.add_paragraph(intro)
        words += len(intro.split())
        for k in range(5):
            step = _sentence(s * 10 + k, k)
            document.add_paragraph(step, style="List Number")
            words += len(step.split())
        if s % 4 == 0:
            table = document.add_table(rows=1, cols=2)
            table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Role", "Responsibility"
            for k in range(3):
                cells = table.add_row().cells
                cells[0].text, cells[1].text = f"Officer {s}-{k}", _sentence(s, k + 20)
                words += 25
    document.save(str(path))
    return words


def real_formats(work: Path, batch: int) -> None:
    """Load, chunk and ingest a long PDF and a long DOCX; compare with the raw embedding floor."""
    import pypdfium2

    from assistant.chunking import chunk_document
    from assistant.embedding import get_embedder
    from assistant.indexing import ingest
    from assistant.loading import load_document
    from assistant.settings import load_settings

    corpus = work / "formats"
    corpus.mkdir()
    (corpus / "guidance.pdf").write_bytes(long_guidance_pdf(60))
    words = long_word_policy(corpus / "policy.docx", 20)
    settings = load_settings(corpus_dir=corpus, data_dir=work / "formats-data")
    embedder = get_embedder(settings)
    print(f"\nreal formats: guidance.pdf ({len(pypdfium2.PdfDocument(corpus / 'guidance.pdf'))} pages), "
          f"policy.docx ({words} words, about {words // 500} pages)")
    texts: list[str] = []
    for name in ("guidance.pdf", "policy.docx"):
        t = time.perf_counter()
        document = load_document(corpus / name, corpus)
        load_s = time.perf_counter() - t
        chunks = chunk_document(document, settings.chunk_max_tokens, embedder.count_tokens)
        texts += [c.embed_text for c in chunks]
        numbered = sum(1 for c in chunks if c.paragraphs)
        print(f"  load {name}: {load_s:.2f}s, {len(document.paragraphs)} paragraphs, "
              f"{len(chunks)} chunks ({numbered} numbered)")
    t = time.perf_counter()
    embedder.model.encode(texts, batch_size=batch, normalize_embeddings=True)
    raw_s = time.perf_counter() - t
    raw = len(texts) / raw_s
    print(f"  raw embedding of their {len(texts)} chunks: {raw:.1f} chunks/s ({raw_s:.1f}s)")
    t = time.perf_counter()
    report = ingest(settings)
    full_s = time.perf_counter() - t
    rate = report.chunks_total / full_s
    print(f"  full ingest, empty cache: {full_s:.1f}s, {rate:.1f} chunks/s, ratio to raw {rate / raw:.2f}")
    print(f"  {report.quality.render()}")


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
    parser.add_argument(
        "--formats-only", action="store_true", help="run only the real-format (PDF, DOCX) case"
    )
    args = parser.parse_args()

    from assistant.embedding import get_embedder
    from assistant.indexing import ingest, plan
    from assistant.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="spo-bench-"))
    try:
        if args.formats_only:
            real_formats(work, args.batch)
            return
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
        real_formats(work, args.batch)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
