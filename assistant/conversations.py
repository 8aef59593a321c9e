"""Conversations kept on the server, so a reload or a bookmarked link brings one back.

A conversation is found only by its id: 128 random bits from :mod:`secrets`, carried in the
page's URL, so nobody can list or guess another officer's conversation.  It expires
``retention_days`` after its last question (0 keeps it until deleted or purged); like the
feedback store it is a :class:`assistant.retention.Purgeable`, so ``python -m assistant purge``
covers it, and SQLite's ``secure_delete`` overwrites what is deleted.  What is kept is what
the officer was shown: the redacted question (``Answer.question``, redacted again here in
case a caller built the answer by hand), the answer quoted from the guidance, its citations
and notices.  The retrieval query, timings and scores are not kept: they are diagnostics, and
the less stored about an officer's question the better.

A damaged or unwritable store fails one action with a :class:`ConversationError` line; the
conversation itself stays in the page, so nothing the officer sees is lost.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConversationError, one_line
from .local_db import write_transaction
from .redaction import redact
from .retention import Clock, cutoff, stamp, utc_now
from .schema import Answer, AnswerSentence, Citation
from .settings import Settings

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")  # secrets.token_urlsafe(16)
SCHEMA_VERSION = 1


@dataclass
class Turn:
    """One question and the answer shown for it; ``feedback_saved`` hides the thumbs again."""

    answer: Answer
    feedback_saved: bool = False


@dataclass
class Conversation:
    id: str
    role: str | None = None
    turns: list[Turn] = field(default_factory=list)
    created_at: str = ""  # ISO 8601, UTC; set when first saved


def new_id() -> str:
    return secrets.token_urlsafe(16)


def is_conversation_id(text: str) -> bool:
    return ID_PATTERN.match(text) is not None


def answer_record(answer: Answer) -> dict[str, Any]:
    """The part of an answer worth keeping, with the question redacted once more."""
    return {
        "question": redact(answer.question)[0],
        "text": answer.text,
        "sentences": [
            {"text": s.text, "citations": list(s.citations), "supported": s.supported}
            for s in answer.sentences
        ],
        "citations": [asdict(c) for c in answer.citations],
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "notices": list(answer.notices),
        "corpus_version": answer.corpus_version,
        "mode": answer.mode,
        "audience": answer.audience,
        "other_audiences": list(answer.other_audiences),
    }


def answer_from_record(record: dict[str, Any]) -> Answer:
    """Inverse of :func:`answer_record`; KeyError or TypeError on a malformed record."""
    return Answer(
        question=str(record["question"]),
        text=str(record["text"]),
        sentences=[
            AnswerSentence(str(s["text"]), tuple(int(c) for c in s["citations"]), s["supported"])
            for s in record["sentences"]
        ],
        citations=[Citation(**c) for c in record["citations"]],
        refused=bool(record["refused"]),
        refusal_reason=record["refusal_reason"],
        notices=[str(n) for n in record["notices"]],
        corpus_version=str(record["corpus_version"]),
        mode=str(record["mode"]),
        audience=record["audience"],
        other_audiences=[str(a) for a in record["other_audiences"]],
    )


class ConversationStore:
    """A SQLite file of conversations; opens per call, like the feedback store."""

    def __init__(self, path: Path, retention_days: int, clock: Clock = utc_now) -> None:
        self.path = path
        self.retention_days = retention_days
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> ConversationStore:
        path = settings.conversations_db or settings.data_dir / "conversations.sqlite"
        return cls(path, settings.retention_days)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        def fail(reason: str) -> ConversationError:
            return ConversationError(f"conversation store {self.path}: {reason}")

        with write_transaction(self.path, 5, fail) as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY,"
                    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, role TEXT,"
                    " turns TEXT NOT NULL)"
                )
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            yield conn

    @property
    def what(self) -> str:
        return f"conversations in {self.path}"

    def count(self, before: str | None) -> int:
        """Conversations whose last question is stamped before ``before`` (all when None)."""
        if not self.path.exists():  # counting or purging never creates a store
            return 0
        query, args = "SELECT COUNT(*) FROM conversations", tuple[str, ...]()
        if before is not None:
            query, args = query + " WHERE updated_at < ?", (before,)
        with self._connect() as conn:
            return int(conn.execute(query, args).fetchone()[0])

    def purge(self, before: str | None) -> int:
        """Delete conversations last used before ``before`` (all when None); returns how many."""
        if not self.path.exists():
            return 0
        query, args = "DELETE FROM conversations", tuple[str, ...]()
        if before is not None:
            query, args = query + " WHERE updated_at < ?", (before,)
        with self._connect() as conn:
            return int(conn.execute(query, args).rowcount)

    def purge_expired(self) -> int:
        """Delete every conversation past its retention period; returns how many went."""
        before = cutoff(self.retention_days, self.clock())
        return 0 if before is None else self.purge(before)

    def load(self, conversation_id: str) -> Conversation | None:
        """The conversation, or None when the id is unknown or has expired."""
        if not is_conversation_id(conversation_id):
            raise ConversationError("conversation link is not valid: expected a 22-character id")
        self.purge_expired()
        with self._connect() as conn:
            turns = self._turns(conn, conversation_id)
            row = conn.execute(
                "SELECT role, created_at FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        if turns is None or row is None:
            return None
        try:
            kept = [Turn(answer_from_record(t["answer"]), bool(t["feedback_saved"])) for t in turns]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConversationError(
                f"conversation {conversation_id} in {self.path} is damaged ({one_line(exc)})"
            ) from None
        return Conversation(conversation_id, row[0], kept, row[1])

    def _turns(self, conn: sqlite3.Connection, conversation_id: str) -> list[Any] | None:
        row = conn.execute(
            "SELECT turns FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return None
        try:
            turns = json.loads(row[0])
        except ValueError as exc:
            raise ConversationError(
                f"conversation {conversation_id} in {self.path} is damaged ({one_line(exc)})"
            ) from None
        if not isinstance(turns, list):
            raise ConversationError(
                f"conversation {conversation_id} in {self.path} is damaged (turns is not a list)"
            )
        return turns

    def append(self, conversation_id: str, turn: Turn, role: str | None) -> int:
        """Add one turn (read and written in one transaction, so two tabs on the same
        conversation both keep theirs); the retention clock restarts.  Returns the count."""
        if not is_conversation_id(conversation_id):
            raise ConversationError("conversation id is not valid: expected a 22-character id")
        self.purge_expired()  # every write sweeps, so expiry needs no scheduled job
        now = stamp(self.clock())
        record = {"answer": answer_record(turn.answer), "feedback_saved": turn.feedback_saved}
        with self._connect() as conn:
            turns = self._turns(conn, conversation_id)
            if turns is None:
                turns = [record]
                conn.execute(
                    "INSERT INTO conversations (id, created_at, updated_at, role, turns)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (conversation_id, now, now, role, json.dumps(turns, ensure_ascii=False)),
                )
            else:
                turns.append(record)
                conn.execute(
                    "UPDATE conversations SET updated_at = ?, role = ?, turns = ? WHERE id = ?",
                    (now, role, json.dumps(turns, ensure_ascii=False), conversation_id),
                )
        return len(turns)

    def mark_feedback_saved(self, conversation_id: str, index: int) -> None:
        """Remember that turn ``index`` (0-based) was rated, so a reload does not ask again."""
        with self._connect() as conn:
            turns = self._turns(conn, conversation_id)
            if turns is None or not 0 <= index < len(turns):
                return
            turns[index]["feedback_saved"] = True
            conn.execute(
                "UPDATE conversations SET turns = ? WHERE id = ?",
                (json.dumps(turns, ensure_ascii=False), conversation_id),
            )

    def delete(self, conversation_id: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
