"""One write transaction on a local SQLite file, as the feedback and conversation stores use it.

Both stores open the file per call, so a locked or damaged database fails one action and never
the app.  Each transaction takes the write lock up front (``BEGIN IMMEDIATE``), so two writers
queue on the busy timeout instead of deadlocking when both try to upgrade a read lock; deleted
rows are overwritten with zeros (``secure_delete``), not left readable in free pages; and any
failure rolls back and is raised as the store's own one-line error.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import AssistantError, one_line


@contextlib.contextmanager
def write_transaction(
    path: Path, timeout: float, fail: Callable[[str], AssistantError]
) -> Iterator[sqlite3.Connection]:
    """A connection inside one transaction: committed when the block ends, rolled back when
    it raises; ``fail(reason)`` builds the error raised for a database failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise fail(one_line(exc)) from None
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise fail(one_line(exc)) from None
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
