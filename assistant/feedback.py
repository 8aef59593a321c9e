"""Officers' feedback on answers, kept in SQLite (one machine) or PostgreSQL (shared by replicas).

Everything free-text is passed through :func:`assistant.redaction.redact` before it is written,
so personal details typed into a question or a comment never reach the database.  Feedback
expires after ``Settings.retention_days``: every use of the store first deletes what is older
(so nothing expired is ever read back, with or without a scheduler), and ``python -m
assistant purge`` deletes on demand.  SQLite runs with ``secure_delete`` so deleted text is
overwritten in the file, not merely unlinked from the b-tree.  Schema changes are named
migration functions applied in order and recorded in the database, so an old feedback file is
upgraded in place rather than lost.  The same migrations, queries and redaction serve both
databases; only the dialect of a few statements differs.

``FeedbackStore(path)`` opens the SQLite file at ``path``; ``FeedbackStore("postgresql://...")``
a PostgreSQL database (psycopg 3); :meth:`FeedbackStore.from_settings` picks ``feedback_url``
when it is set, else ``feedback_db``.
"""

from __future__ import annotations

import builtins
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import FeedbackError, one_line
from .feedback_schema import MIGRATIONS, Db, apply_migrations
from .local_db import write_transaction
from .redaction import redact
from .retention import Clock, cutoff, stamp, utc_now
from .schema import Answer

if TYPE_CHECKING:
    from .settings import Settings

# Serialises schema migrations between processes sharing one PostgreSQL database.
_PG_MIGRATION_LOCK = 0x5F0FEEDB
_PG_CONNECT_TIMEOUT = 3


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


def is_database_url(target: str | Path) -> bool:
    return isinstance(target, str) and re.match(r"^postgres(ql)?://", target) is not None


def _hide_password(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db`` for messages."""
    return re.sub(r"^(postgres(?:ql)?://[^:/@]*):[^@]*@", r"\1:***@", url)


class FeedbackStore:
    """Opens per call, so a locked, damaged or unreachable database fails one action, never the app.

    ``retention_days`` left as None takes the period in force (``load_settings()``), so a store
    built from a target alone, as the app's cached one is, still honours SPO_RETENTION_DAYS.
    ``clock`` is the time expiry counts from; tests pass their own.
    """

    def __init__(
        self, target: Path | str, retention_days: int | None = None, clock: Clock = utc_now
    ) -> None:
        self.url: str | None = str(target) if is_database_url(target) else None
        self.path: Path | None = Path(target) if self.url is None else None
        self._retention_days = retention_days
        self.clock = clock
        self._migrated = False
        self._migrate_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(settings.feedback_url or settings.feedback_db, settings.retention_days)

    @property
    def retention_days(self) -> int:
        if self._retention_days is None:
            from .settings import load_settings

            self._retention_days = load_settings().retention_days
        return self._retention_days

    @property
    def what(self) -> str:
        return f"feedback in {self.where}"

    @property
    def where(self) -> str:
        """The database named in messages (never with its password)."""
        return _hide_password(self.url) if self.url else str(self.path)

    @contextmanager
    def _connect(self, expire: bool = True) -> Iterator[Db]:
        """One transaction, in which expired feedback is deleted before anything else."""
        expired_before = cutoff(self.retention_days, self.clock()) if expire else None
        if self.url is not None:
            with self._connect_postgres(self.url) as db:
                _delete_before(db, expired_before)
                yield db
        else:
            with self._connect_sqlite() as db:
                _delete_before(db, expired_before)
                yield db

    @contextmanager
    def _connect_sqlite(self) -> Iterator[Db]:
        assert self.path is not None

        def fail(reason: str) -> FeedbackError:
            return FeedbackError(f"feedback database {self.where}: {reason}")

        with write_transaction(self.path, 2, fail) as conn:
            db = Db(conn, "sqlite")
            apply_migrations(db)
            yield db

    @contextmanager
    def _connect_postgres(self, url: str) -> Iterator[Db]:
        try:
            import psycopg
        except ImportError:
            raise FeedbackError(
                f"feedback database {self.where}: PostgreSQL needs psycopg "
                '(pip install "psycopg[binary]")'
            ) from None
        try:
            conn = psycopg.connect(url, connect_timeout=_PG_CONNECT_TIMEOUT)
        except (psycopg.Error, ValueError) as exc:
            raise FeedbackError(f"feedback database {self.where}: {one_line(exc)}") from None
        try:
            db = Db(conn, "postgresql")
            if not self._migrated:
                with self._migrate_lock:
                    # One process migrates at a time; the others then find the work done.
                    db.execute("SELECT pg_advisory_xact_lock(?)", (_PG_MIGRATION_LOCK,))
                    apply_migrations(db)
                    conn.commit()
                    self._migrated = True
            yield db
            conn.commit()
        except psycopg.Error as exc:
            conn.rollback()
            raise FeedbackError(f"feedback database {self.where}: {one_line(exc)}") from None
        finally:
            conn.close()

    def add(self, answer: Answer, rating: int, comment: str = "", correction: str = "") -> int:
        """Store one rating of an answer; personal details are redacted first."""
        if rating not in (-1, 1):
            raise FeedbackError(f"rating must be 1 or -1, not {rating!r}")
        row = (
            stamp(self.clock()),
            redact(answer.question)[0],
            redact(answer.text)[0],
            rating,
            redact(comment.strip())[0],
            redact(correction.strip())[0],
            json.dumps([c.chunk_id for c in answer.citations]),
            answer.corpus_version,
            int(answer.refused),
        )
        with self._connect() as db:
            rows = db.rows(
                "INSERT INTO feedback (created_at, question, answer, rating, comment, correction,"
                " cited_chunks, corpus_version, refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                row,
            )
            return int(rows[0]["id"])

    def list(self, rating: int | None = None, status: str | None = None) -> list[FeedbackRecord]:
        query, args = "SELECT * FROM feedback WHERE 1=1", list[int | str]()
        if rating is not None:
            query += " AND rating = ?"
            args.append(rating)
        if status is not None:
            query += " AND status = ?"
            args.append(status)
        with self._connect() as db:
            rows = db.rows(query + " ORDER BY id DESC", args)
        return [_record(row) for row in rows]

    def set_status(self, feedback_id: int, status: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE feedback SET status = ? WHERE id = ?", (status, feedback_id))

    def count(self, before: str | None) -> int:
        """Feedback stamped before ``before`` (all of it when None); nothing is deleted."""
        query, args = "SELECT COUNT(*) AS n FROM feedback", tuple[str, ...]()
        if before is not None:
            query, args = query + " WHERE created_at < ?", (before,)
        with self._connect(expire=False) as db:
            return int(db.rows(query, args)[0]["n"])

    def purge(self, before: str | None) -> int:
        """Delete feedback stamped before ``before`` (all when None); returns how many.

        On PostgreSQL the table is then rewritten (VACUUM FULL) so the deleted rows leave its
        files at once rather than at the next autovacuum.
        """
        with self._connect(expire=False) as db:
            if before is None:
                deleted = int(db.rows("SELECT COUNT(*) AS n FROM feedback")[0]["n"])
                db.execute("DELETE FROM feedback")
            else:
                deleted = _delete_before(db, before)
        if self.url is not None and deleted:
            self._vacuum_postgres(self.url)
        return deleted

    def _vacuum_postgres(self, url: str) -> None:
        import psycopg

        try:
            with psycopg.connect(url, connect_timeout=_PG_CONNECT_TIMEOUT, autocommit=True) as conn:
                conn.execute("VACUUM FULL feedback")
        except psycopg.Error as exc:
            raise FeedbackError(
                f"feedback database {self.where}: deleted, but VACUUM failed: {one_line(exc)}"
            ) from None

    def applied_migrations(self) -> builtins.list[str]:
        """Names of the migrations recorded in the database, in the order applied."""
        with self._connect() as db:
            rows = db.rows("SELECT name FROM migrations ORDER BY applied_at, name")
        return [str(row["name"]) for row in rows]


def _record(data: dict[str, Any]) -> FeedbackRecord:
    return FeedbackRecord(
        id=int(data["id"]),
        created_at=data["created_at"],
        question=data["question"],
        answer=data["answer"],
        rating=int(data["rating"]),
        comment=data["comment"],
        correction=data["correction"],
        cited_chunks=tuple(json.loads(data["cited_chunks"])),
        corpus_version=data["corpus_version"],
        refused=bool(data["refused"]),
        status=data["status"],
    )


def _delete_before(db: Db, before: str | None) -> int:
    if before is None:
        return 0
    cursor = db.execute("DELETE FROM feedback WHERE created_at < ?", (before,))
    return max(int(cursor.rowcount), 0)


__all__ = ["MIGRATIONS", "Db", "FeedbackRecord", "FeedbackStore", "is_database_url"]
