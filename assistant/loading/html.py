"""Web pages saved from a browser: the guidance, without the site around it.

trafilatura (Apache-2.0) finds the main content of a page and returns it as structured
headings, paragraphs, lists and tables; cookie banners, breadcrumbs, share links, feedback
boxes and sidebars are the site's, not the guidance's.  What it keeps is filtered once more
with ``web_clutter`` from documents.yaml, since a banner inside the content area survives
any general-purpose extractor.  A page too small for it to judge is read whole.
"""

from __future__ import annotations

import re
from typing import Any

from ..schema import Block
from .decoding import decode
from .docinfo import fields_in, line_field
from .registry import Extracted, LoadOptions, reader
from .tables import row_texts
from .vocabulary import vocabulary

_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.IGNORECASE)
_GOVUK_NUMBER = re.compile(r"^(\d{1,3})\.\s+(?=\S)")
_SITE_SUFFIX = re.compile(r"\s+[-|\u2013\u2014]\s+[^-|\u2013\u2014]{2,40}$")  # " - GOV.UK"


def _meta_fields(soup: Any) -> dict[str, Any]:
    by_name: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        name = tag.get("name") or tag.get("property")
        content = tag.get("content")
        if isinstance(name, str) and isinstance(content, str) and content.strip():
            by_name.setdefault(name.lower().replace("-", "_").replace("dc_", "dc."), content)
    fields: dict[str, Any] = {}
    for field, names in vocabulary().html_meta.items():
        value = next(
            (by_name[n.replace("-", "_")] for n in names if n.replace("-", "_") in by_name), None
        )
        if value is None:
            continue
        if field == "effective_date":
            value = value[:10] if re.match(r"\d{4}-\d{2}-\d{2}", value) else value
        fields[field] = value.split(";") if field == "sources" else value
    if "title" not in fields and soup.title and soup.title.string:
        fields["title"] = _SITE_SUFFIX.sub("", " ".join(soup.title.string.split()))
    return fields


def _main_content(text: str) -> Any:
    """trafilatura's XML of the main content, or None when it finds none."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(
        text,
        output_format="xml",
        include_tables=True,
        include_comments=False,
        favor_recall=True,
        with_metadata=False,
        deduplicate=False,
    )
    return etree.fromstring(xml.encode("utf-8")) if xml else None


def _xml_blocks(root: Any) -> list[Block]:
    blocks: list[Block] = []
    for el in root.iter("head", "p", "item", "row"):
        text = " ".join("".join(el.itertext()).split())
        if el.tag == "head":
            rend = str(el.get("rend") or "h2")
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
            blocks.append(Block("heading", text, level=level))
        elif el.tag == "item":
            blocks.append(Block("item", f"\u2022 {text}"))
        elif (
            el.tag == "p" and el.getparent() is not None and el.getparent().tag in ("item", "cell")
        ):
            continue
        elif el.tag == "p":
            blocks.append(Block("para", text))
        elif el.tag == "row" and (el.getparent() is None or el.getprevious() is None):
            table = el.getparent()
            rows = [
                [" ".join("".join(c.itertext()).split()) for c in row.iter("cell")]
                for row in table.iter("row")
            ]
            header = rows[0] if rows else []
            blocks.extend(Block("para", t) for t in row_texts(header, rows[1:]))
    return blocks


def _soup_blocks(soup: Any) -> list[Block]:
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "button"]):
        tag.decompose()
    blocks: list[Block] = []
    body = soup.body or soup
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li"]):
        if el.name == "p" and el.find_parent("li") is not None:
            continue
        text = el.get_text(" ", strip=True)
        if el.name.startswith("h"):
            blocks.append(Block("heading", text, level=int(el.name[1])))
        else:
            blocks.append(Block("item" if el.name == "li" else "para", text))
    return blocks


@reader(".html", ".htm", format="html")
def read_html(data: bytes, options: LoadOptions) -> Extracted:
    from bs4 import BeautifulSoup

    declared = _CHARSET.search(data[:4096])
    text = decode(data, declared.group(1).decode("ascii") if declared else None)
    soup = BeautifulSoup(text, "html.parser")
    fields = _meta_fields(soup)
    root = _main_content(text)
    blocks = _xml_blocks(root) if root is not None else []
    if not [b for b in blocks if b.kind != "heading"]:
        blocks = _soup_blocks(soup)
    words = vocabulary()
    kept: list[Block] = []
    for index, block in enumerate(blocks):
        if words.is_web_clutter(block.text.lstrip("\u2022 ")):
            continue
        if index < 15 and block.kind == "para" and line_field(block.text):
            for field, value in fields_in([block.text]).items():
                fields.setdefault(field, value)
            continue
        number = _GOVUK_NUMBER.match(block.text) if block.kind == "para" else None
        if number:
            block = Block("para", block.text[number.end() :], number=number.group(1))
        kept.append(block)
    return Extracted(fields, kept)
