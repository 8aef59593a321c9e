"""Planning an ingest: load the corpus and work out what differs from the live version.

Nothing here writes: the plan (documents, chunks, and a report of what was added, changed,
renamed, removed or failed, with the changed sections) is what ``--dry-run`` prints and what
:mod:`assistant.indexing` publishes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chunking import chunk_document, estimate_tokens
from .embedding import Embedder
from .errors import IndexNotReady, LoadError
from .ingest_report import IngestReport, chunk_quality
from .loading import (
    LoadOptions,
    current_hash,
    iter_corpus_files,
    load_document,
    missing,
    orphan_sidecars,
)
from .schema import Chunk, Document, DocumentChange, DocumentMeta
from .settings import Settings
from .store import load_verified, read_pointer, versions_dir


@dataclass
class Plan:
    """What an ingest run will publish, worked out before anything is written."""

    documents: list[Document]
    chunks: list[Chunk]
    report: IngestReport
    kept_entries: dict[str, Any]  # manifest entries of live documents whose file now fails
    damaged: str | None = None  # the live version, if its files failed their check
    chunking: dict[str, Any] = field(default_factory=dict)  # see chunking_signature
    restructured: bool = False  # the live version was chunked differently: publish anew


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


def plan(settings: Settings, embedder: Embedder | None, dry_run: bool) -> Plan:
    """Load the corpus and work out, document by document, what differs from the live index."""
    report = IngestReport(version=None, previous_version=None, dry_run=dry_run)
    if not settings.corpus_dir.is_dir():
        raise LoadError(str(settings.corpus_dir), "corpus folder does not exist")
    manifest, live_chunks, damaged = _live(settings, report)
    old_docs: dict[str, dict[str, Any]] = manifest.get("documents", {})
    old_by_path = {info["path"]: doc_id for doc_id, info in old_docs.items()}
    count = embedder.count_tokens if embedder else estimate_tokens
    signature = chunking_signature(settings, embedder)
    live_by_doc: dict[str, list[Chunk]] = {}
    for chunk in live_chunks:
        live_by_doc.setdefault(chunk.doc_id, []).append(chunk)
    reusable = manifest.get("chunking") == signature
    restructured = bool(old_docs) and not reusable
    if restructured:
        report.notes.append("loaders or chunking changed since the live version: re-chunked")
    options = load_options(settings)
    furniture: dict[str, tuple[str, ...]] = {}

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
            document, reused = _unchanged(path, rel, old_docs, old_by_path, live_by_doc, reusable)
            if document is None:
                document = load_document(path, settings.corpus_dir, options)
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
        furniture[document.doc_id] = document.furniture
        report.warnings.extend(f"{rel}: {w}" for w in document.warnings)
        lacking = missing(document.meta)
        if lacking:
            report.incomplete.append(f"{rel}: no {' or '.join(lacking)}")
        doc_chunks = reused or chunk_document(document, settings.chunk_max_tokens, count)
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
            sections = {c.section or "(no heading)" for c in live_by_doc.get(doc_id, [])}
            report.changes.append(
                DocumentChange(
                    doc_id,
                    "removed",
                    info["path"],
                    len(info["chunks"]),
                    removed_sections=sorted(sections),
                )
            )
    report.chunks_total = len(chunks)
    for sidecar in orphan_sidecars(settings.corpus_dir):
        where = sidecar.relative_to(settings.corpus_dir)
        report.warnings.append(
            f"{where}: no document {sidecar.name.removesuffix('.meta.yaml')} beside it"
        )
    for doc_id in kept:
        furniture[doc_id] = tuple(old_docs[doc_id].get("furniture", ()))
    report.quality = chunk_quality(chunks, furniture)
    kept_entries = {d: old_docs[d] for d in kept if d not in seen_ids}
    return Plan(documents, chunks, report, kept_entries, damaged, signature, restructured)


def chunking_signature(settings: Settings, embedder: Embedder | None) -> dict[str, Any]:
    """What chunk boundaries depend on; live chunks are reused only while it is unchanged."""
    return {
        "chunk_max_tokens": settings.chunk_max_tokens,
        "tokenizer": embedder.name if embedder else "estimate",
        "structure": STRUCTURE_VERSION,
    }


# Raised whenever loaders or the chunker find structure differently, so unchanged files are
# read again (their text is still served from the embedding cache when it did not move).
STRUCTURE_VERSION = 3


def load_options(settings: Settings) -> LoadOptions:
    return LoadOptions(
        ocr=settings.ocr, ocr_language=settings.ocr_language, ocr_dpi=settings.ocr_dpi
    )


def _unchanged(
    path: Path,
    rel: str,
    old_docs: dict[str, dict[str, Any]],
    old_by_path: dict[str, str],
    live_by_doc: dict[str, list[Chunk]],
    reusable: bool,
) -> tuple[Document | None, list[Chunk] | None]:
    """A file whose bytes match the live version's: its document and chunks, without parsing.

    Re-reading and re-chunking every unchanged file made a one-document change cost a large
    share of a full rebuild; a content hash is enough to know nothing in it moved.
    """
    doc_id = old_by_path.get(rel)
    if not reusable or doc_id is None or doc_id not in live_by_doc:
        return None, None
    entry = old_docs[doc_id]
    try:
        digest = current_hash(path)
    except OSError:
        return None, None  # load_document reports the problem in its own words
    if digest != entry.get("hash"):
        return None, None
    meta = DocumentMeta(
        doc_id=doc_id,
        title=entry["title"],
        audience=entry.get("audience", "all"),
        edition=entry.get("edition", ""),
        effective_date=entry.get("effective_date", ""),
        status=entry.get("status", ""),
        sources=tuple(entry.get("sources", ())),
    )
    document = Document(
        meta,
        rel,
        entry.get("format", path.suffix.lstrip(".")),
        digest,
        (),
        warnings=tuple(entry.get("warnings", ())),
        furniture=tuple(entry.get("furniture", ())),
    )
    return document, sorted(live_by_doc[doc_id], key=lambda c: c.position)


def _hash_of(documents: list[Document], doc_id: str) -> str | None:
    return next((d.content_hash for d in documents if d.doc_id == doc_id), None)


def _compare(
    document: Document, chunks: list[Chunk], old: dict[str, Any] | None, live_chunks: list[Chunk]
) -> DocumentChange:
    change = DocumentChange(document.doc_id, "added", document.source_path, len(chunks))
    if old is None:
        change.added_sections = sorted({c.section or "(no heading)" for c in chunks})
        return change
    if old["hash"] == document.content_hash:
        change.status = "unchanged" if old["path"] == document.source_path else "renamed"
        change.previous_path = old["path"] if change.status == "renamed" else None
        return change
    change.status = "changed"
    old_chunks = [c for c in live_chunks if c.doc_id == document.doc_id]
    before = {_para_key(c): (c.section, c.content_hash) for c in old_chunks}
    after = {_para_key(c): (c.section, c.content_hash) for c in chunks}
    sections: dict[str, None] = {}
    for key in before.keys() | after.keys():
        if before.get(key, (None, None))[1] != after.get(key, (None, None))[1]:
            section = (after.get(key) or before[key])[0] or "(no heading)"
            sections.setdefault(section, None)
    old_sections = {c.section or "(no heading)" for c in old_chunks}
    new_sections = {c.section or "(no heading)" for c in chunks}
    change.added_sections = sorted(new_sections - old_sections)
    change.removed_sections = sorted(old_sections - new_sections)
    change.changed_sections = sorted(s for s in sections if s in old_sections and s in new_sections)
    if not (change.added_sections or change.removed_sections or change.changed_sections):
        change.changed_sections = ["(metadata only)"]
    return change


def _para_key(chunk: Chunk) -> tuple[str, ...]:
    return (chunk.para_label or f"{chunk.section}/{chunk.position}", str(chunk.position))
