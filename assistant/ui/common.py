"""Shared pieces of the Streamlit pages: the assistant, the stores, sign-in and page roles.

The model and the index load once per process, in a background thread started by the
server's start-up hook (``serve.py``) or else by the first page that needs them; every page
asks through :func:`assistant`, keyed by the settings in force, so tests that point ``SPO_*``
variables at their own folders get their own instances.  The feedback and conversation stores
follow the same settings.

Sign-in is optional: only when ``st.secrets`` has an ``[auth]`` section does the app use
``st.login()`` (OIDC), and then Quality is for trainers and maintainers and Library for
maintainers, as listed under ``[roles]`` in the secrets file. Without that section the app
is open to whoever can reach it, which :file:`.streamlit/config.toml` limits to localhost.

Nothing here writes a question to a log.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import streamlit as st

from assistant import redaction
from assistant.answering import Assistant
from assistant.conversations import ConversationStore
from assistant.errors import AssistantError, IndexNotReady
from assistant.feedback import FeedbackStore
from assistant.settings import ENV_PREFIX, Settings, load_settings
from assistant.store import IndexSnapshot, live_snapshot, read_pointer
from assistant.ui.parsing import serialise_parsing

ROLES = ("trainers", "maintainers")
# Which roles may open each restricted page when sign-in is configured.
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "quality": ("trainers", "maintainers"),
    "library": ("maintainers",),
}
ASK_PAGE = "assistant/ui/ask.py"
BRIEFING_PAGE = "assistant/ui/briefing.py"
SOURCES_PAGE = "assistant/ui/sources.py"
QUALITY_PAGE = "assistant/ui/quality.py"
LIBRARY_PAGE = "assistant/ui/library.py"


def _env_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX)))


@st.cache_resource(show_spinner=False)
def _settings_for(env_key: tuple[tuple[str, str], ...]) -> Settings:
    return load_settings()


def settings() -> Settings:
    """The settings in force (environment ``SPO_*`` and the optional config file)."""
    return _settings_for(_env_key())


def _build_assistant(settings_: Settings) -> Assistant:
    """Load the model and open the live index (if any), so the first answer is quick."""
    helper = Assistant(settings_)
    with contextlib.suppress(AssistantError):  # no index yet: the pages say so
        helper.retriever()
        helper.embedder.encode(["warm up"])
    redaction.warm_up()  # the personal-detail model, which every question needs first
    return helper


# One warm-up per settings, kept in a plain module dict rather than st.cache_resource: the
# server's start-up hook (serve.py) fills it before any page runs, outside a script run.
_warm: dict[str, Future[Assistant]] = {}
_warm_lock = threading.Lock()


def start_warm_up(settings_: Settings | None = None) -> Future[Assistant]:
    """Begin loading the model and the index in a background thread (returns at once)."""
    serialise_parsing()  # the warm-up thread parses while page scripts do
    current = settings_ or settings()
    key = current.model_dump_json()
    with _warm_lock:
        future = _warm.get(key)
        if future is None:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spo-warm-up")
            future = pool.submit(_build_assistant, current)
            pool.shutdown(wait=False)
            _warm[key] = future
        return future


def assistant_ready() -> bool:
    return start_warm_up().done()


def assistant() -> Assistant:
    """The process-wide assistant (waits for the warm-up); it follows the live version."""
    return start_warm_up().result()


@st.cache_resource(show_spinner=False)
def _feedback_store_for(target: str) -> FeedbackStore:
    """One store per target: a SQLite path, or a PostgreSQL URL shared by several replicas."""
    return FeedbackStore(target)


def feedback_store() -> FeedbackStore:
    current = settings()
    return _feedback_store_for(current.feedback_url or str(current.feedback_db))


def live_snapshot_or_explain() -> IndexSnapshot | None:
    """The published index, or None after telling the reader, in one line, why there is none."""
    try:
        return live_snapshot(settings())
    except IndexNotReady:
        st.error(
            "No guidance index has been published yet: run `python ingest.py` first.",
            icon=":material/database_off:",
        )
    except AssistantError as exc:
        st.error(f"The guidance index cannot be opened: {exc}", icon=":material/error:")
    return None


def index_ready() -> bool:
    """Whether a version is published (raises IndexNotReady if the pointer is damaged)."""
    return read_pointer(settings()) is not None


def refresh_after_ingest() -> None:
    """Drop the cached assistant and reopen it on the new version, for every session.

    The embedding model is shared by the process, so only the index is reopened.
    """
    with _warm_lock:
        _warm.pop(settings().model_dump_json(), None)
    st.cache_data.clear()
    assistant()


def conversation_store() -> ConversationStore:
    return ConversationStore.from_settings(settings())


# --- sign-in and roles -------------------------------------------------------------------


def _secrets() -> Mapping[str, Any]:
    """``st.secrets`` as a mapping, or an empty one when there is no secrets file."""
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except Exception:  # no secrets file, or one that does not parse: run open
        return {}


def auth_configured() -> bool:
    return "auth" in _secrets()


def _user_email() -> str | None:
    try:
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email")
    except Exception:
        return None
    return str(email).lower() if email else None


def user_roles() -> set[str]:
    """Roles of the signed-in user; without sign-in configured every role is held."""
    if not auth_configured():
        return set(ROLES)
    email = _user_email()
    if email is None:
        return set()
    roles_table = _secrets().get("roles", {})
    held = set()
    for role in ROLES:
        members = roles_table.get(role, []) if hasattr(roles_table, "get") else []
        if email in {str(m).lower() for m in members}:
            held.add(role)
    return held


def signed_in() -> bool:
    return not auth_configured() or _user_email() is not None


def may_open(page: str) -> bool:
    """Whether the current user may open ``page`` (a key of PAGE_ROLES or an open page)."""
    if not signed_in():
        return False
    needed = PAGE_ROLES.get(page)
    return needed is None or bool(user_roles() & set(needed))


def require(page: str) -> bool:
    """Stop drawing ``page`` with a message when the user may not open it."""
    if may_open(page):
        return True
    if not signed_in():
        st.warning("Please sign in to use the SPO guidance assistant.", icon=":material/lock:")
    else:
        st.error(
            "This page is for " + " and ".join(PAGE_ROLES.get(page, ())) + " only.",
            icon=":material/lock:",
        )
    return False


def sign_in_box() -> None:
    """Sign-in / sign-out controls in the sidebar when OIDC is configured."""
    if not auth_configured():
        return
    with st.sidebar:
        if _user_email() is None:
            st.button("Sign in", on_click=st.login, icon=":material/login:")
        else:
            st.caption(f"Signed in as {_user_email()}")
            st.button("Sign out", on_click=st.logout, icon=":material/logout:")


def sign_in_status() -> str:
    """One line for the Library page on how access is controlled."""
    if not auth_configured():
        return (
            "Sign-in is not configured (no [auth] section in .streamlit/secrets.toml): "
            "the app runs open on localhost (127.0.0.1) and every page is available."
        )
    email = _user_email()
    who = f"signed in as {email}" if email else "not signed in"
    roles = ", ".join(sorted(user_roles())) or "none"
    return f"Sign-in with OIDC is configured; you are {who} (roles: {roles})."
