"""Ask page: the chat, phone first, with citations, refusals, notices, feedback and a transcript.

Only the redacted form of each question (``Answer.question``) is kept, in Session State and
in the conversation store; the raw text the officer typed is used once, for that answer, and
never logged.  The header is one line: the title and a menu holding the reader's role, New
conversation and Download transcript, so the conversation has the screen.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import streamlit as st

from assistant.errors import AssistantError, IndexNotReady
from assistant.guard import check_question
from assistant.policy.texts import product_texts
from assistant.transcript import render_transcript, role_label
from assistant.ui import common, frontend, roles, session
from assistant.ui.answer_view import anchor_id, md_escape, render_answer


def local_now() -> dt.datetime:
    """Now, in the reader's browser time zone when the browser says which, else the server's."""
    try:
        zone = st.context.timezone
        return dt.datetime.now(zoneinfo.ZoneInfo(zone)) if zone else dt.datetime.now().astimezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.datetime.now().astimezone()


def transcript() -> str:
    return render_transcript(
        [t.answer for t in session.turns()], local_now(), roles.current() or None
    )


def options(role: str) -> None:
    """The header menu: the role first (it changes every answer), then the actions."""
    with st.popover(role_label(role), icon=":material/badge:", key="ask_options"):
        roles.picker("ask_role")
        empty = not session.turns()
        st.button(
            "New conversation",
            key="new_conversation",
            on_click=session.start_new,
            icon=":material/add_comment:",
            disabled=empty,
        )
        st.download_button(
            "Download transcript",
            key="download_transcript",
            data=transcript(),
            file_name="spo-conversation.md",
            mime="text/markdown",
            on_click="ignore",
            icon=":material/download:",
            disabled=empty,
        )


def ask(prompt: str, role: str) -> None:
    """Show the question (redacted) at once, then stream its answer and keep the turn."""
    shown = check_question(prompt, common.settings().max_question_chars).question
    with st.chat_message("user"):
        st.markdown(md_escape(shown) or "*(empty question)*")
    with st.chat_message("assistant"):
        streamed = st.empty()
        try:
            if common.assistant_ready():
                helper = common.assistant()
            else:
                with streamed.container(), st.spinner("Loading the guidance index…"):
                    helper = common.assistant()
            stream = helper.stream(prompt, session.history(), audience=role or None)
            if helper.settings.llm_backend == "none":
                # An extractive answer is whole before its first word: streaming it word by
                # word only re-sent the growing text a hundred times.  Draw it once.
                for _ in stream:
                    pass
            else:  # a model's checked sentences arrive one by one: show each as it comes
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
        turn = session.Turn(session.next_id(), answer)
        session.keep(turn)
        render_answer(turn)
    frontend.show_answer(anchor_id(turn.id))


def not_ready() -> None:
    st.error(
        "No guidance index has been published yet, so I can't answer. "
        "A maintainer needs to run `python ingest.py` (or use **Re-ingest now** on the "
        "Library page) and then reload this page.",
        icon=":material/database_off:",
    )


def render() -> None:
    texts = product_texts()
    problem = session.restore()
    head = st.container(horizontal=True, vertical_alignment="center", key="ask_header")
    with head:
        st.title("Ask about SPOs", anchor=False, width="stretch")
    st.caption(texts.ask_caption)
    if problem:
        st.info(problem, icon=":material/history:")
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
    for turn in session.turns():
        with st.chat_message("user"):
            st.markdown(md_escape(turn.answer.question))
        with st.chat_message("assistant"):
            render_answer(turn)
    role = roles.current()
    prompt = st.chat_input("Ask a question about SPOs, e.g. who can apply for an SPO?")
    if prompt is not None:
        ask(prompt, role)
    if session.store_problem():
        st.caption(f"This conversation will not survive a reload: {session.store_problem()}")
    st.caption(texts.not_official)
    with head:  # drawn last so the transcript includes the answer just given
        options(roles.current())


if __name__ == "__main__":
    if common.require("ask"):
        render()
