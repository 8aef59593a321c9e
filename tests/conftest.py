"""Shared fixtures: the real corpus ingested once per session, and small corpora built per test.

``live_settings`` (session): Settings whose corpus_dir is the repository's real ``corpus/``
(resolved from this file, not the working directory) and whose data_dir is a session tmp dir,
after one real ingest with the bundled model and embedded Chroma.  Treat it as read-only:
tests that ingest again must use their own data dir (``settings_for``).

``make_corpus`` builds a corpus folder from ``{relative path: str | bytes}``;
``settings_for(corpus, data=None, **overrides)`` gives Settings over it with a fresh data dir.
SPO_* environment variables are cleared so a developer's shell cannot change test results.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_CORPUS = ROOT / "corpus"
PYTHON = sys.executable
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
for _name in [n for n in os.environ if n.startswith("SPO_")]:
    del os.environ[_name]

from assistant.embedding import Embedder, get_embedder  # noqa: E402
from assistant.indexing import ingest  # noqa: E402
from assistant.schema import Chunk  # noqa: E402
from assistant.settings import Settings, load_settings  # noqa: E402


@pytest.fixture(scope="session")
def live_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data = tmp_path_factory.mktemp("live-data")
    settings = load_settings(corpus_dir=REAL_CORPUS, data_dir=data)
    report = ingest(settings)
    assert report.published, report.render()
    return settings


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """The bundled model with no cache, for counting tokens and embedding queries."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("embedder-data"))
    return get_embedder(settings, with_cache=False)


CorpusMaker = Callable[..., Path]


@pytest.fixture
def make_corpus(tmp_path: Path) -> CorpusMaker:
    """``make_corpus({"a.md": text, "b.pdf": bytes}, name="corpus")`` -> the folder."""

    def make(files: dict[str, str | bytes], name: str = "corpus") -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        for rel, content in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return folder

    return make


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    """Settings over a corpus folder with a data dir of its own (fresh unless given)."""
    counter = iter(range(1000))

    def make(corpus: Path, data: Path | None = None, **overrides: Any) -> Settings:
        data = data or tmp_path / f"data{next(counter)}"
        return load_settings(corpus_dir=corpus, data_dir=data, **overrides)

    return make


@pytest.fixture
def subprocess_env() -> Iterator[dict[str, str]]:
    """Environment for running ``ingest.py`` in a child process from the repository root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPO_")}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    yield env


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real `chroma run` on a free loopback port for one test; yields the port."""
    from servers import free_port, start_chroma, stop

    port = free_port()
    proc = start_chroma(tmp_path / "chroma-server", port, tmp_path / "chroma.log")
    try:
        yield port
    finally:
        stop(proc)


def make_chunk(doc_id: str, para: str, text: str, kind: str = "") -> Chunk:
    """One paragraph as a chunk, for tests that need no ingest; its hash is its text's, so
    the same text in two places is the same content."""
    return Chunk(
        chunk_id=f"{doc_id}#{para}",
        doc_id=doc_id,
        title="T",
        edition="",
        effective_date="",
        heading_path=("1 H",),
        paragraphs=(para,),
        page=None,
        source_path=f"{doc_id}.md",
        text=text,
        content_hash=f"h-{text}",
        kind=kind,
    )
