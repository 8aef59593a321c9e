"""One answer on screen: notices, the text with live [n] markers, its citations and feedback.

Each [n] is a link to its citation's expander (``cite-<turn>-<n>``); the page script opens
and scrolls to it.  The answer text is Markdown with HTML allowed only for those links and
the answer's anchor: everything quoted from the guidance is escaped first.
"""

from __future__ import annotations

import re

import streamlit as st

from assistant.errors import FeedbackError
from assistant.schema import Answer, Citation
from assistant.ui import common, session

MARKER = re.compile(r"\[(\d+)\]")


def md_escape(text: str) -> str:
    """Keep answer text literal in Markdown: no LaTeX from $, no HTML from <."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("<", "&lt;")


def quote_block(text: str) -> str:
    return "\n".join("> " + md_escape(line) if line.strip() else ">" for line in text.splitlines())


def citation_key(turn_id: int, marker: int) -> str:
    return f"cite-{turn_id}-{marker}"


def anchor_id(turn_id: int) -> str:
    return f"answer-{turn_id}"


def linked_text(answer: Answer, turn_id: int) -> str:
    """The escaped answer text, each [n] of a real citation made a link to it."""
    known = {c.marker for c in answer.citations}

    def link(match: re.Match[str]) -> str:
        marker = int(match.group(1))
        if marker not in known:
            return match.group(0)
        key = citation_key(turn_id, marker)
        return (
            f'<a class="spo-marker" href="#{key}" data-cite="{key}" '
            f'title="Open the passage cited as [{marker}]">[{marker}]</a>'
        )

    anchor = f'<span class="spo-answer" id="{anchor_id(turn_id)}"></span>'
    return anchor + MARKER.sub(link, md_escape(answer.text))


def render_citation(citation: Citation, turn_id: int) -> None:
    with st.expander(
        f"[{citation.marker}] {citation.label}", key=citation_key(turn_id, citation.marker)
    ):
        st.markdown(quote_block(citation.quote))
        facts = [("Document", citation.title), *citation.details]
        st.markdown("  \n".join(f"**{name}:** {md_escape(value)}" for name, value in facts))
        params = {"doc": citation.doc_id}
        if citation.paragraphs:
            params["para"] = citation.paragraphs.split("-")[0]
        st.page_link(
            common.SOURCES_PAGE,
            label="Open this section in Sources",
            icon=":material/menu_book:",
            query_params=params,
        )


def render_answer(turn: session.Turn) -> None:
    """The answer body (normal or refusal), notices, citations and the feedback controls."""
    answer = turn.answer
    for notice in answer.notices:
        st.info(notice, icon=":material/info:")
    if answer.refused:
        anchor = f'<span class="spo-answer" id="{anchor_id(turn.id)}"></span>'
        st.markdown(anchor, unsafe_allow_html=True)
        st.warning(md_escape(answer.text), icon=":material/block:")
    else:
        st.markdown(linked_text(answer, turn.id), unsafe_allow_html=True)
        if answer.citations:
            st.caption("Sources cited: tap a [n] in the answer, or a line below, to read it.")
    for citation in answer.citations:  # a refusal cites at most the scope note
        render_citation(citation, turn.id)
    render_feedback(turn)


def render_feedback(turn: session.Turn) -> None:
    if turn.feedback_saved:
        st.caption(":material/check_circle: Thank you: your feedback was saved.")
        return
    rating = st.feedback("thumbs", key=f"rating-{turn.id}")
    if rating is None:
        return
    comment = st.text_input(
        "Comment (optional)",
        key=f"comment-{turn.id}",
        placeholder="What was good or wrong? Do not type personal details.",
    )
    correction = st.text_area(
        "What the right answer is (optional)",
        key=f"correction-{turn.id}",
        height=80,
    )
    if st.button("Save feedback", key=f"save-{turn.id}", icon=":material/send:"):
        try:
            common.feedback_store().add(
                turn.answer, 1 if rating == 1 else -1, comment or "", correction or ""
            )
        except FeedbackError as exc:
            turn.feedback_error = str(exc).splitlines()[0]
        else:
            session.feedback_saved(turn)
            turn.feedback_error = None
            st.rerun()
    if turn.feedback_error:
        st.error(f"Feedback not saved: {turn.feedback_error}", icon=":material/error:")
