"""The server-side conversation store: unguessable ids, expiry, redacted text only, and
failures that cost one action, never the conversation or other data."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT

from assistant import conversations
from assistant.answering import Assistant
from assistant.conversations import ConversationStore, Turn, is_conversation_id, new_id
from assistant.errors import ConversationError
from assistant.settings import Settings, load_settings

PHONE = "07700 900123"


@pytest.fixture(scope="module")
def answers(live_settings: Settings) -> list:
    """Two real answers from the live index: one with a phone number typed into the question."""
    assistant = Assistant(live_settings)
    return [
        assistant.ask(f"Who can apply for an SPO? Ring me on {PHONE}.", audience="frontline"),
        assistant.ask("How long does an interim SPO last?"),
    ]


def _age(path: Path, conversation_id: str, days: float) -> None:
    """Move a stored conversation's last activity ``days`` into the past."""
    then = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat(timespec="seconds")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (then, conversation_id))


def test_ids_are_random_url_safe_and_checked() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000  # 128 random bits each: no repeats
    assert all(is_conversation_id(i) for i in ids)
    for bad in ["", "1", "../../etc/passwd", "a" * 21, "a" * 23, "abc$" * 6, "x" * 21 + "'"]:
        assert not is_conversation_id(bad)


def test_a_conversation_comes_back_as_it_was_shown(tmp_path: Path, answers: list) -> None:
    store = ConversationStore(tmp_path / "conv.sqlite", retention_days=30)
    key = new_id()
    assert store.load(key) is None
    assert store.append(key, Turn(answers[0]), "frontline") == 1
    assert store.append(key, Turn(answers[1]), "frontline") == 2
    store.mark_feedback_saved(key, 1)
    back = store.load(key)
    assert back is not None and back.role == "frontline" and back.created_at
    assert [t.feedback_saved for t in back.turns] == [False, True]
    for kept, shown in zip(back.turns, answers, strict=True):
        assert kept.answer.question == shown.question
        assert kept.answer.text == shown.text
        assert kept.answer.citations == shown.citations
        assert kept.answer.sentences == [
            type(s)(s.text, s.citations, s.supported) for s in shown.sentences
        ]
        assert kept.answer.notices == shown.notices
        assert kept.answer.corpus_version == shown.corpus_version
        assert kept.answer.audience == shown.audience
        assert kept.answer.retrieval_query == ""  # diagnostics are not kept


def test_only_redacted_text_is_stored(tmp_path: Path, answers: list) -> None:
    path = tmp_path / "conv.sqlite"
    store = ConversationStore(path, retention_days=30)
    key = new_id()
    store.append(key, Turn(answers[0]), None)
    assert PHONE not in answers[0].question and "removed" in answers[0].question
    raw = path.read_bytes()
    assert PHONE.encode() not in raw and b"07700" not in raw
    # a caller that built an answer by hand with raw text is redacted too
    by_hand = conversations.answer_from_record(conversations.answer_record(answers[1]))
    by_hand.question = f"Can I call the victim on {PHONE}?"
    store.append(key, Turn(by_hand), None)
    assert b"07700" not in path.read_bytes()
    back = store.load(key)
    assert back is not None and "[phone number removed]" in back.turns[1].answer.question


def test_conversations_expire_after_the_retention_period(tmp_path: Path, answers: list) -> None:
    path = tmp_path / "conv.sqlite"
    store = ConversationStore(path, retention_days=30)
    old, recent = new_id(), new_id()
    store.append(old, Turn(answers[1]), None)
    store.append(recent, Turn(answers[1]), None)
    _age(path, old, 31)
    _age(path, recent, 29)
    store.append(new_id(), Turn(answers[1]), None)  # any write sweeps out what has expired
    with sqlite3.connect(path) as conn:  # purged from the file, not just hidden
        assert old not in [r[0] for r in conn.execute("SELECT id FROM conversations")]
    assert store.load(old) is None
    assert store.load(recent) is not None
    keep_all = ConversationStore(path, retention_days=0)
    _age(path, recent, 3000)
    assert keep_all.purge_expired() == 0 and keep_all.load(recent) is not None


def test_retention_and_path_come_from_settings(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", retention_days=7)
    store = ConversationStore.from_settings(settings)
    assert store.path == tmp_path / "data" / "conversations.sqlite"
    assert store.retention_days == 7
    chosen = load_settings(data_dir=tmp_path, conversations_db=tmp_path / "elsewhere.sqlite")
    assert ConversationStore.from_settings(chosen).path == tmp_path / "elsewhere.sqlite"


def test_two_tabs_appending_at_once_both_keep_their_turns(tmp_path: Path, answers: list) -> None:
    store = ConversationStore(tmp_path / "conv.sqlite", retention_days=30)
    key = new_id()
    barrier = threading.Barrier(8)

    def tab() -> None:
        barrier.wait()
        for _ in range(5):
            store.append(key, Turn(answers[1]), None)

    threads = [threading.Thread(target=tab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    back = store.load(key)
    assert back is not None and len(back.turns) == 40


def test_a_bad_link_or_a_damaged_store_is_one_line_and_harms_nothing(
    tmp_path: Path, answers: list
) -> None:
    path = tmp_path / "conv.sqlite"
    store = ConversationStore(path, retention_days=30)
    with pytest.raises(ConversationError, match="link is not valid") as info:
        store.load("../../etc/passwd")
    assert "\n" not in str(info.value)
    good, broken = new_id(), new_id()
    store.append(good, Turn(answers[1]), None)
    store.append(broken, Turn(answers[1]), None)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE conversations SET turns = '[{\"answer\": 1}]' WHERE id = ?", (broken,))
    with pytest.raises(ConversationError, match=f"conversation {broken} .* is damaged"):
        store.load(broken)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE conversations SET turns = '[{not json' WHERE id = ?", (broken,))
    with pytest.raises(ConversationError, match="damaged"):
        store.append(broken, Turn(answers[1]), None)  # never overwrites what it cannot read
    assert store.load(good) is not None  # the others are untouched
    with sqlite3.connect(path) as conn:
        kept = conn.execute("SELECT turns FROM conversations WHERE id = ?", (broken,)).fetchone()
    assert kept[0] == "[{not json"

    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConversationError, match=r"garbage\.sqlite") as info:
        ConversationStore(garbage, 30).load(good)
    assert "\n" not in str(info.value)
    assert garbage.read_bytes() == b"this is not a database" * 100  # left for a person to see
    blocked = tmp_path / "a-file"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(ConversationError, match="conversation store"):
        ConversationStore(blocked / "conv.sqlite", 30).append(good, Turn(answers[1]), None)


def test_the_purge_command_covers_conversations_and_overwrites_them(
    tmp_path: Path, answers: list
) -> None:
    data = tmp_path / "data"
    path = data / "conversations.sqlite"
    store = ConversationStore(path, retention_days=0)  # nothing expires on its own here
    old, recent = new_id(), new_id()
    store.append(old, Turn(answers[1]), None)
    store.append(recent, Turn(answers[0]), None)
    _age(path, old, 40)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SPO_DATA_DIR": str(data),
           "SPO_FEEDBACK_DB": str(tmp_path / "feedback.sqlite"), "SPO_RETENTION_DAYS": "30"}  # fmt: skip

    def purge(*args: str) -> str:
        done = subprocess.run(
            [PYTHON, "-m", "assistant", "purge", *args],
            capture_output=True, text=True, timeout=300, env=env, cwd=ROOT, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert f"conversations in {path}: 1 record(s) older than 30 days" in purge("--dry-run")
    assert store.load(old) is not None
    assert f"conversations in {path}: deleted 1 record(s)" in purge()
    assert store.load(old) is None and store.load(recent) is not None
    assert b"interim SPO last" not in path.read_bytes()  # overwritten, not just unlinked
    assert "deleted 1 record(s) of every age" in purge("--all", "--yes")
    assert store.load(recent) is None


def test_purging_a_store_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "none" / "conversations.sqlite", retention_days=30)
    assert store.count(None) == 0 and store.purge(None) == 0
    assert not (tmp_path / "none").exists()
