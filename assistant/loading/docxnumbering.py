"""Word's automatic numbering, resolved to the labels a reader sees ("3.", "4.2", "b)").

Word stores "step 3" as a list level and a counter, not as text, so a loader that reads text
only gets "Obtain the victim's account" with no number.  This follows numbering.xml the way
Word does: a paragraph's list comes from its own properties or its style's; a counter runs
per abstract list, restarts where a list instance overrides its start, and a level resets
every deeper level.  (docx2python 3.7 was measured and misses style-applied numbering.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docx.oxml.ns import qn


@dataclass(frozen=True)
class Level:
    start: int
    fmt: str  # decimal, lowerLetter, upperRoman, bullet, ...
    text: str  # "%1.%2."


@dataclass
class Numbering:
    """Counters over one document's lists; call :meth:`label` for each paragraph in order."""

    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)
    nums: dict[str, tuple[str, dict[int, int]]] = field(
        default_factory=dict
    )  # num -> abstract, starts
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)

    def label(self, num_id: str, ilvl: int) -> tuple[str, str] | None:
        """(label, format) for the next paragraph of list ``num_id`` at level ``ilvl``."""
        if num_id not in self.nums:
            return None
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        if ilvl not in levels:
            return None
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        level = levels[ilvl]
        if level.fmt == "bullet":
            return "\u2022", "bullet"
        text = level.text
        for n in range(ilvl + 1):
            outer = levels.get(n, level)
            text = text.replace(f"%{n + 1}", _format(counters.get(n, outer.start), outer.fmt))
        return text.strip(), level.fmt


def _format(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        while value > 0:
            value, rest = divmod(value - 1, 26)
            letters = chr(97 + rest) + letters
        return letters if fmt == "lowerLetter" else letters.upper()
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt == "none":
        return ""
    if fmt == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _roman(value: int) -> str:
    out = ""
    for number, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while value >= number:
            out += letters
            value -= number
    return out


def _val(element: Any, tag: str, default: str = "") -> str:
    child = element.find(qn(tag)) if element is not None else None
    return str(child.get(qn("w:val"), default)) if child is not None else default


def read_numbering(document: Any) -> Numbering:
    numbering = Numbering()
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return numbering
    for abstract in root.findall(qn("w:abstractNum")):
        levels = {}
        for lvl in abstract.findall(qn("w:lvl")):
            levels[int(lvl.get(qn("w:ilvl"), "0"))] = Level(
                int(_val(lvl, "w:start", "1") or 1),
                _val(lvl, "w:numFmt", "decimal"),
                _val(lvl, "w:lvlText", ""),
            )
        numbering.abstract[str(abstract.get(qn("w:abstractNumId")))] = levels
    for num in root.findall(qn("w:num")):
        starts = {}
        for override in num.findall(qn("w:lvlOverride")):
            start = _val(override, "w:startOverride")
            if start:
                starts[int(override.get(qn("w:ilvl"), "0"))] = int(start)
        numbering.nums[str(num.get(qn("w:numId")))] = (_val(num, "w:abstractNumId"), starts)
    return numbering


def paragraph_list(paragraph: Any) -> tuple[str, int] | None:
    """(numId, level) of a paragraph's list, from the paragraph or its chain of styles."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    num_id = _val(num_pr, "w:numId") if num_pr is not None else ""
    ilvl = _val(num_pr, "w:ilvl") if num_pr is not None else ""
    style = paragraph.style
    while (not num_id or not ilvl) and style is not None:
        s_pr = style.element.pPr
        s_num = s_pr.numPr if s_pr is not None else None
        if s_num is not None:
            num_id = num_id or _val(s_num, "w:numId")
            ilvl = ilvl or _val(s_num, "w:ilvl")
        style = style.base_style
    if not num_id or num_id == "0":
        return None
    return num_id, int(ilvl or 0)
