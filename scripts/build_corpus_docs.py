#!/usr/bin/env python3
"""Build corpus/glossary.docx from corpus-src/glossary.yaml.

Usage (from the repository root):
    python scripts/build_corpus_docs.py [--src corpus-src/glossary.yaml] [--out corpus/glossary.docx]

The output is deterministic in its text and core properties: every date is
taken from the YAML ``effective_date`` so two runs give the same document.
Each glossary entry becomes one Normal paragraph of the form
``N.M TERM — Expansion. Explanation.`` which the retrieval code parses.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import yaml
from docx import Document

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = ROOT / "corpus-src" / "glossary.yaml"
DEFAULT_OUT = ROOT / "corpus" / "glossary.docx"

EM_DASH = "\u2014"
REQUIRED = (
    "doc_id",
    "title",
    "audience",
    "edition",
    "effective_date",
    "status",
    "sources",
    "sections",
)


def load(src: Path) -> dict:
    data = yaml.safe_load(Path(src).read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED if not data.get(k)]
    if missing:
        raise ValueError(f"{src}: missing or empty fields: {', '.join(missing)}")
    return data


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def entry_text(n: int, m: int, entry: dict) -> str:
    term = str(entry["term"]).strip()
    expansion = str(entry["expansion"]).strip().rstrip(".")
    explanation = str(entry["explanation"]).strip()
    if "." in expansion:
        raise ValueError(f"entry {n}.{m} ({term}): expansion must not contain a full stop")
    if f" {EM_DASH} " in term:
        raise ValueError(f"entry {n}.{m} ({term}): term must not contain an em dash")
    return f"{n}.{m} {term} {EM_DASH} {expansion}. {explanation}"


def paragraphs(data: dict) -> list[tuple[str, str]]:
    """Return the body as (style name, text) pairs."""
    out = [("Heading 1", str(data["title"]).strip())]
    for n, section in enumerate(data["sections"], start=1):
        out.append(("Heading 2", f"{n} {str(section['title']).strip()}"))
        for m, entry in enumerate(section["entries"], start=1):
            out.append(("Normal", entry_text(n, m, entry)))
    return out


def core_properties(data: dict) -> dict:
    created = dt.datetime.combine(_as_date(data["effective_date"]), dt.time(0, 0), tzinfo=dt.UTC)
    return {
        "identifier": str(data["doc_id"]),
        "title": str(data["title"]),
        "version": str(data["edition"]),
        "content_status": str(data["status"]),
        "category": str(data["audience"]),
        "created": created,
        "modified": created,
        "comments": "\n".join(str(s) for s in data["sources"]),
        "author": "SPO guidance assistant corpus",
        "last_modified_by": "SPO guidance assistant corpus",
        "revision": 1,
        "subject": "",
        "keywords": "",
        "language": "en-GB",
    }


# python-docx refuses text properties longer than 255 characters, a limit of the
# library rather than of the file format; longer values are written to the XML
# element directly. Keys are python-docx names, values the core-properties tags.
_TEXT_ELEMENTS = {
    "comments": "description",
    "content_status": "contentStatus",
    "title": "title",
    "category": "category",
    "identifier": "identifier",
    "version": "version",
    "subject": "subject",
    "keywords": "keywords",
}


def set_core_property(props, name: str, value) -> None:
    if isinstance(value, str) and len(value) > 255 and name in _TEXT_ELEMENTS:
        props._element._get_or_add(_TEXT_ELEMENTS[name]).text = value
    else:
        setattr(props, name, value)


CUSTOM_PROPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def custom_properties(data: dict) -> dict:
    """Word has no effective-date property and its "created" date is the template's, so the
    date a citation shows is written as a custom property, as document-management systems do."""
    return {"EffectiveDate": _as_date(data["effective_date"]).isoformat()}


def add_custom_properties(doc, values: dict) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    props = "".join(
        f'<property fmtid="{FMTID}" pid="{pid}" name="{name}"><vt:lpwstr>{value}</vt:lpwstr></property>'
        for pid, (name, value) in enumerate(values.items(), start=2)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{CUSTOM_PROPS_NS}" xmlns:vt="{VT_NS}">{props}</Properties>'
    )
    part = Part(
        PackURI("/docProps/custom.xml"),
        "application/vnd.openxmlformats-officedocument.custom-properties+xml",
        xml.encode("utf-8"),
        doc.part.package,
    )
    doc.part.package.relate_to(part, RT.CUSTOM_PROPERTIES)


def build(src: Path = DEFAULT_SRC, out: Path = DEFAULT_OUT) -> Path:
    data = load(src)
    doc = Document()
    # The default template ships with an empty first paragraph in some versions; remove any.
    body = doc.element.body
    for p in list(doc.paragraphs):
        body.remove(p._p)
    for style, text in paragraphs(data):
        doc.add_paragraph(text, style=style)
    props = doc.core_properties
    for name, value in core_properties(data).items():
        set_core_property(props, name, value)
    add_custom_properties(doc, custom_properties(data))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    path = build(args.src, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
