"""Incremental, atomic ingestion: plan (:mod:`assistant.planning`), build, verify, publish.

A run never touches the live version.  It builds a complete new version folder (and, in
server mode, a new collection), verifies it, and only then moves the pointer with an atomic
rename.  Killed at any moment, it leaves the previous version serving and debris that the
next run removes.  Unchanged text is never re-embedded: the embedding cache is keyed by the
hash of the text, so even a renamed file costs nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .embedding import Embedder, get_embedder
from .errors import IndexBusy, IndexNotReady, LoadError, StoreUnavailable
from .ingest_report import IngestReport, save_status
from .planning import Plan, plan
from .schema import Chunk, StoreEntry
from .settings import Settings
from .store import (
    ASKS_SUFFIX,
    COMPLETE,
    POINTER,
    ask_collection_name,
    chroma_client,
    collection_name,
    list_versions,
    one_line,
    read_pointer,
    sha256_bytes,
    versions_dir,
    write_atomic,
)
from .text import split_sentences, word_tokens

Progress = Callable[[int, int], None]  # (done, total) chunks embedded or copied


@contextlib.contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """One writer at a time; the OS releases the lock if the holder is killed."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        handle = (settings.data_dir / "ingest.lock").open("a")
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot write data directory {settings.data_dir}: {exc.strerror}"
        ) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise IndexBusy(f"another ingest is running on {settings.data_dir}") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def ingest(
    settings: Settings,
    *,
    dry_run: bool = False,
    strict: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the published index in line with the corpus folder; see the module docstring."""
    started = time.perf_counter()
    if not settings.corpus_dir.is_dir():  # before loading the model, for a quick clear error
        raise LoadError(str(settings.corpus_dir), "corpus folder does not exist")
    embedder = get_embedder(settings)
    with ingest_lock(settings):
        planned = plan(settings, embedder, dry_run)
        report = planned.report
        if strict and (report.failures or report.incomplete):
            report.notes.append(
                "--strict: nothing published because some files failed or lack an "
                "effective date or edition"
            )
        elif not dry_run and (
            report.changed or force or planned.restructured or report.previous_version is None
        ):
            if not planned.chunks:
                report.notes.append("no usable documents: the live index is left as it was")
            else:
                _publish(settings, embedder, planned, progress, started)
                if planned.damaged and planned.damaged != report.version:
                    shutil.rmtree(versions_dir(settings) / planned.damaged, ignore_errors=True)
        if embedder.cache is not None and embedder.cache.repaired:  # found damaged and rebuilt
            report.notes.append(embedder.cache.repaired)
            embedder.cache.repaired = None
        if not dry_run:
            _collect_garbage(settings)
            live = report.version if report.published else report.previous_version
            try:
                save_status(settings, report, live)
            except OSError as exc:
                report.notes.append(f"problem list not saved for the Library page: {exc.strerror}")
    report.seconds = time.perf_counter() - started
    return report


def _publish(
    settings: Settings,
    embedder: Embedder,
    planned: Plan,
    progress: Progress | None,
    started: float,
) -> None:
    """Build, verify and switch to a new version; the saved report carries the run's totals.

    Any failure leaves the live version untouched.

    Whatever goes wrong while building (disk full, a Chroma or SQLite error, the server going
    away), the half-built folder and collection are removed and one StoreUnavailable line
    says why, so no partial version is left behind and the pointer never moves.
    """
    report = planned.report
    # Microseconds keep names in publish order even for runs within one second: garbage
    # collection keeps the newest versions by name.
    version = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S-%f}-{secrets.token_hex(3)}"
    folder = versions_dir(settings) / version
    pointer_path = settings.data_dir / POINTER
    try:
        folder.mkdir(parents=True)
        client = chroma_client(settings, version)
        chunks = planned.chunks
        # Paragraphs and the questions written beside them go to two collections: a search
        # of one kind then needs no metadata filter, which cost Chroma more than the search.
        paragraphs = [c.chroma_entry() for c in chunks]
        asks = question_entries(chunks, settings.glossary_doc_id)
        total = len(paragraphs) + len(asks)
        batch = max(1, min(settings.embed_batch_size * 8, int(client.get_max_batch_size())))
        embedded = []  # paragraphs, then question-search texts, embedded afresh
        for name, entries, done in (
            (collection_name(settings, version), paragraphs, 0),
            (ask_collection_name(settings, version), asks, len(paragraphs)),
        ):
            before = embedder.embedded
            for stored in _store_entries(
                client, embedder, name, version, entries, batch, settings.search_ef
            ):
                if progress:
                    progress(done + stored, total)
            embedded.append(embedder.embedded - before)
        checks = _write_artifacts(folder, version, planned, asks)
        pointer = {
            "version": version,
            "collection": collection_name(settings, version),
            "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "previous": report.previous_version,
            **checks,
        }
        report.version = version
        report.published = True
        report.chunks_embedded, report.questions_embedded = embedded
        report.seconds = time.perf_counter() - started
        write_atomic(folder / "report.json", json.dumps(report.to_json(), indent=1))
        write_atomic(pointer_path, json.dumps(pointer, indent=1))
    except Exception as exc:
        if _pointer_names(pointer_path, version):  # published after all: never undo that
            return
        report.version, report.published = None, False
        _discard(settings, folder, version)
        reason = one_line(exc)
        if isinstance(exc, OSError) and exc.strerror:
            reason = exc.strerror
        raise StoreUnavailable(
            f"cannot write index version in {settings.data_dir}: {reason}; "
            "the live index is unchanged"
        ) from None


def _store_entries(
    client: Any,
    embedder: Embedder,
    name: str,
    version: str,
    entries: list[StoreEntry],
    batch: int,
    search_ef: int,
) -> Iterator[int]:
    """Embed and add (id, text, metadata) entries to a new collection, yielding how many are
    stored after each batch, then count them."""
    from langchain_chroma import Chroma

    store = Chroma(
        client=client,
        collection_name=name,
        embedding_function=embedder,
        collection_metadata={"corpus_version": version},
        collection_configuration={
            "hnsw": {"space": "cosine", "ef_search": search_ef, "ef_construction": 200}
        },
    )
    for start in range(0, len(entries), batch):
        part = entries[start : start + batch]
        store.add_texts(
            [text for _, text, _ in part],
            metadatas=[metadata for _, _, metadata in part],
            ids=[entry_id for entry_id, _, _ in part],
        )
        yield min(start + batch, len(entries))
    stored = store._collection.count()
    if stored != len(entries):
        raise StoreUnavailable(f"version {version}: stored {stored} of {len(entries)} in {name}")


def _pointer_names(pointer_path: Path, version: str) -> bool:
    try:
        return bool(json.loads(pointer_path.read_text(encoding="utf-8")).get("version") == version)
    except (OSError, ValueError, AttributeError):
        return False


def _discard(settings: Settings, folder: Path, version: str) -> None:
    """Remove a version that failed to build: its folder and, in server mode, its collections."""
    shutil.rmtree(folder, ignore_errors=True)
    if settings.server_mode:
        client = chroma_client(settings)
        for name in (collection_name(settings, version), ask_collection_name(settings, version)):
            with contextlib.suppress(Exception):
                client.delete_collection(name)


def question_entries(chunks: list[Chunk], glossary_doc_id: str) -> list[StoreEntry]:
    """The question-search entries: the questions written beside each paragraph, or, for
    a paragraph that has none (a document a maintainer has just added), its own sentences.

    The ranking leans on how close an officer's question is to a paragraph's questions
    (``policy/weights.yaml``).  With the questions of three notes removed, those notes'
    paragraphs came first for 15% of the paragraph questions about them instead of 49%;
    with their sentences standing in, for 24%.  The glossary's one-line entries have a
    search of their own and stand in for nothing.
    """
    entries = []
    for chunk in chunks:
        stand_ins: tuple[str, ...] = ()
        if not chunk.asks and chunk.doc_id != glossary_doc_id:
            stand_ins = tuple(split_sentences(chunk.text))
        entries.extend(chunk.ask_entries(stand_ins))
    return entries


def _write_artifacts(
    folder: Path, version: str, planned: Plan, asks: list[StoreEntry]
) -> dict[str, Any]:
    """Write BM25, chunks, manifest and COMPLETE; return the checks the pointer records."""
    import bm25s

    chunks = planned.chunks
    index = bm25s.BM25()
    index.index([word_tokens(c.keyword_text) or ["\u2205"] for c in chunks], show_progress=False)
    index.save(str(folder / "bm25"), show_progress=False)
    chunks_text = "".join(json.dumps(c.to_record()) + "\n" for c in chunks)
    write_atomic(folder / "chunks.jsonl", chunks_text)
    chunks_sha256 = sha256_bytes(chunks_text.encode("utf-8"))
    documents: dict[str, Any] = {}
    for chunk in chunks:
        documents.setdefault(chunk.doc_id, {"chunks": []})["chunks"].append(chunk.chunk_id)
    for document in planned.documents:
        documents[document.doc_id].update(
            hash=document.content_hash,
            path=document.source_path,
            title=document.meta.title,
            edition=document.meta.edition,
            effective_date=document.meta.effective_date,
            audience=document.meta.audience,
            format=document.format,
            sources=list(document.meta.sources),
            status=document.meta.status,
            warnings=list(document.warnings),
            furniture=list(document.furniture),
        )
    documents.update(planned.kept_entries)
    manifest = {
        "version": version,
        "created_at": planned.report.started_at,
        "chunk_count": len(chunks),
        "ask_count": len(asks),
        "ask_paragraphs": len({entry[2]["of"] for entry in asks}),
        "asks_apart": True,  # questions in their own collection (store.ask_collection_name)
        "chunks_sha256": chunks_sha256,
        "chunking": planned.chunking,
        "documents": documents,
    }
    manifest_text = json.dumps(manifest, indent=1)
    write_atomic(folder / "manifest.json", manifest_text)
    write_atomic(folder / COMPLETE, version)
    return {
        "chunks": len(chunks),
        "chunks_sha256": chunks_sha256,
        "manifest_sha256": sha256_bytes(manifest_text.encode("utf-8")),
    }


def _collect_garbage(settings: Settings) -> None:
    """Drop versions beyond the newest ``keep_versions`` published ones, and killed runs' debris."""
    try:
        pointer = read_pointer(settings)
    except IndexNotReady:
        return
    live = str(pointer["version"]) if pointer else None
    complete = [p.name for p in list_versions(settings) if (p / COMPLETE).exists()]
    keep = set(sorted(complete)[-settings.keep_versions :])
    if live:
        keep.add(live)
    for folder in list_versions(settings):
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)
    if settings.server_mode:
        client = chroma_client(settings)
        for collection in client.list_collections():
            name = collection if isinstance(collection, str) else collection.name
            prefix = f"{settings.collection_prefix}-"
            owner = name.removeprefix(prefix).removesuffix(ASKS_SUFFIX)  # the version it holds
            if name.startswith(prefix) and owner not in keep:
                with contextlib.suppress(Exception):
                    client.delete_collection(name)


__all__ = ["IngestReport", "Plan", "ingest", "ingest_lock", "plan"]
