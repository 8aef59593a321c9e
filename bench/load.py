"""Load benchmark: concurrent simulated conversations against one in-process Assistant.

Each simulated user holds conversations of a few gold questions (eval/questions.jsonl), asking
each with the earlier questions of its conversation as history, as the app does.  Runs at 1, 4
and 16 concurrent users, each without and with a re-ingest running at the same time (a
background thread edits a copy of the corpus and runs ``ingest`` repeatedly on the data dir
the readers use).  Prints throughput and latency percentiles, the ratios against the 1-user
run without re-ingest (the baseline, measured in the same process), the error count
(expected 0) and the number of answers whose citations do not all come from the one corpus
version the answer names (expected 0).  Numbers only, no assertions.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class RunResult:
    users: int
    reingest: bool
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answers: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # version, [(id, quote)]
    ingests: int = 0
    ingest_errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def conversations(questions: list[str], length: int) -> list[list[str]]:
    return [questions[i : i + length] for i in range(0, len(questions), length)]


def version_chunks(data_dir: Path, version: str) -> dict[str, str]:
    """chunk id -> text for one published version (read while it still exists)."""
    path = data_dir / "versions" / version / "chunks.jsonl"
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                out[record["chunk_id"]] = record["text"]
    return out


class Reingester(threading.Thread):
    """Edits one paragraph of the corpus copy and re-ingests, over and over, until stopped."""

    def __init__(self, settings: object, corpus: Path, known: dict[str, dict[str, str]]) -> None:
        super().__init__(daemon=True)
        self.settings = settings
        self.corpus = corpus
        self.known = known
        self.stop = threading.Event()
        self.count = 0
        self.errors: list[str] = []
        self.target = sorted(corpus.glob("*.md"))[0]
        self.original = self.target.read_text(encoding="utf-8")

    def run(self) -> None:
        from assistant.indexing import ingest
        from assistant.store import read_pointer

        lines = self.original.splitlines()
        # the first numbered paragraph line ("1.1 ...") is the one that gets edited
        index = next(i for i, line in enumerate(lines) if line[:1].isdigit() and "." in line[:4])
        while not self.stop.is_set():
            edited = list(lines)
            edited[index] = f"{lines[index]} Revision {self.count + 1} of this note."
            self.target.write_text("\n".join(edited) + "\n", encoding="utf-8")
            try:
                report = ingest(self.settings)  # type: ignore[arg-type]
                pointer = read_pointer(self.settings)  # type: ignore[arg-type]
                if pointer is not None:
                    version = str(pointer["version"])
                    self.known.setdefault(
                        version, version_chunks(self.settings.data_dir, version)  # type: ignore[attr-defined]
                    )
                if report.published:
                    self.count += 1
            except Exception as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
                time.sleep(0.2)

    def restore(self) -> None:
        self.target.write_text(self.original, encoding="utf-8")


def run_load(
    assistant: object,
    convs: list[list[str]],
    users: int,
    seconds: float,
    max_answers: int,
    reingester: Reingester | None,
) -> RunResult:
    result = RunResult(users, reingester is not None)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    stop = threading.Event()

    def user(n: int) -> None:
        done = 0
        conv_index = n
        while not stop.is_set() and time.monotonic() < deadline and done < max_answers:
            conv = convs[conv_index % len(convs)]
            conv_index += users
            for turn, question in enumerate(conv):
                if time.monotonic() >= deadline or done >= max_answers:
                    break
                start = time.perf_counter()
                try:
                    answer = assistant.ask(question, conv[:turn])  # type: ignore[attr-defined]
                except Exception as exc:
                    with lock:
                        result.errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
                        if len(result.errors) == 1:
                            traceback.print_exc()
                    done += 1
                    continue
                elapsed = (time.perf_counter() - start) * 1000
                done += 1
                with lock:
                    result.latencies_ms.append(elapsed)
                    result.answers.append(
                        (answer.corpus_version, [(c.chunk_id, c.quote) for c in answer.citations])
                    )

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    if reingester is not None:
        reingester.start()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    stop.set()
    result.seconds = time.perf_counter() - start
    if reingester is not None:
        reingester.stop.set()
        reingester.join(timeout=300)
        reingester.restore()
        result.ingests = reingester.count
        result.ingest_errors = reingester.errors
    return result


def inconsistent(result: RunResult, known: dict[str, dict[str, str]]) -> int:
    """Answers citing a chunk that is not in (or differs from) the version the answer names."""
    bad = 0
    for version, cited in result.answers:
        chunks = known.get(version)
        if chunks is None or any(chunks.get(cid) != quote for cid, quote in cited):
            bad += 1
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", default="1,4,16", help="concurrent users per run (default 1,4,16)")
    parser.add_argument("--seconds", type=float, default=12.0, help="time limit of each run")
    parser.add_argument(
        "--max-answers", type=int, default=120, help="most answers per user in one run"
    )
    parser.add_argument("--turns", type=int, default=3, help="questions per conversation")
    parser.add_argument("--no-reingest", action="store_true", help="skip the re-ingest runs")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    args = parser.parse_args()

    from assistant.answering import Assistant
    from assistant.indexing import ingest
    from assistant.settings import load_settings
    from assistant.store import read_pointer

    work = Path(tempfile.mkdtemp(prefix="spo-bench-load-"))
    try:
        corpus = work / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        settings = load_settings(corpus_dir=corpus, data_dir=work / "data")
        started = time.perf_counter()
        report = ingest(settings)
        print(f"initial ingest: {report.chunks_total} chunks in {time.perf_counter() - started:.1f} s")
        pointer = read_pointer(settings)
        assert pointer is not None
        known: dict[str, dict[str, str]] = {
            str(pointer["version"]): version_chunks(settings.data_dir, str(pointer["version"]))
        }
        questions = [
            json.loads(line)["question"]
            for line in args.questions.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        convs = conversations(questions, args.turns)
        assistant = Assistant(settings)
        for question in questions[:5]:  # warm-up: model, snapshot, sentence cache
            assistant.ask(question)

        users_list = [int(u) for u in args.users.split(",") if u.strip()]
        results: list[RunResult] = []
        for users in users_list:
            for with_reingest in [False] if args.no_reingest else [False, True]:
                reingester = Reingester(settings, corpus, known) if with_reingest else None
                result = run_load(
                    assistant, convs, users, args.seconds, args.max_answers, reingester
                )
                results.append(result)
                label = "with re-ingest" if with_reingest else "no re-ingest"
                print(
                    f"  done: {users:>2} users, {label}: {len(result.latencies_ms)} answers"
                    f" in {result.seconds:.1f} s", flush=True
                )

        base = results[0]
        print(
            f"\nconversations of {args.turns} questions, {len(convs)} conversations; "
            f"runs of at most {args.seconds:.0f} s or {args.max_answers} answers per user"
        )
        header = (
            f"{'users':>5} {'re-ingest':>9} {'answers':>7} {'ans/s':>7} {'p50 ms':>8} "
            f"{'p95 ms':>8} {'p99 ms':>8} {'x tput':>7} {'x p50':>6} {'x p95':>6} "
            f"{'errors':>6} {'ingests':>7} {'mixed':>5}"
        )
        print(header)
        for r in results:
            mixed = inconsistent(r, known) if r.reingest else 0
            p50, p95, p99 = (pct(r.latencies_ms, q) for q in (0.5, 0.95, 0.99))
            print(
                f"{r.users:>5} {'yes' if r.reingest else 'no':>9} {len(r.latencies_ms):>7} "
                f"{r.throughput:>7.2f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} "
                f"{r.throughput / base.throughput:>6.2f}x {p50 / pct(base.latencies_ms, 0.5):>5.2f}x "
                f"{p95 / pct(base.latencies_ms, 0.95):>5.2f}x {len(r.errors):>6} "
                f"{r.ingests if r.reingest else '-':>7} {mixed if r.reingest else '-':>5}"
            )
        total_errors = sum(len(r.errors) for r in results)
        total_mixed = sum(inconsistent(r, known) for r in results if r.reingest)
        ingest_errors = [e for r in results for e in r.ingest_errors]
        print(f"\nerrors: {total_errors} (expected 0)")
        for message in sorted({e for r in results for e in r.errors})[:5]:
            print(f"  {message}")
        print(f"answers citing chunks outside their one corpus version: {total_mixed} (expected 0)")
        print(f"re-ingest failures: {len(ingest_errors)}")
        for message in sorted(set(ingest_errors))[:5]:
            print(f"  {message}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
