"""Quality page (trainers and maintainers): evaluation on the gold set and officers' feedback.

* Run the evaluation (the same pipeline officers use) with a progress bar; the report is saved
  under the runs folder like ``python -m assistant.eval`` does, and compared with the last run.
* Every metric the report holds, explained in a sentence (``assistant/policy/metrics.yaml``),
  overall and per split (dev, test) when the report has splits, against its threshold.
* A table of items, and per item the question, answer, cited passages, and for each expected
  fact the answer sentence that stated it, or that it is missing.
* Each metric across runs (:mod:`quality_charts`), and thumbs-down feedback turned into gold
  items (:mod:`quality_gold`).
* Gold items to review: their expected paragraphs changed since the previous index version.

The gold set, runs folder and thresholds are the settings ``eval_questions``, ``eval_runs``
and ``eval_thresholds`` (tests point them at their own files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.eval import list_runs, load_thresholds, run_dir, write_report
from assistant.evaluation import run_evaluation
from assistant.gold import stale_gold_items
from assistant.ui import common
from assistant.ui.quality_charts import (
    describe,
    metric_names,
    split_values,
    thresholds_of,
    trend_section,
)
from assistant.ui.quality_gold import feedback_section

LAST_REPORT = "quality_last_report"


def thresholds() -> tuple[dict[str, Any], str | None]:
    """The thresholds file, and a line saying why it could not be used (if it could not)."""
    path = common.settings().eval_thresholds
    if not path.exists():
        return {}, f"No thresholds file at `{path}`: charts show no threshold lines."
    try:
        return load_thresholds(path), None
    except AssistantError as exc:
        return {}, f"Thresholds not drawn: {exc}"


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if abs(value) <= 1 else f"{value:.0f}"


def item_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in report["items"]:
        facts = len(item["facts_found"]) + len(item["facts_missing"])
        rows.append(
            {
                "id": item["id"],
                "split": item.get("split", ""),
                "question": item["question"][:90],
                "answerable": item["answerable"],
                "refused": item["refused"],
                "refusal ok": item["refusal_correct"],
                "hit@1": item["hit_at_1"],
                "hit@5": item["hit_at_5"],
                "RR": item["reciprocal_rank"],
                "facts": f"{len(item['facts_found'])}/{facts}",
                "fact recall": item["fact_recall"],
                "citation precision": item["citation_precision"],
                "ms": round(item["latency_ms"]),
            }
        )
    return rows


def run_section(gold: Path) -> None:
    st.subheader("Run an evaluation", anchor=False)
    st.caption(f"Gold set `{gold}`; reports are saved under `{common.settings().eval_runs}`.")
    if not st.button("Run evaluation", key="run_eval", icon=":material/play_arrow:"):
        return
    bar = st.progress(0.0, text="Starting…")

    def progress(done: int, total: int, item_id: str) -> None:
        bar.progress(done / total, text=f"{done}/{total} ({item_id})")

    try:
        report = run_evaluation(common.settings(), gold, common.assistant(), progress)
        report = write_report(report, run_dir(common.settings().eval_runs))
    except AssistantError as exc:
        st.error(f"The evaluation could not run: {exc}", icon=":material/error:")
        return
    bar.progress(1.0, text="Done")
    st.session_state[LAST_REPORT] = report


def metric_card(name: str, report: dict[str, Any], limits: dict[str, Any]) -> None:
    """One metric: its value and change, what it means, each split, and its threshold."""
    metric = describe(name)
    values = split_values(report, name)
    delta = ((report.get("comparison") or {}).get("deltas") or {}).get(name)
    with st.container(border=True, key=f"metric-{name}"):
        st.metric(
            metric.label,
            fmt(values.get("all")),
            None if delta is None else f"{delta:+.3f}",
            delta_color="inverse" if metric.better == "lower" else "normal",
            help=f"`{name}`",
        )
        if metric.explain:
            st.caption(metric.explain)
        splits = [f"{split} {fmt(v)}" for split, v in values.items() if split != "all"]
        if splits:
            st.caption("By split: " + " · ".join(splits))
        for split, (side, bound) in thresholds_of(name, limits).items():
            value = values.get(split)
            ok = value is not None and (value >= bound if side == "min" else value <= bound)
            word = "at least" if side == "min" else "at most"
            where = "" if split == "all" else f" for the {split} split"
            st.caption(f"{'Meets' if ok else 'Misses'} the threshold{where}: {word} {bound:g}.")


def item_detail(item: dict[str, Any]) -> None:
    facts = len(item["facts_found"]) + len(item["facts_missing"])
    split = f" · {item['split']}" if item.get("split") else ""
    with st.expander(
        f"{item['id']}{split} · facts {len(item['facts_found'])}/{facts} · {item['question'][:70]}"
    ):
        st.markdown(f"**Question:** {item['question']}")
        st.markdown("**Answer:**")
        st.text(item["answer"])
        for cite in item["citations"]:
            st.caption(
                f"[{cite['marker']}] {cite['doc_id']} para {cite['paragraphs']}: {cite['quote']}"
            )
        if facts:
            st.markdown("**Expected facts, and the answer sentence that states each:**")
        for fact in item["facts_found"]:
            st.markdown(
                f":green[found] {fact['fact']}  \n"
                f"↳ stated by the answer sentence: _{fact['sentence']}_"
            )
        for fact in item["facts_missing"]:
            st.markdown(f":red[missing] {fact['fact']}  \n↳ no answer sentence states it")
        if item["retrieved"]:
            st.caption("Retrieved: " + ", ".join(item["retrieved"]))


def show_report(report: dict[str, Any], limits: dict[str, Any]) -> None:
    st.subheader("Results", anchor=False)
    st.caption(
        f"Run of {report.get('created_at', '?')} on corpus version {report['corpus_version']}, "
        f"{report['items_total']} items."
    )
    columns = st.columns(2)
    for n, name in enumerate(metric_names([report])):
        with columns[n % 2]:
            metric_card(name, report, limits)
    comparison = report.get("comparison")
    if comparison:
        for title, key in (("Worse than the last run", "worse"), ("Better", "better")):
            rows = comparison[key]
            if rows:
                st.markdown(
                    f"**{title}:** "
                    + "; ".join(f"{r['id']} ({', '.join(r['changes'])})" for r in rows)
                )
    if report["items"]:
        st.dataframe(pd.DataFrame(item_rows(report)), hide_index=True, key="items_table")
    for item in report["items"]:
        item_detail(item)


def review_section(gold: Path) -> None:
    st.subheader("Gold items to review", anchor=False)
    try:
        stale = stale_gold_items(common.settings(), gold)
    except AssistantError as exc:
        st.error(f"Cannot compare index versions: {exc}", icon=":material/error:")
        return
    if not stale:
        st.caption("No gold item points at a paragraph that changed in the last ingest.")
        return
    st.dataframe(
        pd.DataFrame(stale, columns=["item", "doc_id", "para", "reason"]),
        hide_index=True,
        key="stale_table",
    )


def render() -> None:
    st.title("Quality", anchor=False)
    gold = common.settings().eval_questions
    limits, problem = thresholds()
    if problem:
        st.caption(problem)
    run_section(gold)
    runs = list_runs(common.settings().eval_runs)
    report = st.session_state.get(LAST_REPORT) or (runs[-1] if runs else None)
    if report is not None:
        show_report(report, limits)
    trend_section(runs, limits)
    feedback_section(gold)
    review_section(gold)


if __name__ == "__main__":
    if common.require("quality"):
        render()
