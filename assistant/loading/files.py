"""Which files in the corpus folder are documents, and what identifies their content.

Maintainers work in the corpus folder with Word and a browser: Word leaves ``~$`` lock files,
a browser's "Save page as" leaves a ``PAGE_files`` folder of scripts, styles and images.
Those are skipped quietly, as are hidden files and the metadata sidecars, which belong to
the document beside them and change its content hash instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from .vocabulary import vocabulary

SIDECAR_SUFFIX = ".meta.yaml"


def sidecar_of(path: Path) -> Path:
    """``guidance.pdf`` -> ``guidance.pdf.meta.yaml``: the maintainer's metadata for it."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every link resolved, lies within the (resolved) folder ``root``."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def _saved_page_assets(folder: Path) -> bool:
    """A browser's asset folder: ``X_files`` beside an ``X.html`` or ``X.htm``."""
    for pattern in vocabulary().saved_page_folders:
        prefix, _, suffix = pattern.partition("{stem}")
        name = folder.name
        if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix):
            stem = name[len(prefix) : len(name) - len(suffix)]
            if any((folder.parent / f"{stem}{ext}").is_file() for ext in (".html", ".htm")):
                return True
    return False


def skipped(path: Path, corpus_dir: Path) -> bool:
    """Whether a file under the corpus folder is not a document (see the module docstring)."""
    rel = path.relative_to(corpus_dir)
    if any(part.startswith((".", "_")) for part in rel.parts):
        return True
    if path.name.endswith(SIDECAR_SUFFIX) or vocabulary().skips_file(path.name):
        return True
    return any(_saved_page_assets(corpus_dir / parent) for parent in rel.parents if parent.parts)


def iter_corpus_files(corpus_dir: Path) -> Iterator[Path]:
    """Every document file under the corpus folder, sorted, so runs are deterministic.

    A symbolic link is followed only when its target is inside the corpus folder too, so a
    link (or a link to a folder) pointing elsewhere can never make ingest read outside it.
    """
    root = corpus_dir.resolve()
    for path in sorted(corpus_dir.rglob("*")):
        if skipped(path, corpus_dir) or not path.is_file() or not inside(path, root):
            continue
        yield path


def orphan_sidecars(corpus_dir: Path) -> list[Path]:
    """Sidecars whose document is not beside them: a renamed file leaves its metadata behind."""
    return sorted(
        path
        for path in corpus_dir.rglob(f"*{SIDECAR_SUFFIX}")
        if not path.name.startswith(".")
        and not path.with_name(path.name.removesuffix(SIDECAR_SUFFIX)).is_file()
    )


def source_hash(data: bytes, sidecar: bytes | None) -> str:
    """The hash that decides whether a document changed: its bytes and its sidecar's."""
    digest = hashlib.sha256(data)
    if sidecar is not None:
        digest.update(b"\x00sidecar\x00")
        digest.update(sidecar)
    return digest.hexdigest()


def read_sidecar(path: Path) -> bytes | None:
    """The sidecar's bytes, or None when the document has none."""
    try:
        return sidecar_of(path).read_bytes()
    except FileNotFoundError:
        return None


def current_hash(path: Path) -> str:
    """:func:`source_hash` of a file on disk, as ingest compares it with the live index."""
    return source_hash(path.read_bytes(), read_sidecar(path))
