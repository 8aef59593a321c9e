"""Scanned pages read by Tesseract (Debian's ``tesseract-ocr``), as positioned lines.

A force's older policies exist only as scans.  Each page image is rendered by PDFium and
read by Tesseract; its words come back with boxes, so the same layout analysis as for text
PDFs finds the running header, the page number and the paragraph numbers.
"""

from __future__ import annotations

import shutil
from typing import Any

from .pdflines import Line
from .registry import LoadOptions, Unreadable

NEEDS_OCR = "scanned: needs OCR"


def available() -> bool:
    return shutil.which("tesseract") is not None


def ocr_page(page: Any, number: int, options: LoadOptions) -> list[Line]:
    """Lines Tesseract reads on a pypdfium2 page; sizes are line heights in points."""
    import pytesseract

    if not available():
        raise Unreadable(
            f"{NEEDS_OCR}, but the tesseract program is not installed (make system-deps)"
        )
    scale = options.ocr_dpi / 72
    image = page.render(scale=scale).to_pil()
    try:
        data = pytesseract.image_to_data(
            image, lang=options.ocr_language, output_type=pytesseract.Output.DICT
        )
    except pytesseract.TesseractError as exc:
        raise Unreadable(
            f"OCR failed on page {number}: {' '.join(str(exc).split())[:160]}"
        ) from None
    grouped: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if str(word).strip() and float(data["conf"][i]) >= 0:
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            grouped.setdefault(key, []).append(i)
    lines = []
    for indexes in grouped.values():
        top = min(data["top"][i] for i in indexes) / scale
        bottom = max(data["top"][i] + data["height"][i] for i in indexes) / scale
        heights = sorted(data["height"][i] for i in indexes)
        lines.append(
            Line(
                page=number,
                top=top,
                bottom=bottom,
                x0=min(data["left"][i] for i in indexes) / scale,
                size=round(heights[len(heights) // 2] / scale, 0),
                bold=False,
                text=" ".join(str(data["text"][i]) for i in indexes),
                height=float(page.get_height()),
            )
        )
    return sorted(lines, key=lambda line: (line.top, line.x0))
