"""Scale benchmark: ingest and query cost on synthetic corpora of about 1k, 10k and 100k chunks.

The corpus is generated (deterministic seed): SPO-like numbered paragraphs built from sentence
templates, a legal vocabulary and made-up rare words, 20 paragraphs per note, one chunk each.
Each size runs in its own child process, so its peak memory (ru_maxrss) is its own.  Per size
it prints ingest throughput, the size of the index version on disk, peak RSS, retrieval-only
and whole-answer latency (p50/p95 over the gold questions), and ratios against the smallest
size.  Numbers only, no assertions.  See bench/README.md.

With the real model, embedding dominates ingest (about 30-100 chunks/s on 2 cores: 10k chunks
take minutes, 100k chunks take the better part of an hour), so the default sizes are 1000 and
10000.  ``--fake-embeddings`` replaces the model's output with deterministic random unit vectors
(the model still loads and tokenises for chunking), so the same chunk/Chroma/BM25/publish path
runs without the model's cost: use it for 100k.  Answers are then meaningless; only their cost is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARAS_PER_DOC = 20
SECTIONS = 5

SUBJECTS = [
    "the applicant chief officer", "the magistrates' court", "the defendant", "the victim",
    "the investigating officer", "the case file", "the interim order", "the full order",
    "the notification requirement", "the public protection unit", "the risk assessment",
    "the prohibition", "the positive requirement", "the independent stalking advocate",
    "the supervising officer", "the legal adviser", "the police area", "the Crown Court",
]
VERBS = [
    "must record", "should consider", "may apply for", "can vary", "must notify", "reviews",
    "shares", "is required to explain", "should check", "may discharge", "must serve",
    "can renew", "should document", "is expected to monitor", "may request",
]
OBJECTS = [
    "the evidence of fixation and obsession", "any breach within 24 hours", "the order's terms",
    "a fixed period of at least two years", "the name and home address", "the draft conditions",
    "the statement of the victim", "the background of the relationship", "the risk to the public",
    "the residence in the area", "the application under section 1", "a without notice hearing",
    "the proportionality of each prohibition", "the defendant's online activity",
    "the service of the order in person", "the safeguarding referral",
]
TAILS = [
    "before the hearing", "within three days", "after the order is made", "at each review",
    "when the circumstances change", "in the case management system", "with the supervisor",
    "unless the court directs otherwise", "where the victim agrees", "as soon as practicable",
]
SYLLABLES = ["ka", "ter", "mon", "vel", "dri", "sta", "lor", "pen", "quo", "zim", "bra", "nu"]


def rare_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4)))


def paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(2, 3)):
        sentence = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}"
        if rng.random() < 0.5:
            sentence += f", noting the {rare_word(rng)} procedure"
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def write_corpus(folder: Path, chunks: int, seed: int) -> int:
    """Notes of PARAS_PER_DOC numbered paragraphs each; returns the number of notes."""
    rng = random.Random(seed)
    docs = max(1, round(chunks / PARAS_PER_DOC))
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(docs):
        topic = rare_word(rng)
        lines = [
            "---", f"doc_id: synth-{d:05d}", f"title: Synthetic note {d} on {topic} orders",
            "audience: all", 'edition: "2026.1"', "effective_date: 2026-01-01",
            "status: Synthetic benchmark text, not guidance.", "sources:", "  - generated", "---",
            "", f"# Synthetic note {d} on {topic} orders", "",
        ]
        per_section = PARAS_PER_DOC // SECTIONS
        for s in range(1, SECTIONS + 1):
            lines += [f"## {s} {rng.choice(SUBJECTS).title()} and {rare_word(rng)}", ""]
            for p in range(1, per_section + 1):
                lines += [f"{s}.{p} {paragraph(rng)}", ""]
        (folder / f"synth-{d:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    return docs


def fake_embeddings() -> None:
    """Deterministic random unit vectors in place of the model's output (labelled in the output)."""
    import numpy as np

    from assistant.embedding import Embedder

    def encode(self: Embedder, texts: Any, batch_size: int = 32) -> Any:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            vector = np.random.default_rng(seed).standard_normal(self.dimension)
            out[i] = vector / np.linalg.norm(vector)
        self.embedded += len(texts)
        return out

    Embedder.encode = encode  # type: ignore[method-assign]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure_one(size: int, fake: bool, seed: int, rounds: int, questions: Path) -> dict[str, Any]:
    """Runs in the child process: generate, ingest, query; returns the numbers."""
    if fake:
        fake_embeddings()
    from assistant.answering import Assistant
    from assistant.guard import check_question
    from assistant.indexing import ingest
    from assistant.settings import load_settings
    from assistant.store import read_pointer

    work = Path(tempfile.mkdtemp(prefix=f"spo-bench-scale-{size}-"))
    try:
        started = time.perf_counter()
        docs = write_corpus(work / "corpus", size, seed)
        generate_s = time.perf_counter() - started
        settings = load_settings(corpus_dir=work / "corpus", data_dir=work / "data")
        from assistant.embedding import get_embedder

        get_embedder(settings)  # load the model outside the timed ingest
        started = time.perf_counter()
        report = ingest(settings)
        ingest_s = time.perf_counter() - started
        pointer = read_pointer(settings)
        assert pointer is not None
        version_dir = settings.data_dir / "versions" / str(pointer["version"])
        rss_after_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        gold = [
            json.loads(line)["question"]
            for line in questions.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        assistant = Assistant(settings)
        for q in gold[:3]:
            assistant.ask(q)
        retrieval_ms: list[float] = []
        answer_ms: list[float] = []
        for _ in range(rounds):
            for q in gold:
                checked = check_question(q, settings.max_question_chars).question
                t = time.perf_counter()
                assistant.retriever().retrieve(checked, [])
                retrieval_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                assistant.ask(q)
                answer_ms.append((time.perf_counter() - t) * 1000)
        return {
            "size": size,
            "docs": docs,
            "chunks": report.chunks_total,
            "generate_s": generate_s,
            "ingest_s": ingest_s,
            "chunks_per_s": report.chunks_total / ingest_s,
            "index_mb": du(version_dir) / 1e6,
            "cache_mb": du(settings.data_dir) / 1e6 - du(version_dir) / 1e6,
            "rss_ingest_mb": rss_after_ingest / 1024,
            "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "retrieval_p50": pct(retrieval_ms, 0.5),
            "retrieval_p95": pct(retrieval_ms, 0.95),
            "answer_p50": pct(answer_ms, 0.5),
            "answer_p95": pct(answer_ms, 0.95),
            "answer_mean": statistics.mean(answer_ms),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000,10000",
        help="approximate chunk counts, comma-separated (default 1000,10000; 100000 is opt-in: "
        "with the real model it embeds for most of an hour, so pair it with --fake-embeddings)",
    )
    parser.add_argument(
        "--fake-embeddings", action="store_true",
        help="random unit vectors instead of the model's output: index/query scaling without "
        "the model's cost (answers are meaningless, their cost is not)",
    )
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the questions")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()

    if args.one is not None:
        print(json.dumps(measure_one(args.one, args.fake_embeddings, args.seed, args.rounds,
                                     args.questions)))
        return

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    mode = "FAKE embeddings (random unit vectors; model cost excluded)" if args.fake_embeddings \
        else "real embeddings (all-MiniLM-L6-v2)"
    print(f"synthetic corpus, seed {args.seed}, {PARAS_PER_DOC} paragraphs per note; {mode}")
    rows: list[dict[str, Any]] = []
    for size in sizes:
        cmd = [sys.executable, __file__, "--one", str(size), "--seed", str(args.seed),
               "--rounds", str(args.rounds), "--questions", str(args.questions)]
        if args.fake_embeddings:
            cmd.append("--fake-embeddings")
        started = time.perf_counter()
        child = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if child.returncode != 0:
            print(f"size {size}: failed\n{child.stderr[-2000:]}")
            continue
        row = json.loads(child.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"  done: {row['chunks']} chunks in {time.perf_counter() - started:.0f} s", flush=True)
    if not rows:
        return
    base = rows[0]
    columns = [
        ("chunks", "chunks", "{:>8d}"),
        ("ingest s", "ingest_s", "{:>9.1f}"),
        ("chunks/s", "chunks_per_s", "{:>9.1f}"),
        ("index MB", "index_mb", "{:>9.1f}"),
        ("peak RSS MB", "rss_peak_mb", "{:>12.0f}"),
        ("retr p50 ms", "retrieval_p50", "{:>12.1f}"),
        ("retr p95 ms", "retrieval_p95", "{:>12.1f}"),
        ("ans p50 ms", "answer_p50", "{:>11.1f}"),
        ("ans p95 ms", "answer_p95", "{:>11.1f}"),
    ]
    print()
    print("".join(f"{name:>{len(fmt.format(0 if 'd' in fmt else 0.0))}}" for name, _, fmt in columns))
    for row in rows:
        print("".join(fmt.format(row[key]) for _, key, fmt in columns))
    print(f"\ngrowth against the {base['chunks']}-chunk row (x chunks -> x cost):")
    for row in rows[1:]:
        growth = row["chunks"] / base["chunks"]
        print(
            f"  {growth:5.1f}x chunks: ingest time {row['ingest_s'] / base['ingest_s']:.1f}x, "
            f"index size {row['index_mb'] / base['index_mb']:.1f}x, "
            f"peak RSS {row['rss_peak_mb'] / base['rss_peak_mb']:.2f}x, "
            f"retrieval p50 {row['retrieval_p50'] / base['retrieval_p50']:.2f}x, "
            f"answer p50 {row['answer_p50'] / base['answer_p50']:.2f}x"
        )
    print("embedding cache (outside the version folder, reused by later ingests): "
          + ", ".join(f"{r['chunks']}: {r['cache_mb']:.1f} MB" for r in rows))


if __name__ == "__main__":
    main()
