"""Evaluation reports and the command line: ``python -m assistant.eval``.

::

    python -m assistant.eval [--questions eval/questions.jsonl] [--out DIR]
                             [--baseline REPORT.json] [--check eval/thresholds.json]

Writes ``report.json`` and ``report.md`` into ``--out`` (default ``eval/runs/<timestamp>/``),
compares them with the newest earlier run in the same parent folder (or ``--baseline``) and,
with ``--check``, exits 1 with one line per headline metric that misses its threshold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from .errors import AssistantError, EvaluationError
from .evaluation import HEADLINE, LOWER_IS_BETTER, run_evaluation
from .gold import SPLITS
from .settings import Settings, load_settings

DEFAULT_RUNS = Path("eval/runs")
_ITEM_SCORES = (
    "hit_at_5",
    "reciprocal_rank",
    "fact_recall",
    "citation_precision",
    "refusal_correct",
)


def run_dir(runs: Path = DEFAULT_RUNS) -> Path:
    return runs / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")


def load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"{path}: cannot read evaluation report ({exc})") from None
    if not isinstance(data, dict) or "metrics" not in data:
        raise EvaluationError(f"{path}: not an evaluation report (no metrics)")
    return data


def previous_report(out: Path) -> Path | None:
    """The newest report.json in a sibling folder of ``out`` that sorts before it."""
    if not out.parent.exists():
        return None
    earlier = sorted(
        p
        for p in out.parent.iterdir()
        if p.is_dir() and p.name < out.name and (p / "report.json").exists()
    )
    return earlier[-1] / "report.json" if earlier else None


def list_runs(runs: Path = DEFAULT_RUNS) -> list[dict[str, Any]]:
    """Every readable report under ``runs``, oldest first, each with its ``run`` name."""
    if not runs.exists():
        return []
    reports = []
    for folder in sorted(p for p in runs.iterdir() if p.is_dir()):
        try:
            reports.append({**load_report(folder / "report.json"), "run": folder.name})
        except EvaluationError:
            continue
    return reports


def _item_score(item: dict[str, Any], name: str) -> float | None:
    value = item.get(name)
    return float(value) if value is not None else None


def compare(report: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Headline deltas and the items whose per-item scores went down or up."""
    deltas: dict[str, float | None] = {}
    for name in HEADLINE:
        now, then = report["metrics"].get(name), baseline["metrics"].get(name)
        deltas[name] = round(now - then, 4) if now is not None and then is not None else None
    old_items = {i["id"]: i for i in baseline.get("items", [])}
    worse: list[dict[str, Any]] = []
    better: list[dict[str, Any]] = []
    for item in report.get("items", []):
        old = old_items.get(item["id"])
        if old is None:
            continue
        down: list[str] = []
        up: list[str] = []
        for name in _ITEM_SCORES:
            now, then = _item_score(item, name), _item_score(old, name)
            if now is None or then is None or abs(now - then) < 1e-9:
                continue
            change = f"{name} {then:.2f} -> {now:.2f}"
            (down if now < then else up).append(change)
        if down:
            worse.append({"id": item["id"], "changes": down})
        if up:
            better.append({"id": item["id"], "changes": up})
    return {
        "baseline": baseline.get("created_at", ""),
        "deltas": deltas,
        "worse": worse,
        "better": better,
    }


def check(report: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """One line per failing metric.

    ``{"min": {...}, "max": {...}}`` apply to the whole set; ``{"dev": {"min": ...},
    "test": {...}}`` to one split each, so a regression on the held-out part fails too.
    """
    failures = _check(report["metrics"], thresholds, "")
    for split, limits in thresholds.items():
        if split in SPLITS:
            metrics = report.get("splits", {}).get(split, {})
            failures += _check(metrics, limits, f"[{split}] ")
    return failures


def _check(metrics: dict[str, Any], thresholds: dict[str, Any], where: str) -> list[str]:
    failures = []
    for name, floor in thresholds.get("min", {}).items():
        value = metrics.get(name)
        if value is None or value < floor:
            failures.append(f"FAIL {where}{name} = {_fmt(value)} is below the threshold {floor}")
    for name, ceiling in thresholds.get("max", {}).items():
        value = metrics.get(name)
        if value is None or value > ceiling:
            failures.append(f"FAIL {where}{name} = {_fmt(value)} is above the threshold {ceiling}")
    return failures


def load_thresholds(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"{path}: cannot read thresholds ({exc})") from None
    allowed = {"min", "max", "measured", "note", *SPLITS}
    if not isinstance(data, dict) or not set(data) <= allowed:
        raise EvaluationError(
            f"{path}: thresholds need 'min' and/or 'max' objects, for the whole set or per split"
        )
    return data


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def render_markdown(report: dict[str, Any]) -> str:
    splits = report.get("splits", {})
    sizes = report.get("split_sizes", {})
    lines = [
        f"# Evaluation {report.get('created_at', '')}",
        "",
        f"Gold set `{report['questions_file']}` ({report['items_total']} items"
        + "".join(f", {sizes[s]} {s}" for s in SPLITS if sizes.get(s))
        + f"), corpus version `{report['corpus_version']}`.",
        "",
        "| metric | all | " + " | ".join(s for s in SPLITS if s in splits) + " | change (all) |",
        "|---|---|" + "---|" * sum(s in splits for s in SPLITS) + "---|",
    ]
    deltas = (report.get("comparison") or {}).get("deltas", {})
    for name in HEADLINE:
        delta = deltas.get(name)
        per_split = "".join(f" {_fmt(splits[s].get(name))} |" for s in SPLITS if s in splits)
        lines.append(
            f"| {name} | {_fmt(report['metrics'].get(name))} |{per_split}"
            f" {'' if delta is None else f'{delta:+.3f}'} |"
        )
    comparison = report.get("comparison")
    if comparison:
        lines += ["", f"Compared with the run of {comparison['baseline']}."]
        for title, key in (("Worse", "worse"), ("Better", "better")):
            lines += ["", f"## {title} items", ""]
            rows = comparison[key]
            lines += [f"- {r['id']}: {'; '.join(r['changes'])}" for r in rows] or ["- none"]
    lines += [
        "",
        "## Items",
        "",
        "| id | split | refused | hit@5 | RR | facts | direct | words | ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for item in report["items"]:
        facts = (
            f"{len(item['facts_found'])}/{len(item['facts_found']) + len(item['facts_missing'])}"
        )
        lines.append(
            f"| {item['id']} | {item.get('split', '')} | {'yes' if item['refused'] else 'no'}"
            f"{'' if item['refusal_correct'] else ' (wrong)'} | {_fmt(item['hit_at_5'])} | "
            f"{_fmt(item['reciprocal_rank'])} | {facts} | {_fmt(item.get('direct'))} | "
            f"{item.get('words', '')} | {item['latency_ms']:.0f} |"
        )
    lines += ["", "## Missing facts", ""]
    for item in report["items"]:
        lines += [f"- {item['id']}: {f['fact']}" for f in item["facts_missing"]]
    lines += ["", "## Gold items to review (expected paragraphs changed since the last ingest)", ""]
    stale = report.get("stale_items", [])
    lines += [f"- {i} -> {d} para {p}: {r}" for i, d, p, r in stale] or ["- none"]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out: Path, baseline: Path | None = None) -> dict[str, Any]:
    """Add the comparison, then write report.json and report.md into ``out``."""
    report.setdefault("created_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    baseline = baseline or previous_report(out)
    if baseline is not None:
        report["comparison"] = compare(report, load_report(baseline))
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "report.md").write_text(render_markdown(report), encoding="utf-8")
    return report


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant.eval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--questions", type=Path, help="gold set (default: settings.eval_questions)"
    )
    parser.add_argument("--out", type=Path, help="run folder (default eval/runs/<timestamp>)")
    parser.add_argument("--baseline", type=Path, help="report.json to compare with")
    parser.add_argument(
        "--check",
        type=Path,
        metavar="THRESHOLDS",
        help="exit 1 if a headline metric misses its threshold",
    )
    args = parser.parse_args(argv)
    try:
        thresholds = load_thresholds(args.check) if args.check else None
        settings = settings or load_settings()
        out = args.out or run_dir(settings.eval_runs)

        def progress(done: int, total: int, item_id: str) -> None:
            print(f"\r{done}/{total} {item_id}   ", end="", file=sys.stderr, flush=True)

        questions = args.questions or settings.eval_questions
        report = run_evaluation(settings, questions, progress=progress)
        print(file=sys.stderr)
        report = write_report(report, out, args.baseline)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    splits = report.get("splits", {})
    print(f"{'':<24}{'all':>9}" + "".join(f"{s:>9}" for s in SPLITS if s in splits))
    for name in HEADLINE:
        delta = (report.get("comparison") or {}).get("deltas", {}).get(name)
        arrow = "" if delta is None else f" ({delta:+.3f})"
        better = " lower is better" if name in LOWER_IS_BETTER else ""
        values = [report["metrics"].get(name)] + [
            splits[s].get(name) for s in SPLITS if s in splits
        ]
        print(f"{name:<24}" + "".join(f"{_fmt(v):>9}" for v in values) + f"{arrow}{better}")
    for item_id, doc_id, para, reason in report["stale_items"]:
        print(f"review {item_id}: {doc_id} para {para} {reason}")
    print(f"report: {out / 'report.md'}")
    if thresholds is not None:
        failures = check(report, thresholds)
        for line in failures:
            print(line)
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
