"""The Ask page's conversation in Session State, mirrored to the server-side store.

The conversation's id rides in the URL (``?c=...``), so a reload, a bookmark or the back
button brings it back from :class:`assistant.conversations.ConversationStore`.  A store that
cannot be read or written costs the officer only that: the conversation carries on in the
page, and one line says it will not survive a reload.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from assistant import conversations
from assistant.errors import ConversationError
from assistant.schema import Answer
from assistant.ui import common, roles

TURNS = "ask_turns"
NEXT_ID = "ask_next_id"
CONVERSATION = "ask_conversation"
STORE_PROBLEM = "ask_store_problem"
PARAM = "c"


@dataclass
class Turn:
    """One question and its answer; ``id`` keys the turn's widgets and anchors."""

    id: int
    answer: Answer
    feedback_saved: bool = False
    feedback_error: str | None = None


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


def conversation_id() -> str | None:
    value = st.session_state.get(CONVERSATION)
    return str(value) if value else None


def store_problem() -> str | None:
    value = st.session_state.get(STORE_PROBLEM)
    return str(value) if value else None


def _problem(message: str | None) -> None:
    st.session_state[STORE_PROBLEM] = message


def restore() -> str | None:
    """Bring back the conversation the URL names; returns a line to show when it cannot.

    Coming back from another page (whose URL has no ``c``) puts this session's id back in
    the URL, so a reload from here still finds the conversation.
    """
    wanted, current = st.query_params.get(PARAM), conversation_id()
    if wanted is None:
        if current is not None:
            st.query_params[PARAM] = current
        return None
    if wanted == current:
        return None
    try:
        found = common.conversation_store().load(wanted)
    except ConversationError as exc:
        del st.query_params[PARAM]
        return f"That conversation could not be opened: {exc}"
    if found is None:
        del st.query_params[PARAM]
        return "That conversation has expired or was deleted; this is a new one."
    st.session_state[TURNS] = [Turn(next_id(), t.answer, t.feedback_saved) for t in found.turns]
    st.session_state[CONVERSATION] = wanted
    roles.adopt(found.role)
    _problem(None)
    return None


def keep(turn: Turn) -> None:
    """Add a new turn to the page and to the store (a first turn gives the conversation its id)."""
    turns().append(turn)
    key = conversation_id()
    if key is None:
        key = conversations.new_id()
        st.session_state[CONVERSATION] = key
        st.query_params[PARAM] = key
    stored = conversations.Turn(turn.answer, turn.feedback_saved)
    try:
        common.conversation_store().append(key, stored, roles.current() or None)
    except ConversationError as exc:
        _problem(str(exc))
    else:
        _problem(None)


def feedback_saved(turn: Turn) -> None:
    turn.feedback_saved = True
    key = conversation_id()
    if key is None:
        return
    try:
        common.conversation_store().mark_feedback_saved(key, turns().index(turn))
    except ConversationError as exc:
        _problem(str(exc))


def start_new() -> None:
    """Forget this conversation, in the page and in the store."""
    key = conversation_id()
    if key is not None:
        try:
            common.conversation_store().delete(key)
        except ConversationError as exc:
            _problem(str(exc))
        else:
            _problem(None)
    st.session_state[TURNS] = []
    st.session_state[CONVERSATION] = None
    if PARAM in st.query_params:
        del st.query_params[PARAM]
    for widget in [
        k for k in st.session_state if str(k).startswith(("rating-", "comment-", "correction-"))
    ]:
        del st.session_state[widget]
