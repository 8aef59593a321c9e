"""Loaders: turn one corpus file of any supported format into a :class:`Document`.

Each format's reader only finds blocks (headings and paragraphs) and metadata; one shared
builder then reads the numbering (``## 4 Duration``, ``4.2 ...``) into heading paths and
paragraph numbers, so every format is cited the same way.  Any failure becomes a
:class:`LoadError` naming the file and the reason, never a half-loaded document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from .errors import LoadError
from .policy import NOTE_FIELDS, parse_notes
from .schema import NO_NOTES, Block, Document, DocumentMeta, Paragraph

_FORMATS = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED_SUFFIXES = tuple(_FORMATS)
_PARA_NUMBER = re.compile(r"^(\d+(?:\.\d+)+)\.?\s+(?=\S)")
_HEADING_NUMBER = re.compile(r"^(\d+)\.?\s+\S")
_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def iter_corpus_files(corpus_dir: Path) -> Iterator[Path]:
    """Every visible file under the corpus folder, sorted, so runs are deterministic.

    A symbolic link is followed only when its target is inside the corpus folder too, so a
    link (or a link to a folder) pointing elsewhere can never make ingest read outside it.
    """
    root = corpus_dir.resolve()
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith((".", "_")) for part in rel.parts) or not path.is_file():
            continue
        if not inside(path, root):
            continue
        yield path


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every link resolved, lies within the (resolved) folder ``root``."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def load_document(path: Path, corpus_dir: Path) -> Document:
    """Load one file; raise :class:`LoadError` with a one-line reason if it cannot be used."""
    rel = str(path.relative_to(corpus_dir))
    if not inside(path, corpus_dir.resolve()):
        raise LoadError(rel, "links to a file outside the corpus folder; not read")
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise LoadError(rel, f"unsupported file type '{suffix or '(none)'}'")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(rel, f"unreadable: {exc.strerror or exc}") from None
    if not data.strip():
        raise LoadError(rel, "empty file")
    try:
        meta_fields, blocks = reader(data, path)
    except LoadError as exc:
        raise LoadError(rel, exc.reason) from None
    except Exception as exc:  # a parser's own error means a corrupt file
        raise LoadError(rel, f"corrupt {suffix[1:]} file ({type(exc).__name__}: {exc})") from None
    meta = _build_meta(meta_fields, path)
    paragraphs = build_paragraphs(blocks, meta.title)
    if not paragraphs:
        raise LoadError(rel, "no text found")
    return Document(
        meta=meta,
        source_path=rel,
        format=_FORMATS[suffix],
        content_hash=hashlib.sha256(data).hexdigest(),
        paragraphs=tuple(paragraphs),
    )


def _build_meta(fields: dict[str, Any], path: Path) -> DocumentMeta:
    doc_id = str(fields.get("doc_id") or path.stem.lower().replace(" ", "-"))
    if not _DOC_ID.match(doc_id):
        raise LoadError(str(path.name), f"invalid doc_id {doc_id!r} (use a-z, 0-9, '.', '_', '-')")
    effective = fields.get("effective_date")
    if isinstance(effective, dt.datetime):
        effective = effective.date()
    if effective is None:
        effective = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date()
    sources = fields.get("sources") or ()
    if isinstance(sources, str):
        sources = [line.strip() for line in sources.splitlines() if line.strip()]
    return DocumentMeta(
        doc_id=doc_id,
        title=str(fields.get("title") or path.stem.replace("-", " ").replace("_", " ").title()),
        audience=str(fields.get("audience") or "all"),
        edition=str(fields.get("edition") or ""),
        effective_date=str(effective),
        status=str(fields.get("status") or ""),
        sources=tuple(str(s) for s in sources),
    )


def build_paragraphs(blocks: list[Block], title: str) -> list[Paragraph]:
    """Read headings into a path and numbered paragraphs into their numbers."""
    path: list[tuple[int, str]] = []
    paragraphs: list[Paragraph] = []
    for block in blocks:
        text = " ".join(block.text.split())
        if not text:
            continue
        if block.kind == "heading":
            if block.level <= 1 and text == title:
                continue
            path = [(lvl, t) for lvl, t in path if lvl < block.level]
            path.append((block.level, text))
            continue
        match = _PARA_NUMBER.match(text)
        number = match.group(1) if match else None
        body = text[match.end() :] if match else text
        paragraphs.append(
            Paragraph(
                text=body,
                number=number,
                heading_path=tuple(t for _, t in path),
                page=block.page,
                notes=block.notes,
            )
        )
    return paragraphs


# --- Markdown -------------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _read_markdown(data: bytes, path: Path) -> tuple[dict[str, Any], list[Block]]:
    text = _decode(data)
    meta: dict[str, Any] = {}
    skipped = 0  # lines of front matter before the body
    if text.startswith("---"):
        end = re.search(r"^---\s*$", text[3:], flags=re.MULTILINE)
        if end is None:
            raise LoadError(path.name, "front matter opened with '---' at line 1 but never closed")
        raw = text[3 : 3 + end.start()]
        try:
            loaded = yaml.safe_load(raw) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            # the YAML text starts just after the opening '---', on line 1 of the file
            where = f" at line {mark.line + 1}" if mark else ""
            raise LoadError(path.name, f"malformed YAML front matter{where}") from None
        if not isinstance(loaded, dict):
            last = raw.count("\n")  # the front matter's last line, before the closing '---'
            raise LoadError(path.name, f"front matter (lines 2-{last}) is not a mapping of fields")
        meta = loaded
        skipped = text[: 3 + end.end()].count("\n")
        text = text[3 + end.end() :]
    blocks: list[Block] = []
    buffer: list[str] = []
    comment: list[str] | None = None  # lines of an open <!-- ... --> comment

    def flush() -> None:
        if buffer:
            blocks.append(Block("para", " ".join(buffer)))
            buffer.clear()

    for number, line in enumerate(text.splitlines(), skipped + 1):
        if comment is not None or line.lstrip().startswith("<!--"):
            comment = [*(comment or []), line]
            if "-->" in line:
                flush()
                _attach_notes(blocks, "\n".join(comment), number, path)
                comment = None
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1))
            title = heading.group(2)
            if level == 1 and "title" not in meta:
                meta["title"] = title
            blocks.append(Block("heading", title, level=level))
        elif not line.strip():
            flush()
        else:
            stripped = line.strip()
            if _PARA_NUMBER.match(stripped) or re.match(r"^([-*+]|\d+[.)])\s", stripped):
                flush()
            buffer.append(stripped)
    flush()
    return meta, blocks


def _attach_notes(blocks: list[Block], comment: str, line: int, path: Path) -> None:
    """A comment holding a paragraph annotation gives its notes to the paragraph above it.

    Comments that are not annotations (no ``kind``, ``audience`` or ``asks`` field) are
    ordinary comments and are skipped, as a Markdown reader would.
    """
    body = comment.strip().removeprefix("<!--").removesuffix("-->")
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError:
        return
    if not isinstance(data, dict) or not set(data) & set(NOTE_FIELDS):
        return
    target = blocks[-1] if blocks else None
    if target is None or target.kind != "para" or target.notes != NO_NOTES:
        raise LoadError(path.name, f"annotation ending at line {line} does not follow a paragraph")
    try:
        notes = parse_notes(data)
    except ValueError as exc:
        raise LoadError(path.name, f"annotation ending at line {line}: {exc}") from exc
    blocks[-1] = replace(target, notes=notes)


# --- plain text -----------------------------------------------------------------------------


def _read_text(data: bytes, path: Path) -> tuple[dict[str, Any], list[Block]]:
    text = _decode(data)
    blocks: list[Block] = []
    meta: dict[str, Any] = {}
    for chunk in re.split(r"\n\s*\n", text):
        line = " ".join(chunk.split())
        if not line:
            continue
        if "title" not in meta:
            meta["title"] = line
            blocks.append(Block("heading", line, level=1))
        elif _looks_like_heading(line):
            blocks.append(Block("heading", line, level=2))
        else:
            blocks.append(Block("para", line))
    return meta, blocks


def _looks_like_heading(line: str) -> bool:
    return bool(_HEADING_NUMBER.match(line)) and len(line) < 80 and not line.endswith(".")


# --- HTML -----------------------------------------------------------------------------------


def _read_html(data: bytes, path: Path) -> tuple[dict[str, Any], list[Block]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(data), "html.parser")
    meta: dict[str, Any] = {}
    for tag in soup.find_all("meta"):
        name, content = tag.get("name"), tag.get("content")
        if isinstance(name, str) and isinstance(content, str):
            key = name.lower().replace("-", "_").removeprefix("dc.")
            meta[key] = content if key != "sources" else content.split(";")
    if soup.title and soup.title.string and "title" not in meta:
        meta["title"] = soup.title.string.strip()
    for tag in soup(["script", "style", "nav", "header", "footer"]):
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
            blocks.append(Block("para", text))
    return meta, blocks


# --- PDF ------------------------------------------------------------------------------------


def _read_pdf(data: bytes, path: Path) -> tuple[dict[str, Any], list[Block]]:
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise LoadError(path.name, "encrypted PDF (remove the password and ingest again)")
    info: Any = reader.metadata or {}
    meta: dict[str, Any] = {}
    for key, field in (("/Title", "title"), ("/Subject", "doc_id"), ("/Keywords", "edition")):
        value = info.get(key)
        if value:
            meta[field] = str(value)
    blocks: list[Block] = []
    for page_no, page in enumerate(reader.pages, start=1):
        lines = (page.extract_text() or "").splitlines()
        buffer: list[str] = []
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            if _PARA_NUMBER.match(line) or _looks_like_heading(line):
                if buffer:
                    blocks.append(Block("para", " ".join(buffer), page=page_no))
                    buffer = []
                if not _PARA_NUMBER.match(line):
                    blocks.append(Block("heading", line, level=2, page=page_no))
                    continue
            buffer.append(line)
        if buffer:
            blocks.append(Block("para", " ".join(buffer), page=page_no))
    return meta, blocks


# --- DOCX -----------------------------------------------------------------------------------


def _read_docx(data: bytes, path: Path) -> tuple[dict[str, Any], list[Block]]:
    import io

    import docx

    document = docx.Document(io.BytesIO(data))
    props = document.core_properties
    meta: dict[str, Any] = {
        "doc_id": props.identifier or None,
        "title": props.title or None,
        "edition": props.version or None,
        "status": props.content_status or None,
        "audience": props.category or None,
        "effective_date": props.created.date() if props.created else None,
        "sources": props.comments or None,
    }
    blocks: list[Block] = []
    for para in document.paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        text = para.text.strip()
        if not text:
            continue
        if style.startswith("Heading") or style == "Title":
            level = int(style.split()[-1]) if style[-1].isdigit() else 1
            blocks.append(Block("heading", text, level=level))
        else:
            blocks.append(Block("para", text))
    return {k: v for k, v in meta.items() if v is not None}, blocks


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise LoadError("", "binary content in a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError("", f"not valid UTF-8 text (byte {exc.start})") from None


_READERS: dict[str, Callable[[bytes, Path], tuple[dict[str, Any], list[Block]]]] = {
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".txt": _read_text,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
