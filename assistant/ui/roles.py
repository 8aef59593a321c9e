"""The reader's role (frontline, investigating or authorising officer), chosen once and remembered.

The choice lives in Session State for this visit and in a cookie for the next one (the page's
script writes it; ``st.context.cookies`` reads it back when a new session starts).  A
conversation brought back from its link also brings the role it was asked in, when the
reader has not chosen one in this browser.  "" means no preference: every role's guidance
counts the same.
"""

from __future__ import annotations

import streamlit as st

from assistant.policy import paragraph_vocabulary
from assistant.policy.texts import product_texts
from assistant.transcript import role_label
from assistant.ui.frontend import ROLE_COOKIE

ROLE = "reader_role"


def choices() -> list[str]:
    return ["", *paragraph_vocabulary().audiences]


def _remembered() -> str:
    try:
        value = st.context.cookies.get(ROLE_COOKIE) or ""
    except Exception:  # no browser behind this session (AppTest, a health check)
        return ""
    return value if value in choices() else ""


def current() -> str:
    """The role answers are asked for; read from the cookie the first time in a session."""
    if ROLE not in st.session_state:
        st.session_state[ROLE] = _remembered()
    role = str(st.session_state[ROLE])
    return role if role in choices() else ""


def adopt(role: str | None) -> None:
    """Take a stored conversation's role, unless this reader has chosen one already."""
    if role in choices() and not current():
        st.session_state[ROLE] = role


def picker(key: str, compact: bool = False) -> str:
    """A role chooser; every picker on every page shares the one choice.

    ``compact`` draws a drop-down (for a page that has other things to show) instead of the
    radio list with each role's description.
    """

    def chosen() -> None:
        st.session_state[ROLE] = st.session_state[key]

    role = current()
    if st.session_state.get(key) != role:
        st.session_state[key] = role
    texts = product_texts()
    if compact:
        st.selectbox(
            "Your role",
            choices(),
            key=key,
            format_func=role_label,
            on_change=chosen,
            help=texts.role_help,
        )
    else:
        st.radio(
            "Your role",
            choices(),
            key=key,
            format_func=role_label,
            captions=[
                texts.no_role_caption,
                *(a.description for a in paragraph_vocabulary().audiences.values()),
            ],
            on_change=chosen,
            help=texts.role_help,
        )
    return current()
