"""The page's own CSS and JavaScript (``assets/``), and the few calls the pages make into it.

Everything the browser loads comes from this server: the favicon is a file here, not a
``:material/...:`` page icon (which the browser would fetch from a font host), and the script
only moves, opens and remembers things in the page.  The script sits in the sidebar, so it
takes no room in the conversation; Streamlit runs it again whenever its text changes, which
is how a new role choice or a fresh answer reaches it.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent / "assets"
FAVICON = ASSETS / "favicon.png"
ROLE_COOKIE = "spo_role"


@functools.cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def install(role: str) -> None:
    """Style the page and (re)install the script; ``role`` is written to the role cookie."""
    st.html(f"<style>{_asset('app.css')}</style>")
    call = f"window.spo.remember({json.dumps(ROLE_COOKIE)}, {json.dumps(role)});"
    st.sidebar.html(f"<script>{_asset('app.js')}\n{call}</script>", unsafe_allow_javascript=True)


def show_answer(anchor_id: str) -> None:
    """Scroll the conversation so the answer starting at ``anchor_id`` is at the top."""
    call = f"window.spo && window.spo.showAnswer({json.dumps(anchor_id)});"
    st.sidebar.html(f"<script>{call}</script>", unsafe_allow_javascript=True)
