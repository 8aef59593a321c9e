"""Officers' feedback on answers, kept in SQLite for trainers to review.

Everything free-text is passed through :func:`assistant.guard.redact` before it is written,
so personal details typed into a question or a comment never reach the database.  Schema
changes are named migration functions applied in order and recorded in the database, so an
old feedback file is upgraded in place rather than lost.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import FeedbackError
from .guard import redact
from .schema import Answer


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    created_at: str
    question: str
    answer: str
    rating: int  # +1 thumbs up, -1 thumbs down
    comment: str
    correction: str  # the officer's "what the right answer is"
    cited_chunks: tuple[str, ...]
    corpus_version: str
    refused: bool
    status: str = "open"  # open, reviewed, promoted (turned into a gold item)


def _m001_create(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
            comment TEXT NOT NULL DEFAULT '',
            correction TEXT NOT NULL DEFAULT '',
            cited_chunks TEXT NOT NULL DEFAULT '[]',
            corpus_version TEXT NOT NULL DEFAULT '',
            refused INTEGER NOT NULL DEFAULT 0
        )"""
    )


def _m002_status(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE feedback ADD COLUMN status TEXT NOT NULL DEFAULT 'open'")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_m001_create, _m002_status)


class FeedbackStore:
    """Opens per call, so a locked or damaged file fails one action, never the app."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=2)
        except (OSError, sqlite3.Error) as exc:
            raise FeedbackError(f"feedback database {self.path}: {exc}") from None
        try:
            with conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
                )
                done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
                for migration in MIGRATIONS:
                    if migration.__name__ not in done:
                        migration(conn)
                        conn.execute(
                            "INSERT INTO migrations VALUES (?, ?)", (migration.__name__, _now())
                        )
                yield conn
        except sqlite3.Error as exc:
            raise FeedbackError(f"feedback database {self.path}: {exc}") from None
        finally:
            conn.close()

    def add(self, answer: Answer, rating: int, comment: str = "", correction: str = "") -> int:
        """Store one rating of an answer; personal details are redacted first."""
        if rating not in (-1, 1):
            raise FeedbackError(f"rating must be 1 or -1, not {rating!r}")
        row = (
            _now(),
            redact(answer.question)[0],
            redact(answer.text)[0],
            rating,
            redact(comment.strip())[0],
            redact(correction.strip())[0],
            json.dumps([c.chunk_id for c in answer.citations]),
            answer.corpus_version,
            int(answer.refused),
        )
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, question, answer, rating, comment, correction,"
                " cited_chunks, corpus_version, refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid or 0)

    def list(self, rating: int | None = None, status: str | None = None) -> list[FeedbackRecord]:
        query, args = "SELECT * FROM feedback WHERE 1=1", list[int | str]()
        if rating is not None:
            query += " AND rating = ?"
            args.append(rating)
        if status is not None:
            query += " AND status = ?"
            args.append(status)
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute(query + " ORDER BY id DESC", args).fetchall()
        return [_record(row) for row in rows]

    def set_status(self, feedback_id: int, status: str) -> None:
        with self._connect() as conn:
            conn.execute("UPDATE feedback SET status = ? WHERE id = ?", (status, feedback_id))


def _record(row: sqlite3.Row) -> FeedbackRecord:
    data = dict(row)
    return FeedbackRecord(
        id=data["id"],
        created_at=data["created_at"],
        question=data["question"],
        answer=data["answer"],
        rating=data["rating"],
        comment=data["comment"],
        correction=data["correction"],
        cited_chunks=tuple(json.loads(data["cited_chunks"])),
        corpus_version=data["corpus_version"],
        refused=bool(data["refused"]),
        status=data["status"],
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


__all__ = ["MIGRATIONS", "FeedbackRecord", "FeedbackStore"]
