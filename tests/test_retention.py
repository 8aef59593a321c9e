"""Retention from the maintainer's side: the cut-off and ``python -m assistant purge``.

The purge command runs as a maintainer would run it, in a child process against a real
SQLite feedback file named by SPO_FEEDBACK_DB.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.feedback import FeedbackStore
from assistant.retention import cutoff, parse_before, stamp
from assistant.schema import Answer

ROOT = Path(__file__).resolve().parent.parent


def test_cutoff_counts_back_from_now_and_zero_keeps_everything() -> None:
    now = dt.datetime(2026, 3, 31, 9, 30, tzinfo=dt.UTC)
    assert cutoff(30, now) == "2026-03-01T09:30:00+00:00"
    assert cutoff(0, now) is None
    with pytest.raises(ValueError, match="0 or more"):
        cutoff(-1, now)


def test_stamps_sort_as_times_whatever_zone_they_came_from() -> None:
    summer = dt.datetime(2026, 7, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert stamp(summer) == "2026-07-01T00:00:00+00:00"
    assert parse_before("2026-01-02") == "2026-01-02T00:00:00+00:00"
    with pytest.raises(ValueError, match="--before '2026-13-01' is not a date"):
        parse_before("2026-13-01")


def _seed(db: Path) -> None:
    answer = Answer("how long does an ISPO last?", "Until the hearing. [1]", [], [], refused=False)
    for days in (90, 45, 2):
        moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        FeedbackStore(db, retention_days=0, clock=lambda m=moment: m).add(answer, 1)


def _purge(db: Path, *args: str, days: str = "30") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "SPO_FEEDBACK_DB": str(db), "SPO_RETENTION_DAYS": days,
           "SPO_DATA_DIR": str(db.parent / "data"), "PYTHONPATH": str(ROOT)}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "assistant", "purge", *args],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT, check=False,
    )  # fmt: skip


def _rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        count = int(conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])
    conn.close()
    return count


def test_purge_dry_run_counts_then_purge_deletes_what_expired(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite"
    _seed(db)
    dry = _purge(db, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "2 record(s) older than 30 days" in dry.stdout and "would be deleted" in dry.stdout
    assert _rows(db) == 3
    done = _purge(db)
    assert done.returncode == 0 and "deleted 2 record(s) older than 30 days" in done.stdout
    assert _rows(db) == 1


def test_purge_before_a_date_and_all_with_confirmation(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite"
    _seed(db)
    before = (dt.datetime.now(dt.UTC) - dt.timedelta(days=60)).date().isoformat()
    done = _purge(db, "--before", before, days="0")
    assert done.returncode == 0 and "deleted 1 record(s)" in done.stdout
    refused = _purge(db, "--all", days="0")
    assert refused.returncode == 2 and _rows(db) == 2
    assert refused.stderr.strip() == (
        "error: --all deletes every stored record; add --yes to confirm"
    )
    assert _purge(db, "--all", "--yes", days="0").returncode == 0 and _rows(db) == 0


def test_purge_with_no_retention_period_deletes_nothing_and_says_why(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite"
    _seed(db)
    done = _purge(db, days="0")
    assert done.returncode == 0 and "nothing expires" in done.stdout and _rows(db) == 3


@pytest.mark.parametrize(
    ("args", "days", "message"),
    [
        (["--before", "last week"], "30", "error: --before 'last week' is not a date"),
        ([], "-3", "retention_days"),
    ],
)
def test_purge_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], days: str, message: str
) -> None:
    db = tmp_path / "feedback.sqlite"
    _seed(db)
    done = _purge(db, *args, days=days)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert _rows(db) == 3


def test_purge_reports_an_unusable_database_in_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    done = _purge(blocker / "feedback.sqlite", "--all", "--yes")
    assert done.returncode == 1
    assert done.stderr.startswith("error: feedback database ")
    assert len(done.stderr.strip().splitlines()) == 1
