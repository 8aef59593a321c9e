"""One registry of formats, so adding a format is one module with one decorated function.

A reader gets the file's bytes and the load options and returns what it found: metadata
fields, blocks, warnings and the furniture it removed.  It knows nothing of paths: it raises
:class:`Unreadable` with a reason, and :func:`assistant.loading.load_document` attaches the
file's name once, where the error leaves the loader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..schema import Block


class Unreadable(Exception):
    """A reader cannot use the file; ``reason`` is one line for the maintainer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LoadOptions:
    """What a reader may need beyond the bytes; built from Settings by the caller."""

    ocr: bool = True
    ocr_language: str = "eng"
    ocr_dpi: int = 300


@dataclass
class Extracted:
    """A reader's findings, before numbering is read and metadata is settled."""

    fields: dict[str, Any] = field(default_factory=dict)  # doc_id, title, edition, ...
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)  # running headers, footers removed


Reader = Callable[[bytes, LoadOptions], Extracted]


@dataclass(frozen=True)
class Format:
    name: str  # md, txt, html, pdf, docx
    suffixes: tuple[str, ...]
    read: Reader


FORMATS: dict[str, Format] = {}  # by suffix, lower case with the dot


def reader(*suffixes: str, format: str) -> Callable[[Reader], Reader]:
    """Register ``read`` for ``suffixes``; a suffix claimed twice is a programming error."""

    def register(read: Reader) -> Reader:
        entry = Format(format, tuple(suffixes), read)
        for suffix in suffixes:
            if suffix in FORMATS:
                raise RuntimeError(f"suffix {suffix} registered twice")
            FORMATS[suffix] = entry
        return read

    return register


def formats() -> list[Format]:
    """Every registered format once, in registration order."""
    return list({f.name: f for f in FORMATS.values()}.values())
