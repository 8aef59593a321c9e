"""Redaction benchmark: what finding personal details costs per question, beside a whole answer.

Redaction runs on every question (and used to run again on each earlier turn of a
conversation), so its cost is measured warm over realistic questions: the labelled set's
questions (eval/pii) and the public gold questions.  The floor is the spaCy NER model alone on
the same texts, in the same process; the whole answer is ``Assistant.ask`` as bench/answer.py
times it.  Numbers only, no assertions.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.answer import pct  # noqa: E402


def timed(function: object, texts: list[str], rounds: int) -> list[float]:
    assert callable(function)
    ms: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            function(text)
            ms.append((time.perf_counter() - start) * 1000)
    return ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data", type=Path, help="an ingested data dir to reuse (default: a fresh one)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--no-answers", action="store_true", help="skip the whole-answer timing")
    args = parser.parse_args()

    from assistant import redaction
    from assistant.evaluation import load_gold
    from assistant.redaction.labelled import load_labelled
    from assistant.redaction.policy import policy

    start = time.perf_counter()
    redaction.warm_up()
    load_s = time.perf_counter() - start
    labelled = [
        q.text
        for part in ("dev", "dev-2", "holdout")
        for q in load_labelled(ROOT / "eval" / "pii" / f"{part}.txt", policy())
    ]
    gold = load_gold(ROOT / "eval" / "questions.jsonl")
    texts = labelled + [g.question for g in gold]

    nlp = redaction._engine().analyzer.nlp_engine.nlp["en"]
    for text in texts:  # warm every cache once
        nlp(text)
        redaction.forget()
        redaction.redact(text)

    def cold_redact(text: str) -> None:
        redaction.forget()  # every timed call runs the model, not the remembered output
        redaction.redact(text)

    floor_ms = timed(nlp, texts, args.rounds)
    redact_ms = timed(cold_redact, texts, args.rounds)
    # An earlier turn comes back already redacted with every follow-up question.
    earlier = [redaction.redact(text)[0] for text in texts]
    remembered_ms = timed(redaction.redact, earlier, args.rounds)

    print(
        f"questions {len(texts)} ({len(labelled)} labelled, {len(gold)} gold), rounds {args.rounds}"
    )
    print(f"model and engine load: {load_s:.1f} s (once per process)")
    print(
        f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    print(f"{'':40}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'x floor p95':>13}")
    floor_p95 = pct(floor_ms, 0.95)
    rows = [
        ("spaCy NER alone (floor)", floor_ms),
        ("redact(), model run every time", redact_ms),
        ("redact(), earlier turn (remembered)", remembered_ms),
    ]
    for name, values in rows:
        print(
            f"{name:40}{pct(values, 0.5):10.2f}{pct(values, 0.95):10.2f}{max(values):10.2f}"
            f"{pct(values, 0.95) / floor_p95:12.2f}x"
        )
    if args.no_answers:
        return

    from assistant.answering import Assistant
    from assistant.indexing import ingest
    from assistant.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="spo-bench-redaction-"))
    settings = load_settings(corpus_dir=ROOT / "corpus", data_dir=args.data or work / "data")
    if args.data is None:
        ingest(settings)
    assistant = Assistant(settings)
    for item in gold:
        assistant.ask(item.question)
    answer_ms: list[float] = []
    guard_ms: list[float] = []
    for _ in range(args.rounds):
        for item in gold:
            redaction.forget()
            start = time.perf_counter()
            answer = assistant.ask(item.question)
            answer_ms.append((time.perf_counter() - start) * 1000)
            guard_ms.append(answer.timings.get("guard_ms", 0.0))
    print(
        f"{'whole answer (Assistant.ask), gold':40}{pct(answer_ms, 0.5):10.2f}"
        f"{pct(answer_ms, 0.95):10.2f}{max(answer_ms):10.2f}"
    )
    print(
        f"{'  of which the guard (redaction)':40}{pct(guard_ms, 0.5):10.2f}"
        f"{pct(guard_ms, 0.95):10.2f}{max(guard_ms):10.2f}"
    )
    share = statistics.mean(guard_ms) / statistics.mean(answer_ms)
    print(f"redaction share of a whole answer (mean): {share:.1%}")


if __name__ == "__main__":
    main()
