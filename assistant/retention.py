"""How long officers' text is kept: the cut-off every store deletes before, and the purge.

Feedback (and the conversation store of issue 12, which shares ``Settings.retention_days``)
keep a UTC ISO-8601 ``created_at`` per record, written with :func:`stamp`, so that one string
comparison against :func:`cutoff` finds what has expired, in SQLite and PostgreSQL alike.
A store that holds officers' text implements :class:`Purgeable`; ``python -m assistant purge``
runs :meth:`Purgeable.purge` on each, so a maintainer has one command for all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stamp(moment: dt.datetime) -> str:
    """The stored form of a time: UTC, to the second, so stamps sort as strings."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def cutoff(retention_days: int, now: dt.datetime) -> str | None:
    """Records stamped before this have expired; None when 0 days means keep until purged."""
    if retention_days < 0:
        raise ValueError(f"retention_days must be 0 or more, not {retention_days}")
    if retention_days == 0:
        return None
    return stamp(now - dt.timedelta(days=retention_days))


def parse_before(text: str) -> str:
    """A maintainer's ``--before`` date (YYYY-MM-DD, or a full ISO time) as a stamp."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--before {text!r} is not a date: use YYYY-MM-DD") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return stamp(moment)


class Purgeable(Protocol):
    """A store of officers' text that can delete what is older than a stamp."""

    @property
    def what(self) -> str:
        """What it holds and where, for the purge report ("feedback in data/feedback.sqlite")."""
        ...

    def count(self, before: str | None) -> int:
        """Records stamped before ``before`` (all records when None)."""
        ...

    def purge(self, before: str | None) -> int:
        """Delete records stamped before ``before`` (all when None); returns how many."""
        ...
