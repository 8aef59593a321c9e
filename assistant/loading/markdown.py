"""Markdown notes: YAML front matter, ``#`` headings, and paragraph annotations.

An annotation is a YAML mapping in an HTML comment after a paragraph
(``<!-- {kind: rule, audience: [frontline]} -->``); it becomes that paragraph's notes.
Front-matter fields that are missing or unknown (a misspelt ``efective_date``) load with a
warning naming them, because a silently ignored field is a citation without its date.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import yaml

from ..policy import NOTE_FIELDS, parse_notes
from ..schema import NO_NOTES, Block
from .decoding import decode
from .numbering import PARA_NUMBER
from .registry import Extracted, LoadOptions, Unreadable, reader
from .sidecar import unknown_fields
from .vocabulary import vocabulary

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(fields, body, lines before the body)."""
    if not text.startswith("---"):
        return {}, text, 0
    end = re.search(r"^---\s*$", text[3:], flags=re.MULTILINE)
    if end is None:
        raise Unreadable("front matter opened with '---' at line 1 but never closed")
    raw = text[3 : 3 + end.start()]
    try:
        loaded = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # the YAML text starts just after the opening '---', on line 1 of the file
        where = f" at line {mark.line + 1}" if mark else ""
        raise Unreadable(f"malformed YAML front matter{where}") from None
    if not isinstance(loaded, dict):
        last = raw.count("\n")  # the front matter's last line, before the closing '---'
        raise Unreadable(f"front matter (lines 2-{last}) is not a mapping of fields")
    return loaded, text[3 + end.end() :], text[: 3 + end.end()].count("\n")


def _field_warnings(meta: dict[str, Any]) -> list[str]:
    words = vocabulary()
    warnings = unknown_fields([str(k) for k in meta], words.front_matter_known, "front-matter")
    absent = [f for f in words.front_matter_required if f not in meta]
    if absent:
        warnings.append(f"front matter lacks {', '.join(absent)}")
    return warnings


@reader(".md", ".markdown", format="md")
def read_markdown(data: bytes, options: LoadOptions) -> Extracted:
    meta, text, skipped = _front_matter(decode(data))
    warnings = _field_warnings(meta)
    blocks: list[Block] = []
    buffer: list[str] = []
    comment: list[str] | None = None  # lines of an open <!-- ... --> comment

    def flush() -> None:
        if buffer:
            blocks.append(Block("para", " ".join(buffer)))
            buffer.clear()

    for number, line in enumerate(text.splitlines(), skipped + 1):
        if comment is not None or line.lstrip().startswith("<!--"):
            comment = [*(comment or []), line]
            if "-->" in line:
                flush()
                _attach_notes(blocks, "\n".join(comment), number)
                comment = None
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            title = heading.group(2)
            if level == 1 and "title" not in meta:
                meta["title"] = title
            blocks.append(Block("heading", title, level=level))
        elif not line.strip():
            flush()
        else:
            stripped = line.strip()
            if PARA_NUMBER.match(stripped) or re.match(r"^([-*+]|\d+[.)])\s", stripped):
                flush()
            buffer.append(stripped)
    flush()
    return Extracted(meta, blocks, warnings)


def _attach_notes(blocks: list[Block], comment: str, line: int) -> None:
    """A comment holding a paragraph annotation gives its notes to the paragraph above it.

    Comments that are not annotations (no ``kind``, ``audience`` or ``asks`` field) are
    ordinary comments and are skipped, as a Markdown reader would.
    """
    body = comment.strip().removeprefix("<!--").removesuffix("-->")
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError:
        return
    if not isinstance(data, dict) or not set(data) & set(NOTE_FIELDS):
        return
    target = blocks[-1] if blocks else None
    if target is None or target.kind != "para" or target.notes != NO_NOTES:
        raise Unreadable(f"annotation ending at line {line} does not follow a paragraph")
    try:
        notes = parse_notes(data)
    except ValueError as exc:
        raise Unreadable(f"annotation ending at line {line}: {exc}") from exc
    blocks[-1] = replace(target, notes=notes)
