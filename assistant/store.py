"""The published index: version folders, the pointer that names the live one, and readers.

Layout under ``data_dir``::

    CURRENT.json                 pointer to the live version, replaced by atomic rename
    versions/<version>/          one complete, immutable index version
        chroma/                  embedded Chroma (server mode keeps vectors on the server)
        bm25/                    keyword index over the same chunks
        chunks.jsonl             every chunk with its citation metadata
        manifest.json            per-document content hashes and chunk ids
        COMPLETE                 written last; a folder without it is debris from a killed run
    embeddings.sqlite            content-addressed embedding cache
    ingest.lock                  held by the one ingest run allowed at a time

A reader opens the version the pointer names and keeps it for its whole life, so it sees one
corpus version from start to finish: never a mix, never an empty index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexNotReady, StoreUnavailable
from .schema import Chunk
from .settings import Settings
from .text import word_tokens

POINTER = "CURRENT.json"
COMPLETE = "COMPLETE"


def versions_dir(settings: Settings) -> Path:
    return settings.data_dir / "versions"


def collection_name(settings: Settings, version: str) -> str:
    return f"{settings.collection_prefix}-{version}"


ASKS_SUFFIX = "-asks"


def ask_collection_name(settings: Settings, version: str) -> str:
    """The collection of the questions written beside each paragraph of ``version``."""
    return collection_name(settings, version) + ASKS_SUFFIX


def one_line(exc: BaseException) -> str:
    """An exception as one short line for a message (Chroma and httpx errors can be long)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def chroma_client(settings: Settings, version: str | None = None) -> Any:
    """A Chroma client with telemetry off: per version on disk, or the configured server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.server_mode:
            return chromadb.HttpClient(
                host=str(settings.chroma_host), port=settings.chroma_port, settings=chroma_settings
            )
        assert version is not None, "embedded Chroma lives inside a version folder"
        path = versions_dir(settings) / version / "chroma"
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        where = (
            f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
            if settings.server_mode
            else f"Chroma store in {settings.data_dir}"
        )
        raise StoreUnavailable(f"cannot open {where}: {one_line(exc)}") from None


def read_pointer(settings: Settings) -> dict[str, Any] | None:
    """The live pointer, or None if nothing is published; a damaged one raises IndexNotReady."""
    path = settings.data_dir / POINTER
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreUnavailable(f"cannot read {path}: {exc.strerror}") from None
    try:
        pointer = json.loads(raw)
        version = pointer["version"]
    except (ValueError, KeyError, TypeError):
        raise IndexNotReady(f"index pointer {path} is corrupt; run ingest to rebuild") from None
    if not (versions_dir(settings) / str(version) / COMPLETE).exists():
        raise IndexNotReady(
            f"index pointer {path} names version {version}, which is missing or incomplete; "
            "run ingest to rebuild"
        )
    return dict(pointer)


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see either the old or the new content, even after kill -9."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_verified(version_dir: Path, pointer: dict[str, Any]) -> tuple[dict[str, Any], list[Chunk]]:
    """The manifest and chunks of a version, checked against what its publisher recorded.

    The pointer (and the manifest) carry the chunk count and the SHA-256 of ``chunks.jsonl``
    and ``manifest.json``, so a file truncated or altered after publishing (a crash of the
    disk, a hand edit) is detected instead of serving a silently smaller index.  Pointers
    written before these fields existed are checked only by parsing.
    """
    version = str(pointer.get("version", version_dir.name))

    def damaged(what: str) -> IndexNotReady:
        return IndexNotReady(f"index version {version} is damaged ({what}); run ingest to rebuild")

    try:
        chunks_raw = (version_dir / "chunks.jsonl").read_bytes()
        manifest_raw = (version_dir / "manifest.json").read_bytes()
    except OSError as exc:
        raise damaged(
            f"cannot read {Path(exc.filename or '').name or 'a file'}: {exc.strerror}"
        ) from None
    if pointer.get("manifest_sha256") and sha256_bytes(manifest_raw) != pointer["manifest_sha256"]:
        raise damaged("manifest.json does not match its recorded checksum")
    try:
        manifest = dict(json.loads(manifest_raw.decode("utf-8")))
    except (ValueError, TypeError) as exc:
        raise damaged(f"manifest.json is not valid JSON: {one_line(exc)}") from None
    expected = pointer.get("chunks_sha256") or manifest.get("chunks_sha256")
    if expected and sha256_bytes(chunks_raw) != expected:
        raise damaged("chunks.jsonl does not match its recorded checksum (truncated or altered)")
    try:
        chunks = [
            Chunk.from_record(json.loads(line))
            for line in chunks_raw.decode("utf-8").splitlines()
            if line.strip()
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise damaged(f"chunks.jsonl is not valid: {one_line(exc)}") from None
    count = pointer.get("chunks", manifest.get("chunk_count"))
    if count is not None and len(chunks) != int(count):
        raise damaged(f"chunks.jsonl holds {len(chunks)} chunks, {count} were published")
    return manifest, chunks


def load_chunks(version_dir: Path) -> list[Chunk]:
    with (version_dir / "chunks.jsonl").open(encoding="utf-8") as handle:
        return [Chunk.from_record(json.loads(line)) for line in handle if line.strip()]


@dataclass
class IndexSnapshot:
    """One published version, opened for reading: chunks, dense and keyword search."""

    settings: Settings
    version: str
    pointer: dict[str, Any]
    manifest: dict[str, Any]
    chunks: list[Chunk]
    by_id: dict[str, Chunk] = field(init=False)
    asks_per_paragraph: int = field(init=False)  # rounded up, over paragraphs that have asks
    _vectors: tuple[Any, Any] = field(init=False, repr=False)  # paragraphs, questions
    _bm25: Any = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        import bm25s

        self.by_id = {c.chunk_id: c for c in self.chunks}
        with_asks = int(self.manifest.get("ask_paragraphs", 0)) or sum(
            1 for c in self.chunks if c.asks
        )
        with_asks = with_asks or 1
        self.asks_per_paragraph = math.ceil(int(self.manifest.get("ask_count", 0)) / with_asks)
        folder = versions_dir(self.settings) / self.version
        try:
            self._bm25 = bm25s.BM25.load(str(folder / "bm25"), load_corpus=False)
        except Exception as exc:
            raise IndexNotReady(
                f"index version {self.version} is damaged (keyword index: {one_line(exc)}); "
                "run ingest to rebuild"
            ) from None
        self._vectors = self._open_vectors()

    def _open_vectors(self) -> tuple[Any, Any]:
        """The version's paragraph and question collections, read by vector only.

        Versions built before the questions had their own collection hold both in one, told
        apart by the ``entry`` metadata; for those the second handle is the first.
        """
        client = chroma_client(self.settings, self.version)
        names = [collection_name(self.settings, self.version)]
        if self.manifest.get("asks_apart"):
            names.append(ask_collection_name(self.settings, self.version))
        handles = []
        for name in names:
            try:
                handles.append(client.get_collection(name=name, embedding_function=None))
            except Exception as exc:
                raise StoreUnavailable(f"cannot open collection {name}: {one_line(exc)}") from None
        return handles[0], handles[-1]

    @property
    def corpus_version(self) -> str:
        return self.version

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the nearest paragraphs, best first."""
        return self.dense_searches(vector[np.newaxis], k)[0]

    def dense_searches(self, vectors: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """``dense_search`` for each row of ``vectors``, in one round trip to Chroma."""
        return self._search(vectors, min(k, len(self.chunks)), asks=False)

    def ask_search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` paragraphs with the nearest questions.

        A paragraph with several close questions appears once, with its best one.  As many
        questions are read as ``k`` paragraphs hold on average, so writing more questions
        beside each paragraph does not narrow the search to fewer paragraphs.
        """
        return self.ask_searches(vector[np.newaxis], k)[0]

    def ask_searches(self, vectors: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """``ask_search`` for each row of ``vectors``, in one round trip to Chroma."""
        count = int(self.manifest.get("ask_count", 0))
        if not count:
            return [[] for _ in vectors]
        rows = min(count, k * self.asks_per_paragraph)
        found = []
        for hits in self._search(vectors, rows, asks=True):
            best: dict[str, float] = {}
            for ask_id, score in hits:
                chunk_id = ask_id.rsplit("?ask", 1)[0]
                best[chunk_id] = max(score, best.get(chunk_id, -1.0))
            found.append(sorted(best.items(), key=lambda hit: -hit[1])[:k])
        return found

    def _search(self, vectors: np.ndarray, k: int, asks: bool) -> list[list[tuple[str, float]]]:
        """Ids and cosines only: Chroma reading back each hit's text and metadata cost
        most of a search, and the chunks are already in memory."""
        mixed = "ask_count" in self.manifest and not self.manifest.get("asks_apart")
        where = {"entry": "ask" if asks else "chunk"} if mixed else None
        query = {
            "query_embeddings": vectors.tolist(),
            "n_results": k,
            "where": where,
            "include": ["distances"],
        }
        try:
            result = self._vectors[1 if asks else 0].query(**query)
        except Exception as first:
            # A Chroma server that restarted (or came back) needs a fresh client and
            # collection handle: reopen once, so the same reader recovers by itself.
            try:
                with self._lock:
                    self._vectors = self._open_vectors()
                result = self._vectors[1 if asks else 0].query(**query)
            except Exception as exc:
                reason = exc if isinstance(exc, StoreUnavailable) else first
                raise StoreUnavailable(f"vector search failed: {one_line(reason)}") from None
        return [
            [(str(i), 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]
            for ids, distances in zip(result["ids"], result["distances"], strict=True)
        ]

    def keyword_search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = word_tokens(query)
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return []
        k = min(k, len(self.chunks))
        with self._lock:
            ids, scores = self._bm25.retrieve([known], k=k, show_progress=False)
        return [
            (self.chunks[int(i)].chunk_id, float(s))
            for i, s in zip(ids[0], scores[0], strict=True)
            if s > 0
        ]


def _require_pointer(settings: Settings) -> dict[str, Any]:
    pointer = read_pointer(settings)
    if pointer is None:
        raise IndexNotReady(f"no index published in {settings.data_dir}; run `python ingest.py`")
    return pointer


def open_snapshot(settings: Settings, pointer: dict[str, Any] | None = None) -> IndexSnapshot:
    """Open the live version (or the one ``pointer`` names); IndexNotReady if none is usable."""
    pointer = pointer or _require_pointer(settings)
    version = str(pointer["version"])
    manifest, chunks = load_verified(versions_dir(settings) / version, pointer)
    return IndexSnapshot(settings, version, pointer, manifest, chunks)


_snapshots: dict[tuple[Settings, str], IndexSnapshot] = {}
_snapshots_lock = threading.Lock()


def live_snapshot(settings: Settings) -> IndexSnapshot:
    """The live version, reopened only when the pointer moves (cheap to call per question).

    The previous snapshot is kept too, so a conversation that started on it can finish.
    """
    pointer = _require_pointer(settings)
    key = (settings, str(pointer["version"]))
    with _snapshots_lock:
        snapshot = _snapshots.get(key)
        if snapshot is None:
            snapshot = open_snapshot(settings, pointer)
            _snapshots[key] = snapshot
            for old in [k for k in _snapshots if k[0] == settings][:-2]:
                del _snapshots[old]
        return snapshot


def list_versions(settings: Settings) -> Iterator[Path]:
    folder = versions_dir(settings)
    if folder.exists():
        yield from sorted(p for p in folder.iterdir() if p.is_dir())
