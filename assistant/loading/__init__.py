"""Loaders: turn one corpus file of any supported format into a :class:`Document`.

One module per format registers a reader (:func:`registry.reader`) that finds blocks
(headings, paragraphs, list items, table rows) and metadata in the file's bytes; one shared
builder (:mod:`.numbering`) reads numbering into heading paths and paragraph numbers, so
every format is cited the same way; :func:`load_document` adds the maintainer's sidecar and
turns any failure into a :class:`LoadError` naming the file.
"""

from __future__ import annotations

from . import docx, html, markdown, pdf, plaintext  # noqa: F401  (each registers its reader)
from .document import load_document
from .files import (
    current_hash,
    inside,
    iter_corpus_files,
    orphan_sidecars,
    sidecar_of,
    source_hash,
)
from .metadata import missing
from .numbering import build_paragraphs
from .registry import FORMATS, Extracted, LoadOptions, Unreadable, formats, reader

SUPPORTED_SUFFIXES = tuple(FORMATS)

__all__ = [
    "FORMATS",
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "LoadOptions",
    "Unreadable",
    "build_paragraphs",
    "current_hash",
    "formats",
    "inside",
    "iter_corpus_files",
    "load_document",
    "missing",
    "orphan_sidecars",
    "reader",
    "sidecar_of",
    "source_hash",
]
