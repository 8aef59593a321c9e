"""Officers' thumbs-down feedback turned into gold items: de-duplicated, previewed, confirmed.

The same wrong answer often draws the same complaint twice; each would have become its own
gold item, weighting that question twice in every metric.  Records with the same question and
the same correction are one candidate here, a question the gold set already holds is not
offered again, and nothing is written until the trainer has seen the item and confirmed it.
Items made from feedback go to the ``dev`` split: they tune the assistant, the ``test`` split
measures it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.errors import AssistantError
from assistant.feedback import FeedbackRecord
from assistant.gold import append_gold_item, load_gold, next_item_id
from assistant.text import split_sentences
from assistant.ui import common

PENDING = "quality_pending_gold"
DONE = "quality_gold_done"


def normal(text: str) -> str:
    """Text compared for sameness: case, spacing and closing punctuation do not count."""
    return re.sub(r"\s+", " ", text).strip().rstrip("?.!").strip().lower()


@dataclass(frozen=True)
class Candidate:
    """Thumbs-down records that would make one and the same gold item."""

    records: tuple[FeedbackRecord, ...]

    @property
    def first(self) -> FeedbackRecord:
        return self.records[0]

    @property
    def key(self) -> str:
        return "-".join(str(r.id) for r in self.records)

    @property
    def facts(self) -> list[str]:
        return split_sentences(self.first.correction) or split_sentences(self.first.comment)


def candidates(records: list[FeedbackRecord]) -> list[Candidate]:
    """Open thumbs-down records grouped by question and correction (or comment), newest first."""
    groups: dict[tuple[str, str], list[FeedbackRecord]] = {}
    for record in sorted(records, key=lambda r: r.id):
        if record.status == "open":
            key = normal(record.question), normal(record.correction or record.comment)
            groups.setdefault(key, []).append(record)
    found = [Candidate(tuple(group)) for group in groups.values()]
    return sorted(found, key=lambda c: -c.records[-1].id)


def gold_item(candidate: Candidate, gold: Path) -> dict[str, Any]:
    """The item a candidate becomes: the correction's sentences are the expected facts."""
    ids = ", ".join(f"#{r.id}" for r in candidate.records)
    return {
        "id": next_item_id(load_gold(gold) if gold.exists() else [], "F"),
        "question": candidate.first.question,
        "expected_facts": candidate.facts,
        "topic": "officer_feedback",
        "source": f"officer feedback {ids}",
        "answerable": True,
        "tags": ["officer_feedback"],
        "expected_sections": [],
        "split": "dev",
    }


def _existing(gold: Path) -> dict[str, str]:
    """Normalised question -> item id, for the gold set as it is on disk now."""
    if not gold.exists():
        return {}
    return {normal(item.question): item.id for item in load_gold(gold)}


def _confirm(candidate: Candidate, gold: Path) -> None:
    item = gold_item(candidate, gold)
    with st.container(border=True, key=f"confirm_{candidate.key}"):
        st.markdown(f"**Add this item to `{gold}`?**")
        st.markdown(f"**{item['id']}** (split *{item['split']}*): {item['question']}")
        st.markdown("Expected facts:\n" + "\n".join(f"- {fact}" for fact in item["expected_facts"]))
        left, right = st.columns(2)
        if left.button("Confirm", key=f"confirm_yes_{candidate.key}", type="primary"):
            try:
                append_gold_item(gold, item)
                store = common.feedback_store()
                for record in candidate.records:
                    store.set_status(record.id, "promoted")
            except AssistantError as exc:
                st.error(f"Could not add the item: {exc}", icon=":material/error:")
                return
            st.session_state[PENDING] = None
            st.session_state[DONE] = f"Added gold item {item['id']} to {gold}."
            st.rerun()
        if right.button("Cancel", key=f"confirm_no_{candidate.key}"):
            st.session_state[PENDING] = None
            st.rerun()


def show_candidate(candidate: Candidate, gold: Path, existing: dict[str, str]) -> None:
    record = candidate.first
    with st.container(border=True):
        count = len(candidate.records)
        who = f"{count} officers gave this feedback" if count > 1 else "1 officer"
        st.markdown(f"**#{candidate.key}** · {record.created_at} · {who}")
        st.markdown(f"**Question:** {record.question}")
        st.caption(f"Answer given: {record.answer[:400]}")
        if record.comment:
            st.markdown(f"**Comment:** {record.comment}")
        if record.correction:
            st.markdown(f"**Correction:** {record.correction}")
        already = existing.get(normal(record.question))
        if already:
            st.info(f"The gold set already asks this question as {already}.")
            if st.button("Mark reviewed", key=f"reviewed_{candidate.key}"):
                store = common.feedback_store()
                for item in candidate.records:
                    store.set_status(item.id, "reviewed")
                st.rerun()
            return
        if st.session_state.get(PENDING) == candidate.key:
            _confirm(candidate, gold)
            return
        usable = bool(candidate.facts)
        if st.button(
            "Add to gold set…",
            key=f"promote_{candidate.key}",
            disabled=not usable,
            help=None if usable else "No correction or comment to use as facts",
        ):
            st.session_state[PENDING] = candidate.key
            st.rerun()


def feedback_section(gold: Path) -> None:
    st.subheader("Thumbs-down feedback from officers", anchor=False)
    done = st.session_state.pop(DONE, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    try:
        records = common.feedback_store().list(rating=-1)
        existing = _existing(gold)
    except AssistantError as exc:
        st.error(f"Feedback or the gold set cannot be read: {exc}", icon=":material/error:")
        return
    found = candidates(records)
    if not found:
        st.caption("No open thumbs-down feedback.")
        return
    for candidate in found:
        show_candidate(candidate, gold, existing)
