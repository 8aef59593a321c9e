"""Settle a document's metadata: the sidecar's word over the document's, and no guessing.

Effective date and edition are what an officer checks a citation against, so they come only
from the document's own text or properties or from the maintainer's sidecar, never from the
file's time on disk; a document without them loads, and is flagged (see :func:`missing`).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..schema import DocumentMeta
from .docinfo import parse_date
from .registry import Unreadable
from .vocabulary import vocabulary

_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
FLAGGED_FIELDS = ("effective_date", "edition")


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._") or "document"


def settle(
    found: dict[str, Any], sidecar: dict[str, Any], path: Path
) -> tuple[DocumentMeta, list[str]]:
    """The document's metadata and the warnings a maintainer should act on."""
    fields = {**{k: v for k, v in found.items() if v not in (None, "")}, **sidecar}
    warnings: list[str] = []
    doc_id = str(fields.get("doc_id") or _slug(path.stem))
    if not _DOC_ID.match(doc_id):
        raise Unreadable(f"invalid doc_id {doc_id!r} (use a-z, 0-9, '.', '_', '-')")
    title = " ".join(str(fields.get("title") or "").split())
    if not title or vocabulary().is_junk_title(title) or vocabulary().is_marking(title):
        title = path.stem.replace("-", " ").replace("_", " ").strip().title()
        warnings.append(f"no title found in the document; using the file name ({title})")
    effective = ""
    if fields.get("effective_date"):
        effective = parse_date(fields["effective_date"]) or ""
        if not effective:
            warnings.append(f"effective date {fields['effective_date']!r} is not a date; ignored")
    sources = fields.get("sources") or ()
    if isinstance(sources, str):
        sources = [line.strip() for line in re.split(r"[\n;]", sources) if line.strip()]
    meta = DocumentMeta(
        doc_id=doc_id,
        title=title,
        audience=str(fields.get("audience") or "all"),
        edition=str(fields.get("edition") or ""),
        effective_date=effective,
        status=str(fields.get("status") or ""),
        sources=tuple(str(s) for s in sources),
    )
    return meta, warnings


def missing(meta: dict[str, Any] | DocumentMeta) -> list[str]:
    """Citation fields a document lacks ("effective date", "edition"), for flags and --strict."""
    values = meta if isinstance(meta, dict) else asdict(meta)
    return [name.replace("_", " ") for name in FLAGGED_FIELDS if not values.get(name)]
