"""``python -m assistant.redaction``: recall per kind and clean-question changes on eval/pii.

Prints both parts of the labelled set side by side (dev, which detection was tuned on, and the
held-out part, which it never was), then every miss and every change to a clean question, so a
maintainer who edits a data file sees at once what it gained and what it cost.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import AssistantError
from . import find
from .labelled import Score, load_labelled, score
from .policy import policy

ROOT = Path(__file__).resolve().parents[2]


def report(parts: dict[str, Score]) -> list[str]:
    rules = policy()
    names = list(parts)
    lines = [f"{'':28}" + "".join(f"{n:>16}" for n in names)]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"{label:28}" + "".join(f"{c:>16}" for c in cells))

    for kind in rules.kinds.values():
        cells = []
        for part in parts.values():
            total = part.total.get(kind.id, 0)
            cells.append(f"{part.found.get(kind.id, 0)}/{total}" if total else "-")
        row(kind.label, cells)
    for group, target in rules.targets.recall.items():
        kinds = [k.id for k in rules.kinds.values() if k.group == group]
        row(f"recall {group} (>= {target})", [f"{p.recall(kinds):.3f}" for p in parts.values()])
    row(
        f"clean changed (< {rules.targets.clean_changed_at_most:.0%})",
        [f"{p.clean_changed}/{p.clean} {p.clean_share:.1%}" for p in parts.values()],
    )
    for name, part in parts.items():
        lines += [f"{name} missed: {m}" for m in part.missed]
        lines += [f"{name} clean changed: {c}" for c in part.changed]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.redaction", description=__doc__)
    parser.add_argument(
        "--set", type=Path, default=ROOT / "eval" / "pii", help="labelled set folder"
    )
    parser.add_argument("--parts", default="dev,dev-2,holdout", help="comma-separated part names")
    args = parser.parse_args(argv)
    try:
        parts = {
            name: score(load_labelled(args.set / f"{name}.txt", policy()), find)
            for name in args.parts.split(",")
        }
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(report(parts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
