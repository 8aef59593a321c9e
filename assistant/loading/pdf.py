"""PDF: gov.uk guidance and force documents, text or scanned, cited by paragraph and page.

PDFium (pypdfium2, Apache-2.0/BSD) gives every line with its position, size and weight and
renders scanned pages for OCR; pdfplumber (MIT) finds ruled tables.  Owner restrictions (printing or
copying forbidden, no password to open) do not stop reading; a password to open does.
"""

from __future__ import annotations

import io
import re
from typing import Any

from .docinfo import fields_in
from .ocr import NEEDS_OCR, ocr_page
from .pdflayout import body_size, segment, strip_contents, strip_furniture
from .pdflines import Line, TableRows, may_hold_table, page_lines, page_tables
from .registry import Extracted, LoadOptions, Unreadable, reader
from .vocabulary import vocabulary

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_EDITION = re.compile(r"^(?=.*\d)[\w.\-]{1,20}$")
COVER_WORDS = 80  # a first page with fewer words and no numbered paragraph is a cover


def _open(data: bytes) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Unreadable(
                "encrypted PDF: it needs a password to open (remove the password and ingest again)"
            ) from None
        raise


def _info_fields(info: dict[str, Any]) -> dict[str, str]:
    def text(key: str) -> str:
        return " ".join(str(info.get(key) or "").split())

    junk = vocabulary().is_junk_title
    fields = {}
    if text("Title"):
        fields["title"] = text("Title")
    if _SLUG.match(text("Subject")) and not junk(text("Subject")):
        fields["doc_id"] = text("Subject")
    if _EDITION.match(text("Keywords")):
        fields["edition"] = text("Keywords")
    return fields


def _images(page: Any) -> int:
    import pypdfium2.raw as raw

    return sum(1 for obj in page.get_objects() if obj.type == raw.FPDF_PAGEOBJ_IMAGE)


@reader(".pdf", format="pdf")
def read_pdf(data: bytes, options: LoadOptions) -> Extracted:
    extracted = Extracted()
    pages: list[list[Line]] = []
    tables: list[TableRows] = []
    scanned: list[int] = []
    plumber: Any = None
    document = _open(data)
    try:
        info_fields = _info_fields(document.get_metadata_dict())
        for number in range(1, len(document) + 1):
            page = document[number - 1]
            found: list[TableRows] = []
            if may_hold_table(page):
                if plumber is None:
                    import pdfplumber

                    plumber = pdfplumber.open(io.BytesIO(data))
                found = page_tables(plumber.pages[number - 1], number)
            lines = page_lines(page, number, found)
            if not lines and not found and _images(page):
                scanned.append(number)
                if options.ocr:
                    lines = ocr_page(page, number, options)
            pages.append(lines)
            tables.extend(found)
    finally:
        document.close()
        if plumber is not None:
            plumber.close()
    if scanned and not options.ocr:
        if len(scanned) == len(pages):
            raise Unreadable(f"{NEEDS_OCR} (image-only PDF; OCR is switched off: SPO_OCR)")
        extracted.warnings.append(f"{NEEDS_OCR}: page(s) {_ranges(scanned)} are images; skipped")
    elif scanned:
        extracted.warnings.append(f"page(s) {_ranges(scanned)} read by OCR; check their text")
    pages, extracted.furniture = strip_furniture(pages)
    pages = strip_contents(pages)
    fields, pages = _cover(pages)
    extracted.fields = {**info_fields, **fields}
    extracted.blocks = segment(pages, tables, str(extracted.fields.get("title", "")))
    return extracted


def _cover(pages: list[list[Line]]) -> tuple[dict[str, str], list[list[Line]]]:
    """Title and document-control lines from the first page; a cover page gives no text."""
    first = next((i for i, lines in enumerate(pages) if lines), None)
    if first is None:
        return {}, pages
    lines = pages[first]
    body = body_size(pages)
    fields = fields_in(line.text for line in lines[:12])
    largest = max(line.size for line in lines)
    if largest >= body * 1.3:
        fields["title"] = " ".join(line.text for line in lines if line.size == largest)
    words = sum(len(line.text.split()) for line in lines)
    numbered = any(re.match(r"^\d+(\.\d+)*\.?\s", line.text) for line in lines)
    if len(pages) > 1 and words < COVER_WORDS and not numbered:
        return fields, [*pages[:first], [], *pages[first + 1 :]]
    consumed = {line.text for line in lines[:12] if fields_in([line.text])}
    kept = [line for line in lines if line.text not in consumed]
    return fields, [*pages[:first], kept, *pages[first + 1 :]]


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    for n in numbers:
        if spans and spans[-1].split("-")[-1] == str(n - 1):
            spans[-1] = f"{spans[-1].split('-')[0]}-{n}"
        else:
            spans.append(str(n))
    return ", ".join(spans)
