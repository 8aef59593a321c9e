"""Build fixture documents of every supported format from our own text, at test time.

Nothing here is read from the real corpus: each helper writes a small file whose content and
metadata the tests know exactly, so the loaders can be checked field by field.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Section = tuple[str, Sequence[str]]  # (heading, paragraphs)


def markdown_doc(
    doc_id: str,
    title: str,
    sections: Sequence[Section],
    *,
    edition: str = "2026.1",
    effective_date: str = "2026-01-15",
    sources: Sequence[str] = ("Fixture Act 2019, s 1",),
    audience: str = "all",
) -> str:
    """A Markdown note in the corpus's own shape: YAML front matter, ``#`` title, ``##`` sections."""
    lines = [
        "---",
        f"doc_id: {doc_id}",
        f"title: {title}",
        f"audience: {audience}",
        f'edition: "{edition}"',
        f"effective_date: {effective_date}",
        "status: Test fixture, not guidance.",
        "sources:",
        *[f"  - {s}" for s in sources],
        "---",
        "",
        f"# {title}",
        "",
    ]
    for heading, paragraphs in sections:
        lines += [f"## {heading}", ""]
        for para in paragraphs:
            lines += [para, ""]
    return "\n".join(lines)


def numbered_sections(prefix: str, n_sections: int, per_section: int) -> list[Section]:
    """Sections ``1 Prefix topic 1`` with numbered paragraphs ``1.1 ...`` of distinct text."""
    words = ["warrant", "harbour", "lantern", "meadow", "granite", "orchard", "compass", "ledger"]
    sections: list[Section] = []
    for s in range(1, n_sections + 1):
        paras = []
        for p in range(1, per_section + 1):
            w = words[(s * 3 + p) % len(words)]
            paras.append(
                f"{s}.{p} The {prefix} rule {s}.{p} concerns the {w} register kept by officers. "
                f"It is reviewed every {p + s} weeks by the {w} team."
            )
        sections.append((f"{s} {prefix.title()} topic {s}", paras))
    return sections


def write_txt(path: Path, title: str, sections: Sequence[Section]) -> Path:
    parts = [title]
    for heading, paragraphs in sections:
        parts.append(heading)
        parts.extend(paragraphs)
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


def write_html(path: Path, meta: dict[str, str], title: str, sections: Sequence[Section]) -> Path:
    metas = "\n".join(f'<meta name="{k}" content="{v}">' for k, v in meta.items())
    body = [f"<h1>{title}</h1>"]
    for heading, paragraphs in sections:
        body.append(f"<h2>{heading}</h2>")
        body.extend(f"<p>{p}</p>" for p in paragraphs)
    html = (
        f"<!doctype html><html><head><title>{title}</title>\n{metas}\n"
        "<style>p { color: red }</style><script>var x = 'script text';</script></head>\n"
        f"<body><nav>Navigation link text</nav>\n{''.join(body)}\n</body></html>"
    )
    path.write_text(html, encoding="utf-8")
    return path


def pdf_bytes(
    pages: Sequence[Sequence[str]], *, title: str = "", doc_id: str = "", edition: str = ""
) -> bytes:
    """A PDF with one line of text per entry, one list of lines per page (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    if title:
        pdf.setTitle(title)
    if doc_id:
        pdf.setSubject(doc_id)
    if edition:
        pdf.setKeywords(edition)
    for lines in pages:
        y = 800
        for line in lines:
            if line:
                pdf.drawString(50, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def write_pdf(path: Path, pages: Sequence[Sequence[str]], **meta: str) -> Path:
    path.write_bytes(pdf_bytes(pages, **meta))
    return path


def write_encrypted_pdf(path: Path, pages: Sequence[Sequence[str]], password: str = "secret") -> Path:
    """The same kind of PDF, encrypted with pypdf's writer."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf_bytes(pages, title="Locked")))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def write_docx(
    path: Path,
    *,
    doc_id: str,
    title: str,
    edition: str,
    status: str,
    audience: str,
    created: dt.datetime,
    sources: Sequence[str],
    sections: Sequence[Section],
) -> Path:
    """A Word file with core properties and Heading styles (python-docx)."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.identifier = doc_id
    props.title = title
    props.version = edition
    props.content_status = status
    props.category = audience
    props.created = created
    props.comments = "\n".join(sources)
    document.add_heading(title, level=1)
    for heading, paragraphs in sections:
        document.add_heading(heading, level=2)
        for para in paragraphs:
            document.add_paragraph(para)
    document.save(str(path))
    return path


def change_of(report: Any, doc_id: str) -> Any:
    """The one DocumentChange of ``doc_id`` in an IngestReport."""
    matches = [c for c in report.changes if c.doc_id == doc_id]
    assert len(matches) == 1, report.render()
    return matches[0]
