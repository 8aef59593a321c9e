"""The maintainer's metadata file beside a document: ``guidance.pdf.meta.yaml``.

A gov.uk PDF or a force's Word policy often does not state its edition or effective date in a
form a loader can read, and its file properties are a tool's or a template's.  The sidecar is
where a maintainer says what a citation should say, and annotates paragraphs by number the
way a Markdown note does in its comments::

    title: Statutory guidance on protection orders
    edition: "2024-04"
    effective_date: 2024-04-22
    paragraphs:
      "14": {kind: rule, audience: [frontline], asks: [when can we apply?]}
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from ..policy import parse_notes
from ..schema import NO_NOTES, Paragraph, ParagraphNotes
from .registry import Unreadable

FIELDS = ("doc_id", "title", "audience", "edition", "effective_date", "status", "sources")


@dataclass
class Sidecar:
    fields: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, ParagraphNotes] = field(default_factory=dict)  # paragraph number -> notes
    warnings: list[str] = field(default_factory=list)


def unknown_fields(found: list[str], known: tuple[str, ...], where: str) -> list[str]:
    """One warning per unknown field, with the known field it most resembles."""
    warnings = []
    for name in found:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"
        warnings.append(f"unknown {where} field '{name}'{hint}; ignored")
    return warnings


def parse_sidecar(data: bytes, name: str) -> Sidecar:
    """Read a sidecar; malformed YAML or a bad annotation is an error naming the sidecar."""
    try:
        loaded = yaml.safe_load(data.decode("utf-8-sig")) or {}
    except UnicodeDecodeError:
        raise Unreadable(f"sidecar {name}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise Unreadable(f"sidecar {name}: malformed YAML{where}") from None
    if not isinstance(loaded, dict):
        raise Unreadable(f"sidecar {name}: must be a mapping of fields")
    sidecar = Sidecar(
        fields={k: v for k, v in loaded.items() if k in FIELDS and v not in (None, "")},
        warnings=unknown_fields(
            [str(k) for k in loaded], (*FIELDS, "paragraphs"), f"sidecar {name}"
        ),
    )
    paragraphs = loaded.get("paragraphs") or {}
    if not isinstance(paragraphs, dict):
        raise Unreadable(f"sidecar {name}: paragraphs must map paragraph numbers to notes")
    for number, notes in paragraphs.items():
        if not isinstance(notes, dict):
            raise Unreadable(f"sidecar {name}: paragraph {number}: notes must be a mapping")
        try:
            sidecar.notes[str(number)] = parse_notes(notes)
        except ValueError as exc:
            raise Unreadable(f"sidecar {name}: paragraph {number}: {exc}") from None
    return sidecar


def annotate(paragraphs: list[Paragraph], sidecar: Sidecar, name: str) -> list[Paragraph]:
    """Give each numbered paragraph its sidecar notes; a number the document lacks is an error,
    so a typo never drops an annotation silently."""
    if not sidecar.notes:
        return paragraphs
    numbers = {p.number for p in paragraphs if p.number}
    missing = [n for n in sidecar.notes if n not in numbers]
    if missing:
        raise Unreadable(f"sidecar {name}: no paragraph {missing[0]} in the document")
    out = []
    for para in paragraphs:
        notes = sidecar.notes.get(para.number or "")
        if notes is not None and para.notes != NO_NOTES:
            raise Unreadable(
                f"sidecar {name}: paragraph {para.number} is already annotated in the document"
            )
        out.append(replace(para, notes=notes) if notes is not None else para)
    return out
