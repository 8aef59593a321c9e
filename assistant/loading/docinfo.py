"""Metadata a document states in its own text: "Version 2.1", "Effective from 1 May 2026".

Word policies carry a document-control table, briefings an "Issued:" line and PDFs a cover
page; these, not the file's dates on disk or a template's "created" property, say which
edition a citation quotes.  The labels are data (``metadata_labels`` in documents.yaml).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from .vocabulary import vocabulary

_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
_MONTH_FORMATS = ("%B %Y", "%b %Y")
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)


def parse_date(value: object) -> str | None:
    """An ISO date ("2026-05-01"), or year-month ("2026-05") when only a month is given."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _ORDINAL.sub("", " ".join(str(value).replace(",", " ").split()))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    for fmt in _MONTH_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).strftime("%Y-%m")
        except ValueError:
            continue
    return None


_DATE_IN_TEXT = re.compile(
    r"\b(\d{1,2}(?:st|nd|rd|th)? [A-Za-z]{3,9},? \d{4}|\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{4}"
    r"|[A-Za-z]{3,9} \d{4})\b"
)


def _value_for(field: str, raw: str) -> str | None:
    value = raw.strip(" :-\u2013\u2014\t|")
    if not value:
        return None
    if field == "effective_date":
        found = _DATE_IN_TEXT.search(value)
        return parse_date(found.group(1)) if found else None
    if field == "edition":
        word = value.split()[0].rstrip(".,;")
        return word if re.fullmatch(r"[\w.\-/]{1,20}", word) else None
    return " ".join(value.split())[:200]


def label_value(label: str, value: str) -> tuple[str, str] | None:
    """(field, value) when ``label`` introduces a metadata field, as in a table row."""
    key = " ".join(label.lower().split()).rstrip(":")
    for field, labels in vocabulary().labels.items():
        if key in labels:
            found = _value_for(field, value)
            if found:
                return field, found
    return None


def line_field(line: str) -> tuple[str, str] | None:
    """(field, value) when a short line states a metadata field ("Version: 2.1")."""
    text = " ".join(line.split())
    if len(text) > 120:
        return None
    lowered = text.lower()
    for field, labels in vocabulary().labels.items():
        for label in sorted(labels, key=len, reverse=True):
            if lowered.startswith(label) and (
                len(text) == len(label) or not text[len(label)].isalnum()
            ):
                found = _value_for(field, text[len(label) :])
                if found:
                    return field, found
    return None


def fields_in(lines: Iterable[str]) -> dict[str, str]:
    """The first value of each field stated by the given lines."""
    found: dict[str, str] = {}
    for line in lines:
        hit = line_field(line)
        if hit and hit[0] not in found:
            found[hit[0]] = hit[1]
    return found
