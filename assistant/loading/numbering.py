"""Blocks to paragraphs: headings into a path, numbers into citation numbers, lists kept whole.

Every format ends here, so a PDF paragraph, a Word step and a Markdown paragraph are cited
alike.  A list item belongs to the numbered paragraph that introduces it ("The inspector
must consider: - ... - ..."), so the paragraph and its list are cited and chunked as one;
under a heading with no numbered paragraph, an item stands alone.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..schema import Block, Paragraph

PARA_NUMBER = re.compile(r"^(\d+(?:\.\d+)+)\.?\s+(?=\S)")  # "4.2 ..." or "4.2. ..."
HEADING_NUMBER = re.compile(r"^(\d+)\.?\s+\S")


def looks_like_heading(line: str) -> bool:
    """A short numbered line without a full stop at the end ("4 Duration")."""
    return bool(HEADING_NUMBER.match(line)) and len(line) < 80 and not line.endswith(".")


def build_paragraphs(blocks: list[Block], title: str) -> list[Paragraph]:
    """Read headings into a path and numbered paragraphs into their numbers."""
    path: list[tuple[int, str]] = []
    paragraphs: list[Paragraph] = []
    open_numbered = False  # the last paragraph is numbered and no heading came since
    for block in blocks:
        text = " ".join(block.text.split())
        if not text:
            continue
        if block.kind == "heading":
            open_numbered = False
            if block.level <= 1 and text == title:
                continue
            path = [(lvl, t) for lvl, t in path if lvl < block.level]
            path.append((block.level, text))
            continue
        if block.kind == "item" and open_numbered:
            last = paragraphs[-1]
            pages = [p for p in (last.page, last.page_end, block.page, block.page_end) if p]
            end = max(pages) if pages else None
            paragraphs[-1] = replace(
                last, text=f"{last.text} {text}", page_end=end if end != last.page else None
            )
            continue
        number = block.number
        body = text
        if number is None:
            match = PARA_NUMBER.match(text)
            number = match.group(1) if match else None
            body = text[match.end() :] if match else text
        paragraphs.append(
            Paragraph(
                text=body,
                number=number,
                heading_path=tuple(t for _, t in path),
                page=block.page,
                notes=block.notes,
                page_end=block.page_end if block.page_end != block.page else None,
            )
        )
        open_numbered = number is not None
    return paragraphs
