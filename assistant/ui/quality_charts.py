"""Quality across runs: one small chart per metric, its threshold drawn, gold-set changes marked.

One chart per metric, because metrics sharing a chart hid each other wherever their values
met (two rates at 1.0 draw one line).  Inside a chart each split (all, dev, test) has its own
dash and point shape for the same reason.  A run whose gold set differs from the run before
(its file's sha256, or for older reports its item count or file) gets a dotted rule: a drop
there may be new questions, not a worse assistant.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from assistant.gold import SPLITS
from assistant.policy import Metric, metrics

SPLIT_ORDER = ["all", "dev", "test"]
SPLIT_COLOURS = ["#1d4e89", "#4dabf7", "#2f9e44", "#ae3ec9", "#f59f00"]
THRESHOLD_COLOUR = "#c92a2a"
RUN_NAME = re.compile(r"^\d{4}(\d\d)(\d\d)T(\d\d)(\d\d)")


def run_label(run: str) -> str:
    """``20261103T091500`` -> ``11-03 09:15``: short enough for a phone's axis."""
    found = RUN_NAME.match(run)
    return f"{found[1]}-{found[2]} {found[3]}:{found[4]}" if found else run


def metric_names(reports: list[dict[str, Any]]) -> list[str]:
    """Every metric any report has a value for: metrics.yaml's order, then unknown ones."""
    present: dict[str, None] = {}
    for report in reports:
        for scores in [report.get("metrics") or {}, *(report.get("splits") or {}).values()]:
            for name, value in scores.items():
                if isinstance(value, int | float):
                    present[name] = None
    known = [name for name in metrics() if name in present]
    return known + sorted(set(present) - set(known))


def describe(name: str) -> Metric:
    return metrics().get(name) or Metric(name, name.replace("_", " "), "higher", "")


def gold_changes(runs: list[dict[str, Any]]) -> list[str]:
    """Runs whose gold set differs from the run before them."""
    changed = []
    for before, after in itertools.pairwise(runs):
        if before.get("gold_sha256") and after.get("gold_sha256"):
            differs = before["gold_sha256"] != after["gold_sha256"]
        else:  # a report older than the fingerprint: only its size and file can tell
            differs = any(before.get(k) != after.get(k) for k in ("items_total", "questions_file"))
        if differs:
            changed.append(str(after["run"]))
    return changed


def split_values(report: dict[str, Any], name: str) -> dict[str, float]:
    """This metric's value overall and in each split the report has, where not null."""
    found = {"all": (report.get("metrics") or {}).get(name)}
    for split, scores in (report.get("splits") or {}).items():
        found[str(split)] = (scores or {}).get(name)
    return {k: float(v) for k, v in found.items() if isinstance(v, int | float)}


def thresholds_of(name: str, thresholds: dict[str, Any]) -> dict[str, tuple[str, float]]:
    """Every threshold eval/thresholds.json sets on this metric: for the whole set ("all")
    and for each split it names, as ("min" or "max", value)."""
    tables = {"all": thresholds}
    tables.update({s: t for s, t in thresholds.items() if s in SPLITS and isinstance(t, dict)})
    found: dict[str, tuple[str, float]] = {}
    for split, table in tables.items():
        for side in ("min", "max"):
            value = (table.get(side) or {}).get(name)
            if isinstance(value, int | float):
                found[split] = (side, float(value))
                break
    return found


def chart(
    name: str, runs: list[dict[str, Any]], thresholds: dict[str, Any]
) -> alt.LayerChart | alt.FacetChart:
    rows = [
        {"run": run_label(str(r["run"])), "split": split, "value": value}
        for r in runs
        for split, value in split_values(r, name).items()
    ]
    frame = pd.DataFrame(rows, columns=["run", "split", "value"])
    order = [run_label(str(r["run"])) for r in runs]
    splits = [s for s in SPLIT_ORDER if s in set(frame["split"])] + sorted(
        set(frame["split"]) - set(SPLIT_ORDER)
    )
    x = alt.X("run:O", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelOverlap=True))
    colours = alt.Scale(domain=splits, range=SPLIT_COLOURS[: len(splits)])
    lines = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True))
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
            color=alt.Color(
                "split:N", scale=colours, legend=alt.Legend(orient="bottom", title=None)
            ),
            strokeDash=alt.StrokeDash("split:N", sort=splits, legend=None),
            shape=alt.Shape("split:N", sort=splits, legend=None),
            tooltip=["run", "split", alt.Tooltip("value:Q", format=".3f")],
        )
    )
    layers: list[Any] = [lines]
    limits = [
        {"split": split, "value": value, "label": f"{split}: {side} {value:g}"}
        for split, (side, value) in thresholds_of(name, thresholds).items()
        if split in splits
    ]
    if limits:
        layers.append(
            alt.Chart(pd.DataFrame(limits))
            .mark_rule(color=THRESHOLD_COLOUR, strokeDash=[6, 3], strokeWidth=2)
            .encode(y="value:Q", tooltip=["label"])
        )
    changed = gold_changes(runs)
    if changed:
        marks = pd.DataFrame(
            [{"run": run_label(run), "note": "gold set changed"} for run in changed]
        )
        layers.append(
            alt.Chart(marks)
            .mark_rule(color="#868e96", strokeDash=[2, 2], strokeWidth=2)
            .encode(x=alt.X("run:O", sort=order), tooltip=["note", "run"])
        )
    return alt.layer(*layers).properties(title=describe(name).label)


def trend_section(runs: list[dict[str, Any]], thresholds: dict[str, Any]) -> None:
    st.subheader("Across runs", anchor=False)
    if len(runs) < 2:
        st.caption("Charts appear once there are two or more runs.")
        return
    st.caption(
        "Red dashes: the thresholds `make test` checks (hover one to see which split it is "
        "for). Grey dots: the gold set changed at that run, so a step there may come from new "
        "questions rather than the assistant."
    )
    changed = gold_changes(runs)
    if changed:
        st.caption("Gold set changed at: " + ", ".join(changed))
    names = metric_names(runs)
    columns = st.columns(2)
    for n, name in enumerate(names):
        with columns[n % 2]:
            st.altair_chart(chart(name, runs, thresholds), height=260, key=f"trend-{name}")
