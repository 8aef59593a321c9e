"""The feedback store on a real PostgreSQL server and on SQLite: the same behaviours on both.

A throwaway PostgreSQL cluster is created with ``initdb`` in a temporary folder and started with
``pg_ctl`` on a free loopback port (Unix socket inside the folder, trust auth, fsync off); it is
stopped and deleted at the end of the session.  PostgreSQL refuses to run as root, so under root
the binaries run as the ``postgres`` system user (``runuser``).  Each test gets its own database.
The tests skip, saying why, only when the PostgreSQL binaries are not installed
(Debian: ``apt-get install -y postgresql``).
"""

from __future__ import annotations

import datetime as dt
import glob
import itertools
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.errors import FeedbackError
from assistant.feedback import FeedbackStore
from assistant.retention import stamp
from assistant.schema import Answer, AnswerSentence, Citation

MIGRATION_NAMES = [
    "_m001_create", "_m002_status", "_m003_created_at_index", "_m004_redact_stored_text",
]  # fmt: skip


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    """PostgreSQL will not run as root: run its binaries as the postgres user then."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser") is None:
        pytest.skip("running as root and runuser is missing, so PostgreSQL cannot be started")
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL cluster on 127.0.0.1; yields the URL of its maintenance database."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed: apt-get install -y postgresql")
    if os.geteuid() == 0:
        try:
            import pwd

            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
    root = Path(tempfile.mkdtemp(prefix="spo-pg-"))  # not under pytest's 0700 root-only tmp
    data = root / "data"
    if os.geteuid() == 0:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    init = subprocess.run(
        _as_server_user([str(pg_bin / "initdb"), "-D", str(data), "-U", "spo", "--auth=trust",
                         "-E", "UTF8", "--no-sync"]),
        capture_output=True, text=True, timeout=120, check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {init.stderr[-500:]}")
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"
    pg_ctl = [str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log")]
    start = subprocess.run(
        _as_server_user([*pg_ctl, "-o", options, "-w", "-t", "60", "start"]),
        capture_output=True, text=True, timeout=90, check=False,
    )
    try:
        if start.returncode != 0:
            log = (root / "server.log").read_text(errors="replace")[-800:]
            pytest.fail(f"PostgreSQL did not start: {start.stderr[-300:]} {log}")
        yield f"postgresql://spo@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([*pg_ctl, "-m", "fast", "-w", "stop"]),
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(root, ignore_errors=True)


_db_names = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a store lives: an SQLite file, or a fresh database on the test PostgreSQL."""
    if request.param == "sqlite":
        return tmp_path / "fb" / "feedback.sqlite"
    import psycopg

    server: str = request.getfixturevalue("postgres_server")
    name = f"feedback_{os.getpid()}_{next(_db_names)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + f"/{name}"


def _answer(question: str = "How long does an interim SPO last?", refused: bool = False) -> Answer:
    citation = Citation(1, "interim-orders#3.1#0", "interim-orders", "Interim orders", "3 Duration",
                        "3.1", None, "1", "2024-04-01", "interim-orders.md", "An interim SPO ...")
    return Answer(question=question, text="It lasts until the main hearing. [1]",
                  sentences=[AnswerSentence("It lasts until the main hearing.", (1,))],
                  citations=[] if refused else [citation], refused=refused,
                  corpus_version="v-test")


def test_add_list_filter_and_set_status(store_target: str | Path) -> None:
    store = FeedbackStore(store_target)
    up = store.add(_answer(), 1)
    down = store.add(_answer("can BTP apply?", refused=True), -1, comment="not found",
                     correction="Yes, BTP can apply.")
    assert down > up
    records = store.list()
    assert [r.id for r in records] == [down, up]  # newest first
    assert records[1].cited_chunks == ("interim-orders#3.1#0",)
    assert records[1].corpus_version == "v-test" and records[1].refused is False
    assert records[0].refused is True and records[0].cited_chunks == ()
    assert records[0].correction == "Yes, BTP can apply." and records[0].status == "open"
    assert [r.id for r in store.list(rating=-1)] == [down]
    store.set_status(down, "reviewed")
    assert store.list(rating=-1, status="open") == []
    assert [r.id for r in store.list(status="reviewed")] == [down]
    assert [r.id for r in store.list(status="open")] == [up]
    with pytest.raises(FeedbackError, match="rating must be"):
        store.add(_answer(), 0)


def test_personal_details_are_redacted_before_writing(store_target: str | Path) -> None:
    store = FeedbackStore(store_target)
    store.add(_answer("the victim is Jane Smith, call 07700 900123"), -1,
              comment="ring me on 07700 900123 or j.smith@example.org",
              correction="Her postcode is SW1A 1AA")
    record = store.list()[0]
    stored = f"{record.question} {record.comment} {record.correction}"
    for detail in ("Jane Smith", "07700", "j.smith@example.org", "SW1A 1AA"):
        assert detail not in stored
    assert "removed" in record.question and "removed" in record.comment
    assert "removed" in record.correction


def test_migrations_applied_once_and_recorded(store_target: str | Path) -> None:
    FeedbackStore(store_target).add(_answer(), 1)
    again = FeedbackStore(store_target)  # a second store (a restart, another replica)
    again.add(_answer(), -1)
    assert again.applied_migrations() == MIGRATION_NAMES
    assert len(again.list()) == 2


def test_old_sqlite_file_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as conn:  # a file made before the status column existed
        conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        conn.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
            " question TEXT NOT NULL, answer TEXT NOT NULL, rating INTEGER NOT NULL,"
            " comment TEXT NOT NULL DEFAULT '', correction TEXT NOT NULL DEFAULT '',"
            " cited_chunks TEXT NOT NULL DEFAULT '[]', corpus_version TEXT NOT NULL DEFAULT '',"
            " refused INTEGER NOT NULL DEFAULT 0)"
        )
        conn.execute("INSERT INTO migrations VALUES ('_m001_create', '2026-01-01')")
        conn.execute("INSERT INTO feedback (created_at, question, answer, rating)"
                     " VALUES ('2026-01-01', 'q', 'a', -1)")
    conn.close()
    records = FeedbackStore(db, retention_days=0).list()  # kept until purged: it is old
    assert [(r.question, r.status) for r in records] == [("q", "open")]


def test_two_stores_writing_concurrently(store_target: str | Path) -> None:
    """Two stores (as two app replicas would hold) on one database, writing at once."""
    stores = [FeedbackStore(store_target), FeedbackStore(store_target)]
    errors: list[BaseException] = []
    per_writer = 15

    def write(store: FeedbackStore, tag: str) -> None:
        try:
            for i in range(per_writer):
                store.add(_answer(f"{tag} question {i}"), 1 if i % 2 else -1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, f"w{n}")) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    records = stores[0].list()
    assert len(records) == 2 * per_writer
    assert len({r.id for r in records}) == 2 * per_writer
    assert stores[1].applied_migrations() == MIGRATION_NAMES


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://nobody@127.0.0.1:1/feedback",  # nothing listens on port 1
        "postgresql://user:secret@127.0.0.1:1/feedback",
        "postgresql://127.0.0.1:notaport/feedback",
    ],
)
def test_bad_url_is_one_line_feedback_error(url: str) -> None:
    store = FeedbackStore(url)
    with pytest.raises(FeedbackError) as info:
        store.add(_answer(), 1)
    message = str(info.value)
    assert "\n" not in message and message.startswith("feedback database postgresql://")
    assert "secret" not in message


def test_from_settings_prefers_the_url(settings_for: Callable[..., object], tmp_path: Path) -> None:
    from assistant.settings import load_settings

    local = FeedbackStore.from_settings(load_settings(feedback_db=tmp_path / "f.sqlite"))
    assert local.url is None and local.path == tmp_path / "f.sqlite"
    shared = FeedbackStore.from_settings(
        load_settings(feedback_db=tmp_path / "f.sqlite", feedback_url="postgresql://u@h:5432/d")
    )
    assert shared.url == "postgresql://u@h:5432/d" and shared.path is None


# --- retention: feedback expires after retention_days, and a maintainer can purge it ---

NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)


def _clock(moment: dt.datetime) -> Callable[[], dt.datetime]:
    return lambda: moment


def test_feedback_older_than_the_retention_period_expires(store_target: str | Path) -> None:
    FeedbackStore(store_target, 0, _clock(NOW - dt.timedelta(days=31))).add(_answer("old one"), 1)
    FeedbackStore(store_target, 0, _clock(NOW - dt.timedelta(days=29))).add(_answer("recent"), 1)
    keeper = FeedbackStore(store_target, retention_days=0, clock=_clock(NOW))
    assert len(keeper.list()) == 2  # 0 days: kept until purged
    store = FeedbackStore(store_target, retention_days=30, clock=_clock(NOW))
    assert [r.question for r in store.list()] == ["recent"]  # expired on this very read
    assert len(keeper.list()) == 1  # and gone from the database, not only hidden
    later = FeedbackStore(store_target, retention_days=30, clock=_clock(NOW + dt.timedelta(days=2)))
    later.add(_answer("new"), -1)  # any use expires what has aged past the period
    assert [r.question for r in later.list()] == ["new"]


def test_purge_deletes_before_a_date_or_everything(store_target: str | Path) -> None:
    for days in (40, 20, 1):
        FeedbackStore(store_target, 0, _clock(NOW - dt.timedelta(days=days))).add(_answer(f"{days}"), 1)
    store = FeedbackStore(store_target, retention_days=0, clock=_clock(NOW))
    before = stamp(NOW - dt.timedelta(days=10))
    assert store.count(before) == 2 and store.count(None) == 3
    assert store.purge(before) == 2
    assert [r.question for r in store.list()] == ["1"]
    assert store.purge(None) == 1 and store.list() == [] and store.count(None) == 0


def test_a_store_without_a_period_takes_the_one_in_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPO_RETENTION_DAYS", "7")
    assert FeedbackStore(tmp_path / "f.sqlite").retention_days == 7
    assert FeedbackStore(tmp_path / "f.sqlite", retention_days=3).retention_days == 3
    from assistant.settings import load_settings

    assert FeedbackStore.from_settings(load_settings()).retention_days == 7


def test_sqlite_overwrites_deleted_feedback_in_the_file(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite"
    store = FeedbackStore(db, retention_days=0, clock=_clock(NOW))
    store.add(_answer("how long does an interim order last"), -1, comment="Zanzibar marker text")
    assert b"Zanzibar marker text" in db.read_bytes()
    store.purge(None)
    assert b"Zanzibar marker text" not in db.read_bytes()
    assert b"interim order last" not in db.read_bytes()


def test_upgrade_redacts_feedback_stored_by_the_old_patterns(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    FeedbackStore(db, retention_days=0).add(_answer("how long is an ISPO"), 1)
    with sqlite3.connect(db) as conn:  # as the regex-era redaction left it
        conn.execute("UPDATE feedback SET question = 'victim is jane smith, born 3 March 1990',"
                     " comment = 'NHS 943 476 5919'")
        conn.execute("DELETE FROM migrations WHERE name = '_m004_redact_stored_text'")
    conn.close()
    record = FeedbackStore(db, retention_days=0).list()[0]
    assert record.question == "victim is [name removed], born [date of birth removed]"
    assert record.comment == "NHS [NHS number removed]"


def test_gold_item_made_from_feedback_holds_only_redacted_text(tmp_path: Path) -> None:
    from assistant.ui.quality_gold import Candidate, gold_item

    store = FeedbackStore(tmp_path / "f.sqlite", retention_days=0)
    store.add(_answer("victim is jane smith, how long does an ISPO last?"), -1,
              correction="For Kev Brown on 07700 900123 it lasts until the hearing.")
    item = gold_item(Candidate((store.list()[0],)), tmp_path / "gold.jsonl")
    dumped = json.dumps(item)
    for detail in ("jane", "smith", "Kev Brown", "07700"):
        assert detail not in dumped
    assert "[name removed]" in item["question"]
