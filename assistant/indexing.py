"""Incremental, atomic ingestion: load, diff against the live version, build, publish.

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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .chunking import chunk_document
from .embedding import Embedder, get_embedder
from .errors import IndexBusy, IndexNotReady, LoadError, StoreUnavailable
from .loading import iter_corpus_files, load_document
from .schema import Chunk, Document, DocumentChange
from .settings import Settings
from .store import (
    COMPLETE,
    POINTER,
    chroma_client,
    collection_name,
    list_versions,
    load_verified,
    one_line,
    read_pointer,
    sha256_bytes,
    versions_dir,
    write_atomic,
)
from .text import word_tokens

Progress = Callable[[int, int], None]  # (done, total) chunks embedded or copied


@dataclass
class IngestReport:
    """What a run found and did; rendered for the CLI, saved as JSON for the Library page."""

    version: str | None
    previous_version: str | None
    dry_run: bool
    published: bool = False
    changes: list[DocumentChange] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chunks_total: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    started_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)

    @property
    def changed(self) -> bool:
        return any(c.status not in ("unchanged", "failed") for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IngestReport:
        data = dict(data)
        data["changes"] = [DocumentChange(**c) for c in data.get("changes", [])]
        return cls(**data)

    def render(self) -> str:
        verb = "would publish" if self.dry_run else ("published" if self.published else "kept")
        target = self.version if self.published or self.dry_run else self.previous_version
        lines = [
            f"Ingest {'(dry run) ' if self.dry_run else ''}{verb} version {target or '-'}: "
            f"{self.count('added')} added, {self.count('changed')} changed, "
            f"{self.count('removed')} removed, {self.count('renamed')} renamed, "
            f"{self.count('unchanged')} unchanged, {len(self.failures)} failed; "
            f"{self.chunks_total} chunks, {self.chunks_embedded} embedded, {self.seconds:.1f}s"
        ]
        for change in self.changes:
            if change.status == "unchanged":
                continue
            line = f"  {change.status:<9} {change.doc_id} ({change.path}, {change.chunks} chunks)"
            if change.previous_path:
                line += f" was {change.previous_path}"
            lines.append(line)
            lines.extend(f"      section changed: {s}" for s in change.changed_sections)
        lines.extend(f"  error     {failure}" for failure in self.failures)
        lines.extend(f"  note      {note}" for note in self.notes)
        return "\n".join(lines)


@dataclass
class _Plan:
    documents: list[Document]
    chunks: list[Chunk]
    report: IngestReport
    kept_entries: dict[str, Any]  # manifest entries of live documents whose file now fails
    damaged: str | None = None  # the live version, if its files failed their check


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


def _live(
    settings: Settings, report: IngestReport
) -> tuple[dict[str, Any], list[Chunk], str | None]:
    """The live manifest and chunks, or empty ones (with a note) if none can be used.

    The third value names the live version when its files failed their check, so the run
    can remove it once a sound version is published.
    """
    try:
        pointer = read_pointer(settings)
    except IndexNotReady as exc:
        report.notes.append(f"{exc}: rebuilding from the corpus")
        return {"documents": {}}, [], None
    if pointer is None:
        return {"documents": {}}, [], None
    folder = versions_dir(settings) / str(pointer["version"])
    try:
        manifest, chunks = load_verified(folder, pointer)
    except IndexNotReady as exc:
        report.notes.append(f"{exc}: rebuilding from the corpus")
        return {"documents": {}}, [], str(pointer["version"])
    report.previous_version = str(pointer["version"])
    return manifest, chunks, None


def plan(settings: Settings, embedder: Embedder | None, dry_run: bool) -> _Plan:
    """Load the corpus and work out, document by document, what differs from the live index."""
    report = IngestReport(version=None, previous_version=None, dry_run=dry_run)
    if not settings.corpus_dir.is_dir():
        raise LoadError(str(settings.corpus_dir), "corpus folder does not exist")
    manifest, live_chunks, damaged = _live(settings, report)
    old_docs: dict[str, dict[str, Any]] = manifest.get("documents", {})
    old_by_path = {info["path"]: doc_id for doc_id, info in old_docs.items()}
    count = embedder.count_tokens if embedder else None

    documents: list[Document] = []
    chunks: list[Chunk] = []
    seen_ids: dict[str, str] = {}
    seen_hashes: dict[str, str] = {}
    kept: set[str] = set()
    # Files the live index already holds go first, so a new copy of a file (or a new file
    # reusing a doc_id) is the one reported, not the original it duplicates.
    files = sorted(
        iter_corpus_files(settings.corpus_dir),
        key=lambda p: str(p.relative_to(settings.corpus_dir)) not in old_by_path,
    )
    for path in files:
        rel = str(path.relative_to(settings.corpus_dir))
        try:
            document = load_document(path, settings.corpus_dir)
            if document.content_hash in seen_hashes:
                raise LoadError(rel, f"identical to {seen_hashes[document.content_hash]}")
            if document.doc_id in seen_ids:
                raise LoadError(
                    rel,
                    f"duplicate doc_id '{document.doc_id}' (also in {seen_ids[document.doc_id]})",
                )
        except LoadError as exc:
            report.failures.append(str(exc))
            old_id = old_by_path.get(rel)
            if old_id and old_id not in seen_ids:
                kept.add(old_id)
                report.changes.append(
                    DocumentChange(
                        old_id, "failed", rel, len(old_docs[old_id]["chunks"]), error=exc.reason
                    )
                )
            continue
        seen_ids[document.doc_id] = rel
        seen_hashes[document.content_hash] = rel
        documents.append(document)
        doc_chunks = (
            chunk_document(document, settings.chunk_max_tokens, count)
            if count
            else chunk_document(document, settings.chunk_max_tokens)
        )
        chunks.extend(doc_chunks)
        report.changes.append(
            _compare(document, doc_chunks, old_docs.get(document.doc_id), live_chunks)
        )

    kept_chunks = [c for c in live_chunks if c.doc_id in kept and c.doc_id not in seen_ids]
    chunks.extend(kept_chunks)
    removed = [d for d in old_docs if d not in seen_ids and d not in kept]
    for doc_id in removed:
        info = old_docs[doc_id]
        twin = next(
            (
                c
                for c in report.changes
                if c.status == "added"
                and c.doc_id != doc_id
                and _hash_of(documents, c.doc_id) == info["hash"]
            ),
            None,
        )
        if twin is not None:
            twin.status, twin.previous_path = "renamed", info["path"]
        else:
            report.changes.append(
                DocumentChange(doc_id, "removed", info["path"], len(info["chunks"]))
            )
    report.chunks_total = len(chunks)
    kept_entries = {d: old_docs[d] for d in kept if d not in seen_ids}
    return _Plan(documents, chunks, report, kept_entries, damaged)


def _hash_of(documents: list[Document], doc_id: str) -> str | None:
    return next((d.content_hash for d in documents if d.doc_id == doc_id), None)


def _compare(
    document: Document, chunks: list[Chunk], old: dict[str, Any] | None, live_chunks: list[Chunk]
) -> DocumentChange:
    change = DocumentChange(document.doc_id, "added", document.source_path, len(chunks))
    if old is None:
        return change
    if old["hash"] == document.content_hash:
        change.status = "unchanged" if old["path"] == document.source_path else "renamed"
        change.previous_path = old["path"] if change.status == "renamed" else None
        return change
    change.status = "changed"
    before = {
        _para_key(c): (c.section, c.content_hash)
        for c in live_chunks
        if c.doc_id == document.doc_id
    }
    after = {_para_key(c): (c.section, c.content_hash) for c in chunks}
    sections: dict[str, None] = {}
    for key in before.keys() | after.keys():
        if before.get(key, (None, None))[1] != after.get(key, (None, None))[1]:
            section = (after.get(key) or before[key])[0] or "(no heading)"
            sections.setdefault(section, None)
    change.changed_sections = sorted(sections) or ["(metadata only)"]
    return change


def _para_key(chunk: Chunk) -> tuple[str, ...]:
    return (chunk.para_label or f"{chunk.section}/{chunk.position}", str(chunk.position))


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
        if report.failures and strict:
            report.notes.append("--strict: nothing published because some files failed")
        elif not dry_run and (report.changed or force or report.previous_version is None):
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
    report.seconds = time.perf_counter() - started
    return report


def _publish(
    settings: Settings,
    embedder: Embedder,
    planned: _Plan,
    progress: Progress | None,
    started: float,
) -> None:
    """Build, verify and switch to a new version; the saved report carries the run's totals.

    Any failure leaves the live version untouched.

    Whatever goes wrong while building (disk full, a Chroma or SQLite error, the server going
    away), the half-built folder and collection are removed and one StoreUnavailable line
    says why, so no partial version is left behind and the pointer never moves.
    """
    from langchain_chroma import Chroma

    report = planned.report
    embedded_before = embedder.embedded
    # Microseconds keep names in publish order even for runs within one second: garbage
    # collection keeps the newest versions by name.
    version = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S-%f}-{secrets.token_hex(3)}"
    folder = versions_dir(settings) / version
    pointer_path = settings.data_dir / POINTER
    try:
        folder.mkdir(parents=True)
        client = chroma_client(settings, version)
        store = Chroma(
            client=client,
            collection_name=collection_name(settings, version),
            embedding_function=embedder,
            collection_metadata={"hnsw:space": "cosine", "corpus_version": version},
        )
        chunks = planned.chunks
        batch = max(1, min(settings.embed_batch_size * 8, int(client.get_max_batch_size())))
        for start in range(0, len(chunks), batch):
            part = chunks[start : start + batch]
            store.add_texts(
                [c.embed_text for c in part],
                metadatas=[c.chroma_metadata() for c in part],
                ids=[c.chunk_id for c in part],
            )
            if progress:
                progress(min(start + batch, len(chunks)), len(chunks))
        stored = store._collection.count()
        if stored != len(chunks):
            raise StoreUnavailable(f"version {version}: stored {stored} of {len(chunks)} chunks")
        checks = _write_artifacts(folder, version, planned)
        pointer = {
            "version": version,
            "collection": collection_name(settings, version),
            "published_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "previous": report.previous_version,
            **checks,
        }
        report.version = version
        report.published = True
        report.chunks_embedded = embedder.embedded - embedded_before
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


def _pointer_names(pointer_path: Path, version: str) -> bool:
    try:
        return bool(json.loads(pointer_path.read_text(encoding="utf-8")).get("version") == version)
    except (OSError, ValueError, AttributeError):
        return False


def _discard(settings: Settings, folder: Path, version: str) -> None:
    """Remove a version that failed to build: its folder and, in server mode, its collection."""
    shutil.rmtree(folder, ignore_errors=True)
    if settings.server_mode:
        with contextlib.suppress(Exception):
            chroma_client(settings).delete_collection(collection_name(settings, version))


def _write_artifacts(folder: Path, version: str, planned: _Plan) -> dict[str, Any]:
    """Write BM25, chunks, manifest and COMPLETE; return the checks the pointer records."""
    import bm25s

    chunks = planned.chunks
    index = bm25s.BM25()
    index.index([word_tokens(c.embed_text) or ["\u2205"] for c in chunks], show_progress=False)
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
        )
    documents.update(planned.kept_entries)
    manifest = {
        "version": version,
        "created_at": planned.report.started_at,
        "chunk_count": len(chunks),
        "chunks_sha256": chunks_sha256,
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
            if name.startswith(prefix) and name[len(prefix) :] not in keep:
                with contextlib.suppress(Exception):
                    client.delete_collection(name)
