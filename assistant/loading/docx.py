"""Word: a force's policy, with its heading styles, numbered steps and tables.

python-docx reads the body in order (paragraphs and tables interleaved); numbering is
resolved by :mod:`.docxnumbering`; a table becomes "column: value" rows under its heading,
except a document-control table, which is metadata.  Headers and footers are furniture, read
only for metadata.  The "created" core property is never an effective date: it is the
template's or the author's first save, not the date the policy took effect.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from ..schema import Block
from .docinfo import fields_in, label_value, line_field
from .docxnumbering import Numbering, paragraph_list, read_numbering
from .registry import Extracted, LoadOptions, reader
from .tables import row_texts

_NUMBER_LABEL = re.compile(r"^\d+(\.\d+)*[.)]?$")
_CUSTOM_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


def _core_fields(props: Any) -> dict[str, Any]:
    fields = {
        "doc_id": props.identifier,
        "title": props.title,
        "edition": props.version,
        "status": props.content_status,
        "audience": props.category,
        "sources": props.comments,
    }
    return {k: v for k, v in fields.items() if v}


def _custom_fields(data: bytes) -> dict[str, str]:
    """Custom document properties (document-management systems keep dates there)."""
    from lxml import etree

    found: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "docProps/custom.xml" not in archive.namelist():
            return found
        root = etree.fromstring(archive.read("docProps/custom.xml"))
    for prop in root.iter(f"{_CUSTOM_NS}property"):
        name = re.sub(r"(?<=[a-z])(?=[A-Z])|_", " ", str(prop.get("name", "")))
        value = " ".join("".join(prop.itertext()).split())
        hit = label_value(name, value) or (
            (name.lower().replace(" ", "_"), value)
            if name.lower().replace(" ", "_") in ("doc_id", "audience", "status")
            else None
        )
        if hit:
            found.setdefault(hit[0], hit[1])
    return found


def _heading_level(style: str) -> int | None:
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style)
    return int(match.group(1)) if match else None


def _paragraph_block(paragraph: Any, numbering: Numbering) -> Block | None:
    text = " ".join(paragraph.text.split())
    if not text:
        return None
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    level = _heading_level(style)
    listed = paragraph_list(paragraph)
    label = numbering.label(*listed) if listed else None
    if level is not None:
        heading = f"{label[0].rstrip('.')} {text}" if label and label[1] != "bullet" else text
        return Block("heading", heading, level=level)
    if label is None:
        return Block("para", text)
    mark, fmt = label
    if fmt == "bullet":
        return Block("item", f"\u2022 {text}")
    if _NUMBER_LABEL.match(mark):
        return Block("para", text, number=mark.rstrip(".)"))
    return Block("item", f"{mark} {text}")


def _table_blocks(table: Any, fields: dict[str, Any]) -> list[Block]:
    rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    control = [label_value(row[0], row[1]) for row in rows if len(row) >= 2]
    if len(rows[0]) == 2 and sum(1 for hit in control if hit) * 2 >= len(rows):
        for hit in control:
            if hit:
                fields.setdefault(hit[0], hit[1])
        return []  # a document-control table: metadata, not guidance
    if len(rows) == 1 or len(rows[0]) == 1:
        return [Block("para", "; ".join(c for c in row if c)) for row in rows]
    return [Block("para", text) for text in row_texts(rows[0], rows[1:])]


@reader(".docx", format="docx")
def read_docx(data: bytes, options: LoadOptions) -> Extracted:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    numbering = read_numbering(document)
    found: dict[str, Any] = {}
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(_table_blocks(item, found))
        else:
            block = _paragraph_block(item, numbering)
            if block is not None:
                blocks.append(block)
    furniture = [
        " ".join(p.text.split())
        for section in document.sections
        for part in (section.header, section.footer)
        if not part.is_linked_to_previous
        for p in part.paragraphs
        if p.text.strip()
    ]
    in_text = fields_in([*furniture, *(b.text for b in blocks[:15])])
    blocks = [b for i, b in enumerate(blocks) if i >= 15 or b.kind != "para" or not line_field(b.text)]
    fields = {**in_text, **found, **_custom_fields(data), **_core_fields(document.core_properties)}
    if "title" not in fields:
        first = next((b for b in blocks if b.kind == "heading" and b.level == 1), None)
        if first is not None:
            fields["title"] = first.text
    return Extracted(fields, blocks, furniture=furniture)
