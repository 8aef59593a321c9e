"""Answer benchmark: our pipeline against a naive LangChain baseline, in one process.

Prints warm latency (p50/p95) for retrieval and whole answers over the gold questions, and
answer quality for both systems scored the same way, per split (dev, test): facts in the
top 3 passages, facts stated, first sentence direct, off-point sentences, median words,
refusals.  The baseline (1000/200 character chunks, Chroma, the same embeddings, top 4
chunks) is also cut to our answer's length for the same question, so quality per word is
compared.  Numbers only, no assertions.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data", type=Path, help="an ingested data dir to reuse (default: a fresh one)"
    )
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the questions")
    args = parser.parse_args()

    from langchain_chroma import Chroma
    from langchain_core.documents import Document as LCDocument
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.answering import Assistant
    from assistant.evaluation import answer_words
    from assistant.gold import SPLITS, GoldItem, load_gold
    from assistant.guard import check_question
    from assistant.indexing import ingest
    from assistant.loading import iter_corpus_files, load_document
    from assistant.matching import FactMatcher
    from assistant.settings import load_settings
    from assistant.text import split_sentences

    work = Path(tempfile.mkdtemp(prefix="spo-bench-answer-"))
    settings = load_settings(corpus_dir=ROOT / "corpus", data_dir=args.data or work / "data")
    if args.data is None:
        ingest(settings)
    gold = load_gold(args.questions)
    assistant = Assistant(settings)
    matcher = FactMatcher(assistant.embedder)

    def history_for(index: int) -> list[str]:
        return [gold[index - 1].question] if "follow_up" in gold[index].tags and index else []

    # --- ours: warm up, then time retrieval and whole answers separately
    answers = [assistant.ask(item.question, history_for(i)) for i, item in enumerate(gold)]
    retrieval_ms: list[float] = []
    answer_ms: list[float] = []
    for _ in range(args.rounds):
        for i, item in enumerate(gold):
            question = check_question(item.question, settings.max_question_chars).question
            start = time.perf_counter()
            assistant.retriever().retrieve(question, history_for(i))
            retrieval_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            assistant.ask(item.question, history_for(i))
            answer_ms.append((time.perf_counter() - start) * 1000)

    # --- the naive baseline: 1000/200 character chunks, Chroma, same embeddings, top 4
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    documents = []
    for path in iter_corpus_files(settings.corpus_dir):
        doc = load_document(path, settings.corpus_dir)
        text = "\n\n".join(p.text for p in doc.paragraphs)
        documents.append(LCDocument(page_content=text, metadata={"doc_id": doc.doc_id}))
    chunks = splitter.split_documents(documents)
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma.from_documents(
        chunks,
        assistant.embedder,
        client=client,
        collection_name="baseline",
        collection_metadata={"hnsw:space": "cosine"},
    )
    baseline_docs = [store.similarity_search(item.question, k=4) for item in gold]
    baseline_ms: list[float] = []
    for _ in range(args.rounds):
        for item in gold:
            start = time.perf_counter()
            store.similarity_search(item.question, k=4)
            baseline_ms.append((time.perf_counter() - start) * 1000)

    # --- score both the same way, on the same items
    by_id = assistant.retriever().snapshot.by_id

    def states(item: GoldItem, sentences: Sequence[str]) -> list[set[str]]:
        return [
            {f for f in item.expected_facts if matcher.score(f, s, item.question).found}
            for s in sentences
        ]

    def quality(rows: list[tuple[GoldItem, list[str], list[str] | None]]) -> dict[str, float]:
        """rows: (item, answer sentences, top-3 passage sentences or None)."""
        recall, direct, coverage, words = [], [], [], []
        off = total = 0
        for item, sentences, top in rows:
            stated = states(item, sentences)
            recall.append(len(set().union(*stated)) / len(item.expected_facts) if stated else 0.0)
            direct.append(float(bool(stated) and bool(stated[0])))
            off += sum(not s for s in stated)
            total += len(stated)
            words.append(sum(len(s.split()) for s in sentences))
            if top is not None:
                found = sum(matcher.match(f, top, item.question).found for f in item.expected_facts)
                coverage.append(found / len(item.expected_facts))
        return {
            "passage fact coverage (top 3)": statistics.mean(coverage) if coverage else 0.0,
            "fact recall": statistics.mean(recall),
            "first sentence direct": statistics.mean(direct),
            "off-point sentences (no fact)": off / max(1, total),
            "median words": statistics.median(words),
        }

    def truncated(sentences: list[str], budget: int) -> list[str]:
        kept: list[str] = []
        for sentence in sentences:
            if kept and sum(len(k.split()) for k in kept) + len(sentence.split()) > budget:
                break
            kept.append(sentence)
        return kept

    print(
        f"questions {len(gold)}, rounds {args.rounds}, "
        f"corpus version {assistant.retriever().snapshot.version}"
    )
    print(f"{'':40}{'ours':>10}{'baseline':>10}{'ratio':>9}")
    rows = [
        ("retrieval p50 ms", pct(retrieval_ms, 0.5), pct(baseline_ms, 0.5)),
        ("retrieval p95 ms", pct(retrieval_ms, 0.95), pct(baseline_ms, 0.95)),
        ("whole answer p50 ms", pct(answer_ms, 0.5), pct(baseline_ms, 0.5)),
        ("whole answer p95 ms", pct(answer_ms, 0.95), pct(baseline_ms, 0.95)),
    ]
    for split in SPLITS:
        index = [i for i, g in enumerate(gold) if g.split == split]
        scored = [i for i in index if gold[i].answerable and gold[i].expected_facts]
        if not index:
            continue
        ours_rows, base_rows = [], []
        for i in scored:
            answer = answers[i]
            ours = [] if answer.refused else [s.text for s in answer.sentences]
            top = [s for c in answer.retrieved[:3] if c in by_id for s in split_sentences(by_id[c].text)]
            base = [s for d in baseline_docs[i] for s in split_sentences(d.page_content)]
            budget = answer_words(answer.text) if not answer.refused else 0
            ours_rows.append((gold[i], ours, top))
            base_top = [s for d in baseline_docs[i][:3] for s in split_sentences(d.page_content)]
            base_rows.append((gold[i], truncated(base, budget) if budget else [], base_top))
        ours_q, base_q = quality(ours_rows), quality(base_rows)
        rows.append((f"[{split}] items scored", float(len(scored)), float(len(scored))))
        for name in ours_q:
            rows.append((f"[{split}] {name}", ours_q[name], base_q[name]))
        unanswerable = [i for i in index if not gold[i].answerable]
        answerable = [i for i in index if gold[i].answerable]
        if unanswerable:
            rate = sum(answers[i].refused for i in unanswerable) / len(unanswerable)
            rows.append((f"[{split}] refusal accuracy", rate, 0.0))
        if answerable:
            rate = sum(answers[i].refused for i in answerable) / len(answerable)
            rows.append((f"[{split}] false refusals", rate, 0.0))
    for name, ours_value, base_value in rows:
        ratio = f"{ours_value / base_value:8.2f}x" if base_value else "       -"
        print(f"{name:40}{ours_value:10.3f}{base_value:10.3f}{ratio}")


if __name__ == "__main__":
    main()
