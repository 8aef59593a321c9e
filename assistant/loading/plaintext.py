"""Plain text: notes and e-mailed briefings.

A briefing pasted from e-mail starts with its protective marking ("OFFICIAL") and the mail's
headers; neither is the title or guidance.  The marking is dropped wherever it stands, the
``Subject:`` header is the fallback title, and "Issued:"/"Version:" lines become metadata.
"""

from __future__ import annotations

import re

from ..schema import Block
from .decoding import decode
from .docinfo import line_field
from .numbering import PARA_NUMBER, looks_like_heading
from .registry import Extracted, LoadOptions, reader
from .vocabulary import vocabulary

_BULLET = re.compile(r"^\s*([-*\u2022\u25aa\u25cf\u2013o])\s+(?=\S)")
_SIMPLE_NUMBER = re.compile(r"^\s*(\d{1,3})[.)]\s+(?=\S)")
_HEADER = re.compile(r"^([A-Za-z][A-Za-z -]{0,20}):\s*(.*)$")
_METADATA_ZONE = 12  # blocks from the top where "Issued:"-style lines are metadata


def _email_headers(lines: list[str]) -> tuple[dict[str, str], int]:
    """Leading ``Name: value`` lines that are mail headers, and how many lines they take."""
    headers: dict[str, str] = {}
    known = vocabulary().email_headers
    for count, line in enumerate(lines):
        match = _HEADER.match(line.strip())
        if not line.strip():
            if headers:
                return headers, count
            continue
        if match is None or match.group(1).lower() not in known:
            return headers, count if headers else 0
        headers[match.group(1).lower()] = match.group(2).strip()
    return headers, len(lines)


def _is_title(line: str) -> bool:
    return len(line.split()) <= 20 and not line.endswith((".", ":", ";"))


@reader(".txt", format="txt")
def read_text(data: bytes, options: LoadOptions) -> Extracted:
    words = vocabulary()
    lines = [line for line in decode(data).splitlines() if not words.is_marking(line)]
    headers, consumed = _email_headers(lines)
    extracted = Extracted()
    fields = extracted.fields
    blocks = extracted.blocks
    for index, chunk in enumerate(re.split(r"\n\s*\n", "\n".join(lines[consumed:]))):
        raw_lines = [line for line in chunk.splitlines() if line.strip()]
        line = " ".join(chunk.split())
        if not line:
            continue
        if index < _METADATA_ZONE and len(raw_lines) <= 3:
            found = [line_field(r) for r in raw_lines]
            if all(found):
                for field, value in (f for f in found if f):
                    fields.setdefault(field, value)
                continue
        if "title" not in fields and not blocks and _is_title(line):
            fields["title"] = line
            blocks.append(Block("heading", line, level=1))
        elif looks_like_heading(line) and not PARA_NUMBER.match(line):
            blocks.append(Block("heading", line, level=2))
        elif len(line.split()) <= 8 and line.isupper():
            blocks.append(Block("heading", line.title(), level=2))
        else:
            blocks.extend(_paragraph_blocks(raw_lines))
    if "title" not in fields and headers.get("subject"):
        fields["title"] = re.sub(r"^(re|fw|fwd):\s*", "", headers["subject"], flags=re.I)
    return extracted


def _paragraph_blocks(lines: list[str]) -> list[Block]:
    """One block of text lines: a paragraph, with any bullet lines as list items after it."""
    blocks: list[Block] = []
    for line in lines:
        bullet = _BULLET.match(line)
        numbered = _SIMPLE_NUMBER.match(line)
        if bullet:
            blocks.append(Block("item", f"\u2022 {line[bullet.end() :].strip()}"))
        elif numbered and not PARA_NUMBER.match(line.strip()):
            blocks.append(Block("para", line[numbered.end() :].strip(), number=numbered.group(1)))
        elif blocks and blocks[-1].kind != "heading":
            last = blocks[-1]
            blocks[-1] = Block(last.kind, f"{last.text} {line.strip()}", number=last.number)
        else:
            blocks.append(Block("para", line.strip()))
    return blocks
