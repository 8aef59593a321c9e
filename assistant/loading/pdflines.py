"""Lines of a PDF page with their position, size and weight: what layout analysis reads.

Text from a PDF has no paragraphs, headings or page furniture, only glyphs where they were
drawn.  A :class:`Line` keeps what tells them apart: the vertical position (headers and
footers sit in the margins on every page), the size and weight (headings), the left edge
(a paragraph number hangs in the margin).  Tables are read separately, as rows.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

BULLETS = ("\u2022", "\u25aa", "\u25cf", "\u25e6", "\u2023", "\u2043", "\u2013", "-", "*", "(cid:127)")


@dataclass
class Line:
    page: int
    top: float
    bottom: float
    x0: float
    size: float
    bold: bool
    text: str
    height: float  # of the page, for the margin zones


@dataclass
class TableRows:
    """A table found on a page: its rows of cell text, placed in the flow by ``top``."""

    page: int
    top: float
    bottom: float
    rows: list[list[str]]
    height: float


def _bold(fontname: str) -> bool:
    name = fontname.lower()
    return any(w in name for w in ("bold", "black", "heavy", "semibold", "bd"))


def page_lines(page: Any, number: int) -> tuple[list[Line], list[TableRows]]:
    """The text lines of a pdfplumber page outside its tables, and the tables' rows."""
    tables: list[TableRows] = []
    boxes: list[tuple[float, float, float, float]] = []
    if page.rects or page.lines:  # ruled tables need ruling; skip the search otherwise
        for table in page.find_tables():
            rows = [
                [" ".join((cell or "").split()) for cell in row] for row in table.extract() or []
            ]
            rows = [r for r in rows if any(r)]
            if rows and len(rows[0]) > 1:
                x0, top, x1, bottom = table.bbox
                boxes.append(table.bbox)
                tables.append(TableRows(number, top, bottom, rows, float(page.height)))

    def outside(obj: dict[str, Any]) -> bool:
        cx = (obj["x0"] + obj["x1"]) / 2
        cy = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    source = page.filter(lambda o: o.get("object_type") != "char" or outside(o)) if boxes else page
    lines = []
    for raw in source.extract_text_lines(return_chars=True, strip=True):
        chars = [c for c in raw["chars"] if c["text"].strip()]
        text = " ".join(raw["text"].split())
        if not chars or not text:
            continue
        lines.append(
            Line(
                page=number,
                top=float(raw["top"]),
                bottom=float(raw["bottom"]),
                x0=float(raw["x0"]),
                size=round(statistics.median(float(c["size"]) for c in chars), 1),
                bold=sum(_bold(str(c.get("fontname", ""))) for c in chars) > len(chars) / 2,
                text=text,
                height=float(page.height),
            )
        )
    return lines, tables
