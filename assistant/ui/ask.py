"""Ask page: the chat, with citations, refusals, notices, feedback and a transcript.

Only the redacted form of each question (``Answer.question``) is kept in session state and
shown back; the raw text the officer typed is used once, for that answer, and never logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from assistant.errors import AssistantError, FeedbackError, IndexNotReady
from assistant.guard import check_question
from assistant.schema import Answer, Citation
from assistant.ui import common

TURNS = "ask_turns"
NEXT_ID = "ask_next_id"


@dataclass
class Turn:
    """One question and its answer; ``id`` keys the turn's widgets."""

    id: int
    answer: Answer
    feedback_saved: bool = False
    feedback_error: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def turns() -> list[Turn]:
    value = st.session_state.setdefault(TURNS, [])
    assert isinstance(value, list)
    return value


def next_id() -> int:
    value = int(st.session_state.get(NEXT_ID, 1))
    st.session_state[NEXT_ID] = value + 1
    return value


def history() -> list[str]:
    """Earlier (redacted) user questions, oldest first, for follow-ups."""
    return [t.answer.question for t in turns()]


def md_escape(text: str) -> str:
    """Keep answer text literal in Markdown: no LaTeX from $, no HTML from <."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("<", "&lt;")


def quote_block(text: str) -> str:
    return "\n".join("> " + md_escape(line) if line.strip() else ">" for line in text.splitlines())


def render_citation(citation: Citation, turn_id: int) -> None:
    with st.expander(
        f"[{citation.marker}] {citation.label}", key=f"cite-{turn_id}-{citation.marker}"
    ):
        st.markdown(quote_block(citation.quote))
        facts = [f"**Document:** {md_escape(citation.title)}"]
        if citation.section:
            facts.append(f"**Section:** {md_escape(citation.section)}")
        if citation.paragraphs:
            facts.append(f"**Paragraph:** {citation.paragraphs}")
        if citation.page:
            facts.append(f"**Page:** {citation.page}")
        if citation.edition:
            facts.append(f"**Edition:** {md_escape(citation.edition)}")
        if citation.effective_date:
            facts.append(f"**Effective date:** {citation.effective_date}")
        st.markdown("  \n".join(facts))
        params = {"doc": citation.doc_id}
        if citation.paragraphs:
            params["para"] = citation.paragraphs.split("-")[0]
        st.page_link(
            common.SOURCES_PAGE,
            label="Open this section in Sources",
            icon=":material/menu_book:",
            query_params=params,
        )


def render_answer(turn: Turn) -> None:
    """The answer body (normal or refusal), notices, citations and the feedback controls."""
    answer = turn.answer
    for notice in answer.notices:
        st.info(notice, icon=":material/info:")
    if answer.refused:
        st.warning(md_escape(answer.text), icon=":material/block:")
        for citation in answer.citations:  # at most the scope note
            render_citation(citation, turn.id)
    else:
        st.markdown(md_escape(answer.text))
        if answer.citations:
            st.caption("Sources cited")
        for citation in answer.citations:
            render_citation(citation, turn.id)
    render_feedback(turn)


def render_feedback(turn: Turn) -> None:
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
            turn.feedback_saved = True
            turn.feedback_error = None
            st.rerun()
    if turn.feedback_error:
        st.error(f"Feedback not saved: {turn.feedback_error}", icon=":material/error:")


def transcript() -> str:
    """The conversation as Markdown, with every answer's citations (label and quote)."""
    lines = ["# SPO guidance assistant: conversation", ""]
    for number, turn in enumerate(turns(), start=1):
        answer = turn.answer
        lines += [f"## Question {number}", "", answer.question, "", "### Answer", ""]
        if answer.refused:
            lines.append("*(The assistant declined to answer.)*")
            lines.append("")
        lines += [answer.text, ""]
        if answer.citations:
            lines += ["### Citations", ""]
            for citation in answer.citations:
                lines.append(f"[{citation.marker}] {citation.label}")
                lines.append("")
                lines += [f"> {line}" if line else ">" for line in citation.quote.splitlines()]
                lines.append("")
        if answer.corpus_version:
            lines += [f"*Guidance index version {answer.corpus_version}*", ""]
    return "\n".join(lines)


def new_conversation() -> None:
    st.session_state[TURNS] = []
    for key in [
        k for k in st.session_state if str(k).startswith(("rating-", "comment-", "correction-"))
    ]:
        del st.session_state[key]


def toolbar() -> None:
    left, right, _ = st.columns([1, 1, 1])
    left.button(
        "New conversation",
        on_click=new_conversation,
        icon=":material/add_comment:",
        disabled=not turns(),
    )
    right.download_button(
        "Download transcript",
        data=transcript(),
        file_name="spo-conversation.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/download:",
        disabled=not turns(),
    )


def ask(prompt: str) -> None:
    """Show the question (redacted) and stream its answer, then keep the turn."""
    try:
        if common.assistant_ready():
            helper = common.assistant()
        else:
            with st.spinner("Loading the guidance index (first question only)…"):
                helper = common.assistant()
    except AssistantError as exc:
        st.error(f"The assistant could not start: {exc}", icon=":material/error:")
        return
    shown = check_question(prompt, helper.settings.max_question_chars).question
    with st.chat_message("user"):
        st.markdown(md_escape(shown) or "*(empty question)*")
    with st.chat_message("assistant"):
        streamed = st.empty()
        try:
            stream = helper.stream(prompt, history())
            with streamed.container():
                st.write_stream(stream)
        except IndexNotReady:
            streamed.empty()
            not_ready()
            return
        except AssistantError as exc:
            streamed.empty()
            st.error(f"The assistant could not answer: {exc}", icon=":material/error:")
            return
        answer = stream.answer
        if answer is None:  # pragma: no cover - the stream always sets it
            return
        streamed.empty()
        turn = Turn(next_id(), answer)
        turns().append(turn)
        render_answer(turn)


def not_ready() -> None:
    st.error(
        "No guidance index has been published yet, so I can't answer. "
        "A maintainer needs to run `python ingest.py` (or use **Re-ingest now** on the "
        "Library page) and then reload this page.",
        icon=":material/database_off:",
    )


def render() -> None:
    st.title("Ask about Stalking Protection Orders")
    st.caption(
        "Answers quote the SPO guidance notes, with [n] markers that open the passage cited. "
        "Do not type names, addresses or other personal details."
    )
    try:
        if not common.index_ready():
            not_ready()
            return
        common.start_warm_up()
    except IndexNotReady:
        not_ready()
        return
    except AssistantError as exc:
        st.error(f"The guidance index cannot be opened: {exc}", icon=":material/error:")
        return
    bar = st.container()
    for turn in turns():
        with st.chat_message("user"):
            st.markdown(md_escape(turn.answer.question))
        with st.chat_message("assistant"):
            render_answer(turn)
    prompt = st.chat_input("Ask a question about SPOs, e.g. who can apply for an SPO?")
    if prompt is not None:
        ask(prompt)
    with bar:  # drawn last so it includes the answer just given
        toolbar()


if __name__ == "__main__":
    if common.require("ask"):
        render()
