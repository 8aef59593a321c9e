"""From positioned lines to blocks: drop page furniture and contents, find headings and
numbered paragraphs, and rejoin what a page break cut in two.

Furniture is found the way a reader sees it: a line in the top or bottom margin that repeats
on most pages (digits ignored, so "Page 3 of 9" repeats), or that is a page number or a
protective marking wherever it repeats or not.  A paragraph or list that runs over a page
break continues on the next page's first body line unless that line starts something new
(a heading, a number, a bullet), so it is cited once, with both pages.
"""

from __future__ import annotations

import collections
import itertools
import re
import statistics
from dataclasses import dataclass

from ..schema import Block
from .pdflines import BULLETS, Line, TableRows
from .tables import row_texts
from .vocabulary import vocabulary

MARGIN = 0.12  # share of the page height at top and bottom where furniture lives
REPEAT = 0.5  # share of pages a margin line must appear on to be furniture
HEADING_RATIO = 1.15  # a heading's size against body text
PARAGRAPH_GAP = 1.3  # a gap this many line spacings starts a new paragraph
GOVUK_NUMBER = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
DOTTED_NUMBER = re.compile(r"^(\d+(?:\.\d+)+)\.?\s+(?=\S)")
SUB_ITEM = re.compile(r"^\(?([a-z]|[ivx]{1,4})\)\s+(?=\S)")
BARE_HEADING = re.compile(r"^\d+(?:\.\d+)*\s+[A-Z]")


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _in_margin(line: Line) -> bool:
    return line.top < line.height * MARGIN or line.bottom > line.height * (1 - MARGIN)


def strip_furniture(pages: list[list[Line]]) -> tuple[list[list[Line]], list[str]]:
    """Remove header and footer lines; return the pages and the furniture text seen."""
    words = vocabulary()
    counts: collections.Counter[str] = collections.Counter()
    for lines in pages:
        counts.update({_shape(line.text) for line in lines if _in_margin(line)})
    with_text = sum(1 for lines in pages if lines)
    repeated = {shape for shape, n in counts.items() if n >= 2 and n >= REPEAT * max(with_text, 1)}
    seen: list[str] = []
    kept_pages = []
    for lines in pages:
        kept = []
        for line in lines:
            margin = _in_margin(line)
            if (margin and _shape(line.text) in repeated) or (
                margin and words.is_furniture(line.text)
            ):
                if not re.fullmatch(r"[#\W]*(page)?[#\W]*(of)?[#\W]*", _shape(line.text)):
                    seen.append(line.text)
                continue
            if words.is_marking(line.text):
                continue
            kept.append(line)
        kept_pages.append(kept)
    return kept_pages, list(dict.fromkeys(seen))


def strip_contents(pages: list[list[Line]]) -> list[list[Line]]:
    """Drop a contents page's heading and entries, and any dot-leader line anywhere."""
    words = vocabulary()
    in_contents = False
    out = []
    for lines in pages:
        kept = []
        for line in lines:
            if words.is_contents_heading(line.text):
                in_contents = True
                continue
            if re.search(r"\.{4,}\s*\d{0,4}$", line.text):
                continue
            if in_contents and words.is_contents_entry(line.text):
                continue
            in_contents = False
            kept.append(line)
        out.append(kept)
    return out


def body_size(pages: list[list[Line]]) -> float:
    weights: collections.Counter[float] = collections.Counter()
    for lines in pages:
        for line in lines:
            weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


@dataclass
class Layout:
    """What the segmenter needs to know about the whole document."""

    body: float
    heading_sizes: list[float]
    margin_x: float
    spacing: float


def _is_heading(line: Line, layout: Layout) -> bool:
    short = len(line.text.split()) <= 16 and not line.text.endswith((".", ";", ","))
    if not short or (GOVUK_NUMBER.match(line.text) and line.size < layout.body * HEADING_RATIO):
        return False
    if line.size >= layout.body * HEADING_RATIO or line.bold:
        return True
    return bool(BARE_HEADING.match(line.text)) and not DOTTED_NUMBER.match(line.text + " x")


def _level(line: Line, layout: Layout) -> int:
    bigger = [s for s in layout.heading_sizes if s > line.size + 0.4]
    return 2 + len(bigger)


def segment(pages: list[list[Line]], tables: list[TableRows], title: str) -> list[Block]:
    """Blocks in reading order; see the module docstring for the rules."""
    lines = [line for page in pages for line in page]
    if not lines and not tables:
        return []
    body = body_size(pages)
    gaps = [
        b.top - a.top
        for page in pages
        for a, b in itertools.pairwise(page)
        if 0 < b.top - a.top < body * 3 and a.size == b.size == body
    ]
    layout = Layout(
        body=body,
        heading_sizes=sorted({ln.size for ln in lines if ln.size >= body * HEADING_RATIO}),
        margin_x=min((ln.x0 for ln in lines if ln.size == body), default=0.0),
        spacing=statistics.median(gaps) if gaps else body * 1.4,
    )
    flow: list[Line | TableRows] = sorted([*lines, *tables], key=lambda o: (o.page, o.top))
    blocks: list[Block] = []
    previous: Line | None = None
    header: list[str] | None = None
    for item in flow:
        if isinstance(item, TableRows):
            header = _add_table(blocks, item, previous, header)
            previous = None
            continue
        line = item
        starts_page = previous is None or previous.page != line.page
        text = line.text
        if _is_heading(line, layout):
            level = _level(line, layout)
            last = blocks[-1] if blocks else None
            wrapped = (
                last is not None
                and last.kind == "heading"
                and last.level == level
                and previous is not None
                and previous.page == line.page
                and line.top - previous.top <= line.size * 1.6
            )
            if wrapped and last is not None:  # a long heading set on two lines
                blocks[-1] = Block("heading", f"{last.text} {text}", level=level, page=last.page)
            elif text != title:
                blocks.append(Block("heading", text, level=level, page=line.page))
            previous = line
            continue
        at_margin = line.x0 <= layout.margin_x + 3
        number = (DOTTED_NUMBER.match(text) or GOVUK_NUMBER.match(text)) if at_margin else None
        bullet = next((b for b in BULLETS if text.startswith(b + " ")), None)
        sub = SUB_ITEM.match(text)
        if number:
            blocks.append(
                Block("para", text[number.end() :], page=line.page, number=number.group(1))
            )
        elif bullet or sub:
            body_text = text[len(bullet) :].strip() if bullet else text
            blocks.append(
                Block("item", f"\u2022 {body_text}" if bullet else body_text, page=line.page)
            )
        elif (
            blocks
            and blocks[-1].kind != "heading"
            and _continues(blocks[-1], line, previous, layout, starts_page)
        ):
            last = blocks[-1]
            blocks[-1] = Block(
                last.kind,
                f"{last.text} {text}",
                page=last.page,
                page_end=line.page if line.page != last.page else last.page_end,
                number=last.number,
            )
        else:
            blocks.append(Block("para", text, page=line.page))
        previous = line
    return blocks


def _continues(
    last: Block, line: Line, previous: Line | None, layout: Layout, starts_page: bool
) -> bool:
    """Whether ``line`` carries on the block above rather than starting a paragraph."""
    if previous is None:
        return False
    if starts_page:
        return (
            last.number is not None
            or last.kind == "item"
            or not last.text.endswith((".", "!", "?"))
        )
    return line.top - previous.top <= layout.spacing * PARAGRAPH_GAP


def _add_table(
    blocks: list[Block], table: TableRows, previous: Line | None, header: list[str] | None
) -> list[str]:
    """Rows as "column: value" paragraphs; a table continued on a new page keeps its header."""
    rows = table.rows
    continued = (
        header is not None
        and blocks
        and blocks[-1].kind == "para"
        and blocks[-1].page == table.page - 1
        and len(rows[0]) == len(header)
        and previous is None
    )
    if continued and header is not None:
        if rows[0] == header:
            rows = rows[1:]
    else:
        header, rows = rows[0], rows[1:]
    for text in row_texts(header, rows):
        blocks.append(Block("para", text, page=table.page))
    return header
