"""Quality page (trainers and maintainers): evaluation on the gold set and officers' feedback.

* Run the evaluation (the same pipeline officers use) with a progress bar; the report is saved
  under the runs folder like ``python -m assistant.eval`` does, and compared with the last run.
* A table of items with their scores, and per item the question, answer, cited passages and
  the expected facts found and missing.
* Headline metrics across runs (Altair).
* Thumbs-down feedback: each can be turned into a new gold item (the officer's correction,
  split into sentences, becomes the expected facts) and is then marked "promoted".
* Gold items to review: their expected paragraphs changed since the previous index version.

The gold set and runs folder are the settings ``eval_questions`` and ``eval_runs``
(``SPO_EVAL_QUESTIONS``, ``SPO_EVAL_RUNS``; tests point them at their own files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.eval import list_runs, run_dir, write_report
from assistant.evaluation import (
    HEADLINE,
    LOWER_IS_BETTER,
    append_gold_item,
    load_gold,
    next_item_id,
    run_evaluation,
    stale_gold_items,
)
from assistant.feedback import FeedbackRecord
from assistant.text import split_sentences
from assistant.ui import common

LAST_REPORT = "quality_last_report"
RATES = [m for m in HEADLINE if not m.startswith("latency")]


def questions_path() -> Path:
    return common.settings().eval_questions


def runs_path() -> Path:
    return common.settings().eval_runs


def item_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in report["items"]:
        facts = len(item["facts_found"]) + len(item["facts_missing"])
        rows.append(
            {
                "id": item["id"],
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


def feedback_to_item(record: FeedbackRecord, gold: Path) -> dict[str, Any]:
    """A new gold item from a thumbs-down: the correction's sentences are the expected facts."""
    facts = split_sentences(record.correction) or split_sentences(record.comment)
    return {
        "id": next_item_id(load_gold(gold) if gold.exists() else [], "F"),
        "question": record.question,
        "expected_facts": facts,
        "topic": "officer_feedback",
        "source": f"officer feedback #{record.id}",
        "answerable": True,
        "tags": ["officer_feedback"],
        "expected_sections": [],
    }


def run_section(gold: Path) -> None:
    st.subheader("Run an evaluation")
    st.caption(f"Gold set `{gold}`; reports are saved under `{runs_path()}`.")
    if not st.button("Run evaluation", key="run_eval", icon=":material/play_arrow:"):
        return
    bar = st.progress(0.0, text="Starting…")

    def progress(done: int, total: int, item_id: str) -> None:
        bar.progress(done / total, text=f"{done}/{total} ({item_id})")

    try:
        report = run_evaluation(common.settings(), gold, common.assistant(), progress)
        report = write_report(report, run_dir(runs_path()))
    except AssistantError as exc:
        st.error(f"The evaluation could not run: {exc}", icon=":material/error:")
        return
    bar.progress(1.0, text="Done")
    st.session_state[LAST_REPORT] = report


def show_report(report: dict[str, Any]) -> None:
    st.subheader("Results")
    st.caption(
        f"Run of {report.get('created_at', '?')} on corpus version {report['corpus_version']}, "
        f"{report['items_total']} items."
    )
    metrics = report["metrics"]
    deltas = (report.get("comparison") or {}).get("deltas", {})
    columns = st.columns(3)
    for n, name in enumerate(HEADLINE):
        value, delta = metrics.get(name), deltas.get(name)
        columns[n % 3].metric(
            name.replace("_", " "),
            "n/a" if value is None else f"{value:.3f}" if value <= 1 else f"{value:.0f}",
            None if delta is None else f"{delta:+.3f}",
            delta_color="inverse" if name in LOWER_IS_BETTER else "normal",
        )
    comparison = report.get("comparison")
    if comparison:
        for title, key in (("Worse than the last run", "worse"), ("Better", "better")):
            rows = comparison[key]
            if rows:
                st.markdown(
                    f"**{title}:** "
                    + "; ".join(f"{r['id']} ({', '.join(r['changes'])})" for r in rows)
                )
    st.dataframe(pd.DataFrame(item_rows(report)), hide_index=True, key="items_table")
    for item in report["items"]:
        facts = len(item["facts_found"]) + len(item["facts_missing"])
        with st.expander(
            f"{item['id']} · facts {len(item['facts_found'])}/{facts} · {item['question'][:70]}"
        ):
            st.markdown(f"**Question:** {item['question']}")
            st.markdown("**Answer:**")
            st.text(item["answer"])
            for cite in item["citations"]:
                st.caption(
                    f"[{cite['marker']}] {cite['doc_id']} para {cite['paragraphs']}: "
                    f"{cite['quote']}"
                )
            for fact in item["facts_found"]:
                st.markdown(f":green[found] {fact['fact']}  \n↳ _{fact['sentence']}_")
            for fact in item["facts_missing"]:
                st.markdown(f":red[missing] {fact['fact']}")
            if item["retrieved"]:
                st.caption("Retrieved: " + ", ".join(item["retrieved"]))


def trend_section(runs: list[dict[str, Any]]) -> None:
    st.subheader("Across runs")
    if len(runs) < 2:
        st.caption("Charts appear once there are two or more runs.")
        return
    rows = [
        {"run": r["run"], "metric": name, "value": r["metrics"].get(name)}
        for r in runs
        for name in HEADLINE
        if r["metrics"].get(name) is not None
    ]
    frame = pd.DataFrame(rows)
    rates = frame[frame["metric"].isin(RATES)]
    latency = frame[~frame["metric"].isin(RATES)]
    st.altair_chart(
        alt.Chart(rates)
        .mark_line(point=True)
        .encode(x="run:N", y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 1])), color="metric:N"),
        use_container_width=True,
    )
    st.altair_chart(
        alt.Chart(latency)
        .mark_line(point=True)
        .encode(x="run:N", y=alt.Y("value:Q", title="ms"), color="metric:N"),
        use_container_width=True,
    )


def feedback_section(gold: Path) -> None:
    st.subheader("Thumbs-down feedback from officers")
    store = common.feedback_store()
    try:
        records = store.list(rating=-1)
    except AssistantError as exc:
        st.error(f"Feedback cannot be read: {exc}", icon=":material/error:")
        return
    if not records:
        st.caption("No thumbs-down feedback yet.")
        return
    for record in records:
        with st.container(border=True):
            st.markdown(f"**#{record.id}** · {record.created_at} · status *{record.status}*")
            st.markdown(f"**Question:** {record.question}")
            st.caption(f"Answer given: {record.answer[:400]}")
            if record.comment:
                st.markdown(f"**Comment:** {record.comment}")
            if record.correction:
                st.markdown(f"**Correction:** {record.correction}")
            if record.status == "promoted":
                continue
            usable = bool(record.correction.strip() or record.comment.strip())
            if st.button(
                "Add to gold set",
                key=f"promote_{record.id}",
                disabled=not usable,
                help=None if usable else "No correction or comment to use as facts",
            ):
                try:
                    item = feedback_to_item(record, gold)
                    append_gold_item(gold, item)
                    store.set_status(record.id, "promoted")
                except AssistantError as exc:
                    st.error(f"Could not add the item: {exc}", icon=":material/error:")
                else:
                    st.success(f"Added gold item {item['id']} to {gold}.")
                    st.rerun()


def review_section(gold: Path) -> None:
    st.subheader("Gold items to review")
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
    st.title("Quality")
    gold = questions_path()
    run_section(gold)
    runs = list_runs(runs_path())
    report = st.session_state.get(LAST_REPORT) or (runs[-1] if runs else None)
    if report is not None:
        show_report(report)
    trend_section(runs)
    feedback_section(gold)
    review_section(gold)


if __name__ == "__main__":
    if common.require("quality"):
        render()
