"""Faults against the real parts: a full disk, a Chroma server that goes away, files damaged by a
crash, and a locked or corrupt feedback database.

Covered elsewhere, not repeated here (tests/test_ingest.py): ``kill -9`` mid-ingest, a read-only
data directory (chattr +i) and a corrupt CURRENT.json; (tests/test_app.py) a feedback database
path that cannot be created.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT
from fixtures_docs import markdown_doc, numbered_sections
from servers import free_port, start_chroma, stop
from streamlit.testing.v1 import AppTest

from assistant.answering import Assistant
from assistant.embedding import EmbeddingCache
from assistant.errors import FeedbackError, IndexNotReady, StoreUnavailable
from assistant.feedback import FeedbackStore
from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import COMPLETE, POINTER, open_snapshot, versions_dir

SettingsFor = Callable[..., Settings]
QUESTION = "How often do officers update the zephyrine register?"


def _corpus() -> dict[str, str | bytes]:
    return {
        "a.md": markdown_doc("a-doc", "Alpha Note", [
            ("1 Zephyrine registers", ["1.1 The zephyrine register lists every cautioned person.",
                                       "1.2 Officers update the zephyrine register weekly."]),
        ]),
        "b.md": markdown_doc("b-doc", "Beta Note", numbered_sections("beta", 2, 2)),
    }


def _pointer_version(settings: Settings) -> str:
    return str(json.loads((settings.data_dir / POINTER).read_text())["version"])


def _folders(settings: Settings) -> list[str]:
    return sorted(p.name for p in versions_dir(settings).iterdir())


def _answers_from_alpha(assistant: Assistant) -> None:
    answer = assistant.ask(QUESTION)
    assert not answer.refused, answer.text
    assert "weekly" in answer.text
    assert answer.citations[0].doc_id == "a-doc"


# --------------------------------------------------------------------------- disk full


def test_disk_full_during_ingest_keeps_old_version_and_leaves_no_partial(
    make_corpus: Callable[..., Path], settings_for: SettingsFor, tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        corpus = make_corpus(_corpus())
        settings = settings_for(corpus, data=mount / "data")
        first = ingest(settings)
        assert first.published
        # Leave less room than one more version needs, then add a big change.
        stat = os.statvfs(mount)
        free = stat.f_bavail * stat.f_frsize
        filler = mount / "filler"
        with filler.open("wb") as handle:
            handle.write(b"\0" * max(0, free - 256 * 1024))
        for d in range(6):
            (corpus / f"big-{d}.md").write_text(
                markdown_doc(f"big-{d}", f"Big Note {d}", numbered_sections(f"big{d}", 4, 5)),
                encoding="utf-8",
            )
        with pytest.raises(StoreUnavailable) as info:
            ingest(settings)
        message = str(info.value)
        assert "\n" not in message and "unchanged" in message, message
        assert "full" in message.lower() or "space" in message.lower(), message

        # the old version is still named by the pointer and still answers
        assert _pointer_version(settings) == first.version
        assert _folders(settings) == [first.version]  # no partial version left
        assert open_snapshot(settings).version == first.version
        _answers_from_alpha(Assistant(settings))

        # with space again, the next run publishes and leaves no debris
        filler.unlink()
        again = ingest(settings)
        assert again.published and again.count("added") == 6
        assert _folders(settings) == sorted([str(first.version), str(again.version)])
        assert all((versions_dir(settings) / f / COMPLETE).exists() for f in _folders(settings))
        assert not list(settings.data_dir.rglob(".*.tmp"))
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


# --------------------------------------------------------------------------- Chroma server


@pytest.fixture
def chroma_servers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Servers a test starts (it may restart one); all are stopped at the end."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        stop(proc)


def test_chroma_server_down_then_restarted(
    make_corpus: Callable[..., Path], settings_for: SettingsFor, tmp_path: Path,
    chroma_servers: list[subprocess.Popen[bytes]], subprocess_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, path, log = free_port(), tmp_path / "chroma-server", tmp_path / "chroma.log"
    chroma_servers.append(start_chroma(path, port, log))
    corpus = make_corpus(_corpus())
    settings = settings_for(corpus, chroma_host="127.0.0.1", chroma_port=port)
    assert ingest(settings).published
    assistant = Assistant(settings)
    _answers_from_alpha(assistant)

    stop(chroma_servers[-1])
    with pytest.raises(StoreUnavailable) as info:
        assistant.ask("Who keeps the beta rule register?")
    assert "\n" not in str(info.value) and str(info.value), str(info.value)

    # the CLI: one line on stderr, non-zero exit
    env = dict(subprocess_env, SPO_DATA_DIR=str(settings.data_dir), SPO_CORPUS_DIR=str(corpus),
               SPO_CHROMA_HOST="127.0.0.1", SPO_CHROMA_PORT=str(port))
    cli = subprocess.run([PYTHON, "-m", "assistant", "ask", QUESTION], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 3, (cli.returncode, cli.stdout, cli.stderr)
    assert cli.stdout == ""
    lines = cli.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Chroma" in lines[0], lines

    # the Ask page: a clear st.error, not a traceback
    for name, value in {"SPO_DATA_DIR": str(settings.data_dir), "SPO_CORPUS_DIR": str(corpus),
                        "SPO_CHROMA_HOST": "127.0.0.1", "SPO_CHROMA_PORT": str(port),
                        "SPO_FEEDBACK_DB": str(tmp_path / "feedback.sqlite")}.items():
        monkeypatch.setenv(name, value)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert errors and "could not" in errors[0] and "Chroma" in errors[0], errors
    assert "Traceback" not in errors[0] and "\n" not in errors[0]

    # the server comes back on the same port and path: the SAME assistant answers again
    chroma_servers.append(start_chroma(path, port, log))
    _answers_from_alpha(assistant)


# --------------------------------------------------------------------------- crash debris


def _truncate_last_line(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # still valid JSONL, one chunk short


def _truncate_middle(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "chunks.jsonl short by a whole line": (lambda v: _truncate_last_line(v / "chunks.jsonl"),
                                           "checksum"),
    "chunks.jsonl cut mid-record": (lambda v: _truncate_middle(v / "chunks.jsonl"), "damaged"),
    "manifest.json cut": (lambda v: _truncate_middle(v / "manifest.json"), "damaged"),
    "COMPLETE marker missing": (lambda v: (v / COMPLETE).unlink(), "incomplete"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_half_written_version_is_refused_and_rebuilt(
    damage: str, make_corpus: Callable[..., Path], settings_for: SettingsFor
) -> None:
    corpus = make_corpus(_corpus())
    settings = settings_for(corpus)
    first = ingest(settings)
    assert first.published
    damage_fn, word = DAMAGE[damage]
    damage_fn(versions_dir(settings) / str(first.version))

    # never served: a reader gets one clear line telling it to ingest
    with pytest.raises(IndexNotReady) as info:
        open_snapshot(settings)
    message = str(info.value)
    assert word in message and "ingest" in message and "\n" not in message, message
    with pytest.raises(IndexNotReady):
        Assistant(settings).ask(QUESTION)

    # the next ingest notices, rebuilds from the corpus (vectors from the cache) and drops it
    rebuilt = ingest(settings)
    assert rebuilt.published and rebuilt.chunks_embedded == 0
    assert any("rebuild" in note for note in rebuilt.notes), rebuilt.notes
    snap = open_snapshot(settings)
    assert snap.version == rebuilt.version and len(snap.chunks) == first.chunks_total
    assert _folders(settings) == [rebuilt.version]
    _answers_from_alpha(Assistant(settings))


def test_garbage_embedding_cache_is_moved_aside_and_rebuilt(
    make_corpus: Callable[..., Path], settings_for: SettingsFor, tmp_path: Path
) -> None:
    # a fresh process meeting a garbage cache file
    garbage = tmp_path / "cache" / "embeddings.sqlite"
    garbage.parent.mkdir()
    garbage.write_bytes(b"this is not a database\0" * 400)
    cache = EmbeddingCache(garbage)
    assert cache.repaired and "moved to embeddings.sqlite.corrupt" in cache.repaired
    assert (garbage.parent / "embeddings.sqlite.corrupt").exists()
    assert cache.get_many("m", ["k"]) == {}
    cache.close()

    # a cache damaged under a running process (the embedder holds it open)
    corpus = make_corpus(_corpus())
    settings = settings_for(corpus)
    first = ingest(settings)
    assert first.published
    path = settings.data_dir / "embeddings.sqlite"
    path.write_bytes(b"\x13garbage after a crash" * 1000)
    (corpus / "a.md").write_text(str(_corpus()["a.md"]).replace("weekly", "weekly, on Mondays"),
                                 encoding="utf-8")
    report = ingest(settings)
    assert report.published
    assert any("embedding cache" in n and "started afresh" in n for n in report.notes), report.notes
    assert report.chunks_embedded == report.chunks_total  # recomputed, none read from garbage
    assert sqlite3.connect(path).execute("SELECT count(*) FROM embeddings").fetchone()[0] > 0
    answer = Assistant(settings).ask(QUESTION)
    assert "Mondays" in answer.text and answer.citations[0].doc_id == "a-doc"


# --------------------------------------------------------------------------- feedback database


def test_feedback_db_locked_or_corrupt_fails_one_line_and_answers_continue(
    make_corpus: Callable[..., Path], settings_for: SettingsFor, tmp_path: Path
) -> None:
    corpus = make_corpus(_corpus())
    settings = settings_for(corpus)
    assert ingest(settings).published
    assistant = Assistant(settings)
    answer = assistant.ask(QUESTION)

    locked = tmp_path / "locked.sqlite"
    store = FeedbackStore(locked)
    store.add(answer, 1)
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(FeedbackError) as info:
            store.add(answer, -1, "wrong")
        assert "locked" in str(info.value) and "\n" not in str(info.value)
        _answers_from_alpha(assistant)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(store.list()) == 1  # the lock released, the store works again

    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(os.urandom(8192))
    with pytest.raises(FeedbackError) as info:
        FeedbackStore(corrupt).add(answer, 1)
    assert "not a database" in str(info.value) and "\n" not in str(info.value)
    assert str(corrupt) in str(info.value)
    _answers_from_alpha(assistant)
