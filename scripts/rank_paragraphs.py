"""How the assistant ranks and quotes eval/paragraph_questions.jsonl, per split.

    python scripts/rank_paragraphs.py [--data DIR] [--paragraphs FILE]

Each question is labelled with the one paragraph that answers it (eval/README.md).  The gold
set scores facts; this set is larger and worded further from the notes, so it shows whether
a ranking change holds for officers' wording in general.  Printed per split: the labelled
paragraph ranked first (hit@1) or in the top 3, the answer's first quote taken from it, the
answer quoting it anywhere, and questions declined (every one of them is answerable).
The dev split is what ``scripts/fit_weights.py`` fits the retriever on; read test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fit_weights import paragraph_questions  # noqa: E402

from assistant.answering import Assistant  # noqa: E402
from assistant.settings import load_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument(
        "--paragraphs", type=Path, default=ROOT / "eval" / "paragraph_questions.jsonl"
    )
    args = parser.parse_args()
    assistant = Assistant(load_settings(corpus_dir=ROOT / "corpus", data_dir=args.data))
    print(f"{'split':6} {'n':>4} {'hit@1':>6} {'hit@3':>6} {'first':>6} {'quoted':>6} declined")
    for split in ("dev", "test"):
        items = paragraph_questions(args.paragraphs, split)
        hit1 = hit3 = first = quoted = declined = 0
        for _, question, sections in items:
            target = sections[0]
            answer = assistant.ask(question)
            ranked = [tuple(c.split("#")[:2]) for c in answer.retrieved]
            rank = ranked.index(target) if target in ranked else None
            hit1 += rank == 0
            hit3 += rank is not None and rank < 3
            if answer.refused:
                declined += 1
                continue
            cited = [(c.doc_id, c.paragraphs) for c in answer.citations]
            first += bool(cited) and cited[0] == target
            quoted += target in cited
        n = max(1, len(items))
        print(
            f"{split:6} {len(items):>4} {hit1 / n:6.3f} {hit3 / n:6.3f} {first / n:6.3f} "
            f"{quoted / n:6.3f} {declined}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
