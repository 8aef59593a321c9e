"""One file to one :class:`Document`: the only place a reader's failure meets the file's name.

Whatever goes wrong, the caller gets a :class:`LoadError` naming the file and one line of
reason, never a half-loaded document; problems that still leave a usable document (a field
missing, a page that needs OCR) travel with it as warnings.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LoadError
from ..schema import Document
from .files import inside, read_sidecar, sidecar_of, source_hash
from .metadata import settle
from .numbering import build_paragraphs
from .registry import FORMATS, LoadOptions, Unreadable
from .sidecar import Sidecar, annotate, parse_sidecar


def load_document(path: Path, corpus_dir: Path, options: LoadOptions | None = None) -> Document:
    """Load one file; raise :class:`LoadError` with a one-line reason if it cannot be used."""
    rel = str(path.relative_to(corpus_dir))
    if not inside(path, corpus_dir.resolve()):
        raise LoadError(rel, "links to a file outside the corpus folder; not read")
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise LoadError(rel, f"unsupported file type '{suffix or '(none)'}'")
    try:
        data = path.read_bytes()
        sidecar_bytes = read_sidecar(path)
    except OSError as exc:
        raise LoadError(rel, f"unreadable: {exc.strerror or exc}") from None
    if not data.strip():
        raise LoadError(rel, "empty file")
    try:
        sidecar = (
            parse_sidecar(sidecar_bytes, sidecar_of(path).name) if sidecar_bytes else Sidecar()
        )
        extracted = fmt.read(data, options or LoadOptions())
        meta, meta_warnings = settle(extracted.fields, sidecar.fields, path)
        paragraphs = annotate(
            build_paragraphs(extracted.blocks, meta.title), sidecar, sidecar_of(path).name
        )
    except Unreadable as exc:
        raise LoadError(rel, exc.reason) from None
    except LoadError:
        raise
    except Exception as exc:  # a parser's own error means a corrupt file
        detail = " ".join(str(exc).split())[:200]
        raise LoadError(
            rel, f"corrupt {suffix[1:]} file ({type(exc).__name__}: {detail})"
        ) from None
    if not paragraphs:
        raise LoadError(rel, "no text found")
    return Document(
        meta=meta,
        source_path=rel,
        format=fmt.name,
        content_hash=source_hash(data, sidecar_bytes),
        paragraphs=tuple(paragraphs),
        warnings=tuple(dict.fromkeys([*sidecar.warnings, *extracted.warnings, *meta_warnings])),
        furniture=tuple(dict.fromkeys(extracted.furniture)),
    )
