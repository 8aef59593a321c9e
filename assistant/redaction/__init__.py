"""Personal details in a question: found and replaced by placeholders before anything keeps it.

Officers paste case details however often they are told not to; the redacted text is the
only form of a question that retrieval, answers, feedback and logs ever see.
"""

from __future__ import annotations

import functools
import re

# Personal details, most specific first so a date is not read as a phone number.
_PII: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (
        "date of birth",
        re.compile(r"\b(?:DOB|d\.o\.b\.?|born)\s*:?\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b", re.I),
    ),
    ("date", re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}\b")),
    (
        "phone number",
        re.compile(
            r"(?<!\w)(?:\+44\s?7\d{3}|\(?07\d{3}\)?|\+44\s?\(?0?\)?\d{2,4}|0\d{2,4})[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\w)"
        ),
    ),
    ("postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I)),
    (
        "address",
        re.compile(
            r"\b\d{1,4}[a-z]?\s+(?:[A-Z][a-z]+\s){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Court|Crescent|Place|Gardens|Terrace|Grove|Hill)\b"
        ),
    ),
    (
        "name",
        re.compile(
            r"\b(?:[Vv]ictim|[Ss]uspect|AP|[Ss]ubject|[Ww]itness|[Dd]efendant|[Rr]espondent|[Mm]y suspect|[Hh]er ex|[Hh]is ex)(?:\s+(?:is|called|named))?[\s,:]+(?:Mr|Mrs|Ms|Miss|Dr)?\.?\s*([A-Z][a-z]+(?:\s+[A-Z][a-z'-]+){1,2})\b"
        ),
    ),
    (
        "crime reference",
        re.compile(
            r"\b(?:crime\s+ref(?:erence)?|CAD|URN)\s*(?:no\.?|number)?\s*:?\s*[\w/-]*\d[\w/-]*",
            re.I,
        ),
    ),
)


def redact(text: str) -> tuple[str, list[str]]:
    """Replace personal details with ``[kind removed]``; return the text and the kinds found."""
    kinds: list[str] = []
    for kind, pattern in _PII:
        text, count = pattern.subn(functools.partial(_placeholder, kind=kind), text)
        if count:
            kinds.append(kind)
    return text, kinds


def _placeholder(match: re.Match[str], kind: str) -> str:
    if kind == "name" and match.lastindex:
        start, end = match.span(1)
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + "[name removed]" + whole[end - offset :]
    return f"[{kind} removed]"
