"""One thread at a time through :func:`ast.parse`, while the app runs threads side by side.

CPython 3.11 (up to at least 3.11.7, the version this project runs on) keeps the counter
that checks the depth of a tree being built in state shared by every thread. When two
threads parse at once, one of them can fail with "SystemError: AST constructor recursion
depth mismatch". The app does parse from two threads: Streamlit reads each page's source
with :func:`ast.parse` on the script thread, while the warm-up thread loads the models,
and pydantic and torch read function signatures and sources the same way as they load.
One such collision failed a page in the test suite.

Parsing is rare and quick in this app (pages, signatures and file headers, never a
question), so a process-wide lock costs nothing measurable and closes the race for every
caller, including :func:`ast.literal_eval`, which looks ``parse`` up on the module.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_lock = threading.RLock()  # re-entrant: a finalizer run mid-parse may parse again
unguarded_parse = ast.parse


def _serialised_parse(*args: Any, **kwargs: Any) -> Any:
    with _lock:
        return unguarded_parse(*args, **kwargs)


def serialise_parsing() -> None:
    """Route every later :func:`ast.parse` call through the lock (safe to call repeatedly)."""
    ast.parse = _serialised_parse
