"""Answer benchmark: our pipeline against a naive LangChain baseline, in one process.

Prints warm latency (p50/p95) for retrieval and whole answers over the public gold questions,
and quality numbers scored the same way for both systems.  Numbers only, no assertions.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
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
    from assistant.evaluation import load_gold
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

    # --- ours: warm up, then time retrieval and whole answers separately
    def history_for(index: int) -> list[str]:
        return [gold[index - 1].question] if "follow_up" in gold[index].tags and index else []

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
    baseline_answers = [store.similarity_search(item.question, k=4) for item in gold]
    baseline_ms: list[float] = []
    for _ in range(args.rounds):
        for item in gold:
            start = time.perf_counter()
            store.similarity_search(item.question, k=4)
            baseline_ms.append((time.perf_counter() - start) * 1000)

    # --- score both the same way
    def fact_recall(sentences_per_item: list[list[str]]) -> float:
        scores = []
        for item, sentences in zip(gold, sentences_per_item, strict=True):
            if item.answerable and item.expected_facts:
                found = sum(matcher.match(f, sentences).found for f in item.expected_facts)
                scores.append(found / len(item.expected_facts))
        return statistics.mean(scores)

    def words(sentences_per_item: list[list[str]]) -> float:
        return statistics.mean(
            sum(len(s.split()) for s in sentences)
            for item, sentences in zip(gold, sentences_per_item, strict=True)
            if item.answerable
        )

    ours_sentences = [[] if a.refused else [s.text for s in a.sentences] for a in answers]
    base_sentences = [
        [s for d in docs for s in split_sentences(d.page_content)] for docs in baseline_answers
    ]

    paragraph_text = {
        (c.doc_id, p): c.text for c in assistant.retriever().snapshot.chunks for p in c.paragraphs
    }

    def cited_precision_ours() -> float:
        hits = total = 0
        for item, answer in zip(gold, answers, strict=True):
            if not item.answerable or answer.refused or not item.expected_sections:
                continue
            for c in answer.citations:
                total += 1
                hits += any(
                    c.doc_id == d and p in c.paragraphs.split("-")
                    for d, p in item.expected_sections
                )
        return hits / total

    def cited_precision_baseline() -> float:
        hits = total = 0
        for item, docs in zip(gold, baseline_answers, strict=True):
            if not item.answerable or not item.expected_sections:
                continue
            wanted = [paragraph_text.get(key, "") for key in item.expected_sections]
            for d in docs:
                total += 1
                hits += any(w and w[:120] in d.page_content for w in wanted)
        return hits / total

    refusals_ours = sum(a.refused for a, i in zip(answers, gold, strict=True) if not i.answerable)
    unanswerable = sum(not i.answerable for i in gold)

    def truncated(sentences: list[str], budget: int) -> list[str]:
        kept: list[str] = []
        for sentence in sentences:
            if sum(len(k.split()) for k in kept) + len(sentence.split()) > budget:
                break
            kept.append(sentence)
        return kept

    # The baseline cut to the length of our answer for the same question: quality per word.
    base_same_length = [
        truncated(base, sum(len(s.split()) for s in ours)) if ours else []
        for ours, base in zip(ours_sentences, base_sentences, strict=True)
    ]
    rec_ours, rec_base = fact_recall(ours_sentences), fact_recall(base_sentences)
    rec_base_same = fact_recall(base_same_length)
    words_ours, words_base = words(ours_sentences), words(base_sentences)
    prec_ours, prec_base = cited_precision_ours(), cited_precision_baseline()

    print(
        f"questions {len(gold)}, rounds {args.rounds}, corpus version {assistant.retriever().snapshot.version}"
    )
    print(f"{'':36}{'ours':>12}{'baseline':>12}{'ratio':>9}")
    rows = [
        ("retrieval p50 ms", pct(retrieval_ms, 0.5), pct(baseline_ms, 0.5)),
        ("retrieval p95 ms", pct(retrieval_ms, 0.95), pct(baseline_ms, 0.95)),
        ("whole answer p50 ms", pct(answer_ms, 0.5), pct(baseline_ms, 0.5)),
        ("whole answer p95 ms", pct(answer_ms, 0.95), pct(baseline_ms, 0.95)),
        ("fact recall (answerable)", rec_ours, rec_base),
        ("fact recall, baseline cut to our length", rec_ours, rec_base_same),
        ("cited-passage precision", prec_ours, prec_base),
        ("answer length, words", words_ours, words_base),
        ("facts found per 100 words", 100 * rec_ours / words_ours, 100 * rec_base / words_base),
        ("refusals of unanswerable", refusals_ours / unanswerable, 0.0),
    ]
    for name, ours, base in rows:
        ratio = f"{ours / base:8.2f}x" if base else "      -"
        print(f"{name:36}{ours:12.3f}{base:12.3f}{ratio}")


if __name__ == "__main__":
    main()
