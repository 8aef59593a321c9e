"""Build fixture documents of every supported format from our own text, at test time.

Nothing here is read from the real corpus: each helper writes a small file whose content and
metadata the tests know exactly, so the loaders can be checked field by field.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
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


# --- realistic published documents --------------------------------------------------------
#
# The writers below build files the way guidance is really published, with the clutter a
# maintainer's file carries, and return what a correct loader must recover from them.  All
# text is written for these tests; it describes a made-up force and made-up procedures.

Item = tuple[str, Any]  # ("para", (number, text)), ("bullets", [...]), ("table", (head, rows)), ("text", text)


@dataclass(frozen=True)
class Expected:
    """What a loader must find in a realistic fixture: paragraph text, pages and section."""

    title: str
    edition: str
    effective_date: str
    paragraphs: dict[str, tuple[str, int | None, int | None, str]]  # number -> (text, page, page_end, section)
    table_rows: list[str]  # "column: value; column: value" rows as a loader should write them
    furniture: list[str]  # text that must never reach a chunk
    unnumbered: list[str] = dataclass_field(default_factory=list)  # text of unnumbered paragraphs


GUIDANCE_SECTIONS: list[tuple[str, list[Item]]] = [
    ("1. Introduction", [
        ("para", ("1", "This fixture guidance explains how officers of the Northmoor force prepare an application for a protection order. It is written for these tests and describes no real procedure.")),
        ("para", ("2", "Officers should read the whole of this guidance before their first application, because each stage depends on records made at the stage before it.")),
    ]),
    ("2. Deciding to apply", [
        ("para", ("3", "An application is considered when the reports about one person show a pattern of fixated, obsessive and unwanted behaviour. The officer in the case records the pattern in the case file before any decision is taken.")),
        ("para", ("4", "The decision to apply is taken by a supervising inspector, who must consider at least the following:")),
        ("bullets", [
            "whether the behaviour is likely to continue without an order",
            "whether a lesser measure has already been tried and failed",
            "the wishes of the person being protected, recorded in their own words",
        ]),
        ("para", ("5", "Where the inspector decides not to apply, the reasons are written in the case file within three working days and a review date is set no later than twenty-eight days ahead.")),
    ]),
    ("3. Preparing the evidence", [
        ("para", ("6", "The evidence bundle contains a chronology of incidents, the statements taken, any digital material and a short summary of the risk. Each incident in the chronology carries the date, the place and the reference of the report in which it was first recorded, so that the court can follow the pattern of behaviour from the first report to the most recent one without turning to other documents.")),
        ("para", ("7", "Digital material is exported in a format the court can open without special software. Screenshots carry the date and time shown on the device and the name of the officer who took them. Where the material is long, the officer selects the parts relied on and explains in a short note why the other parts are not produced, and keeps the full export safe in the property system for the life of the order.")),
        ("para", ("8", "The summary of risk is reviewed by a second officer before the bundle is sent, and the reviewer signs the bundle index to show that every listed item is present.")),
    ]),
    ("4. Roles", [
        ("table", (["Role", "Responsibility"], [
            ["Response officer", "Records each report and tells the case officer on the same shift"],
            ["Case officer", "Builds the chronology and prepares the evidence bundle"],
            ["Supervising inspector", "Decides whether to apply and signs the application"],
        ])),
        ("para", ("9", "Each role is recorded against the case reference so that the court and the force can see who did what and when.")),
    ]),
    ("5. After the hearing", [
        ("para", ("10", "When an order is made, the case officer updates the force systems on the day of the hearing and sends a copy of the order to every team named in it. The copy is sent by secure e-mail and its receipt is confirmed by each team in writing before the end of the next working day.")),
        ("para", ("11", "If the court refuses the application, the case officer records the reasons given and discusses with the inspector whether further evidence could support a new application. The discussion and its outcome are recorded in the case file, together with the date on which the case will be looked at again.")),
        ("para", ("12", "An order that is breached is reported as a new crime, and the original case officer is told within one working day so that the chronology stays complete.")),
    ]),
    ("Annex A: Checklist", [
        ("text", "Before sending a bundle, the case officer confirms that the chronology, statements, digital material and risk summary are all present and indexed."),
        ("text", "The supervising inspector confirms the decision record is signed and dated."),
    ]),
]

GUIDANCE_TITLE = "Protection Order Applications: Northmoor Fixture Guidance"
RUNNING_HEADER = "Northmoor fixture guidance - protection order applications"


def _register_fonts() -> None:
    """Vera ships with reportlab: a real embedded font, so bullets are real characters."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in (("Vera", "Vera.ttf"), ("VeraBd", "VeraBd.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, file))


def _line_ops(sections: Sequence[tuple[str, Sequence[Item]]], width: float) -> list[tuple[str, Any]]:
    """Flatten sections into drawing operations (one per line), remembering paragraph starts."""
    from reportlab.lib.utils import simpleSplit

    _register_fonts()
    ops: list[tuple[str, Any]] = []
    for heading, items in sections:
        ops.append(("gap", 10))
        ops.append(("heading", heading))
        for kind, value in items:
            if kind == "para":
                number, text = value
                for i, line in enumerate(simpleSplit(text, "Vera", 10, width - 30)):
                    ops.append(("line", (number if i == 0 else None, 80, line, number)))
                ops.append(("gap", 6))
            elif kind == "text":
                for line in simpleSplit(value, "Vera", 10, width - 30):
                    ops.append(("line", (None, 80, line, None)))
                ops.append(("gap", 6))
            elif kind == "bullets":
                for bullet in value:
                    for i, line in enumerate(simpleSplit(bullet, "Vera", 10, width - 50)):
                        ops.append(("line", ("\u2022" if i == 0 else None, 95, line, "item")))
                ops.append(("gap", 6))
            elif kind == "table":
                ops.append(("table", value))
                ops.append(("gap", 8))
    return ops


def govuk_pdf(
    sections: Sequence[tuple[str, Sequence[Item]]] = GUIDANCE_SECTIONS,
    *,
    title: str = GUIDANCE_TITLE,
    header: str = RUNNING_HEADER,
    cover_lines: Sequence[str] = ("Edition 3", "Effective from 1 May 2026"),
    lines_per_page: int = 22,
    info_title: str = "",
) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """A gov.uk-style PDF: cover, contents with dot leaders, running header, "Page N of M"
    footer, numbered paragraphs ("14.") and bullet lists that cross page breaks, a ruled
    table and an annex.  Returns the bytes and, per paragraph number, (first page, last page).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page_w, page_h = A4
    ops = _line_ops(sections, page_w - 130)
    # Lay out body lines onto pages (page 1 cover, page 2 contents).
    pages: list[list[tuple[str, Any, float]]] = [[]]
    y = page_h - 90
    used = 0
    spans: dict[str, tuple[int, int]] = {}
    current: str | None = None
    for kind, value in ops:
        need = 1 if kind != "table" else (18 * (len(value[1]) + 1)) // 14 + 2  # rows are 18pt
        if kind == "gap":
            y -= value
            continue
        if used + need > lines_per_page:
            pages.append([])
            y, used = page_h - 90, 0
        if kind == "heading":
            from reportlab.lib.utils import simpleSplit

            for part in simpleSplit(value, "VeraBd", 14, page_w - 130):  # long headings wrap
                pages[-1].append(("heading", (value, part), y))
                y -= 18
            current = None
            y -= 4
            used += 1
            continue
        if kind == "table":
            pages[-1].append(("table", value, y))
            y -= 18 * (len(value[1]) + 1)
            used += need
            continue
        label, _x, _text, owner = value
        if owner not in (None, "item"):
            current = owner
        page_no = len(pages) + 2
        if current is not None and owner in (current, "item"):
            first = spans.get(current, (page_no, page_no))[0]
            spans[current] = (first, page_no)
        pages[-1].append(("line", value, y))
        y -= 14
        used += 1
    total = len(pages) + 2

    _register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    if info_title:
        pdf.setTitle(info_title)

    def furniture(number: int) -> None:
        pdf.setFont("Vera", 8)
        pdf.drawString(50, page_h - 40, header)
        pdf.drawCentredString(page_w / 2, 30, f"Page {number} of {total}")

    # cover
    pdf.setFont("VeraBd", 22)
    pdf.drawString(50, page_h - 250, title)
    pdf.setFont("Vera", 12)
    for i, line in enumerate(cover_lines):
        pdf.drawString(50, page_h - 290 - 18 * i, line)
    pdf.showPage()
    # contents
    furniture(2)
    pdf.setFont("VeraBd", 16)
    pdf.drawString(50, page_h - 90, "Contents")
    pdf.setFont("Vera", 10)
    first_pages: dict[str, int] = {}
    for number, page in enumerate(pages, start=3):
        for kind, value, _ in page:
            if kind == "heading":
                first_pages.setdefault(value[0], number)
    for i, (heading, _items) in enumerate(sections):
        pdf.drawString(60, page_h - 120 - 16 * i, f"{heading} {'.' * 60} {first_pages[heading]}")
    pdf.showPage()
    for number, page in enumerate(pages, start=3):
        furniture(number)
        for kind, value, y in page:
            if kind == "heading":
                pdf.setFont("VeraBd", 14)
                pdf.drawString(50, y, value[1])
            elif kind == "line":
                label, x, text, _owner = value
                pdf.setFont("Vera", 10)
                if label == "\u2022":
                    pdf.drawString(x - 12, y, label)
                elif label:
                    pdf.drawString(50, y, f"{label}.")
                pdf.drawString(x, y, text)
            else:
                head, rows = value
                xs = [80, 220, page_w - 50]
                ys = [y + 12 - 18 * i for i in range(len(rows) + 2)]
                pdf.grid(xs, ys)
                for r, row in enumerate([head, *rows]):
                    pdf.setFont("VeraBd" if r == 0 else "Vera", 8)
                    for c, cell in enumerate(row):
                        pdf.drawString(xs[c] + 4, ys[r] - 12, cell)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue(), spans


def expected_guidance(spans: dict[str, tuple[int, int]]) -> Expected:
    paragraphs: dict[str, tuple[str, int | None, int | None, str]] = {}
    rows: list[str] = []
    unnumbered: list[str] = []
    for heading, items in GUIDANCE_SECTIONS:
        last: str | None = None
        for kind, value in items:
            if kind == "para":
                number, text = value
                first, end = spans.get(number, (None, None))
                paragraphs[number] = (text, first, end, heading)
                last = number
            elif kind == "bullets" and last is not None:
                text, first, end, section = paragraphs[last]
                bullets = " ".join(f"\u2022 {b}" for b in value)
                paragraphs[last] = (f"{text} {bullets}", first, end, section)
            elif kind == "table":
                head, body = value
                rows += ["; ".join(f"{h}: {c}" for h, c in zip(head, row, strict=True)) for row in body]
            elif kind == "text":
                unnumbered.append(value)
    return Expected(
        title=GUIDANCE_TITLE,
        edition="3",
        effective_date="2026-05-01",
        paragraphs=paragraphs,
        table_rows=rows,
        furniture=[RUNNING_HEADER, "Page 3 of", "Contents", "....."],
        unnumbered=unnumbered,
    )


SAVED_PAGE_TITLE = "Protection orders: Northmoor fixture guidance"


def saved_web_page(folder: Path, stem: str = "protection-orders") -> tuple[Path, Expected]:
    """A gov.uk-style page saved with the browser's "Save page as": cookie banner, skip link,
    breadcrumbs, sidebar, share links, "Is this page useful?", and a ``STEM_files`` folder of
    styles, scripts, images and a saved frame."""
    sections = GUIDANCE_SECTIONS[:4]
    body: list[str] = []
    for heading, items in sections:
        body.append(f"<h2>{heading}</h2>")
        for kind, value in items:
            if kind == "para":
                body.append(f"<p>{value[0]}. {value[1]}</p>")
            elif kind == "bullets":
                body.append("<ul>" + "".join(f"<li>{b}</li>" for b in value) + "</ul>")
            elif kind == "table":
                head, rows = value
                body.append(
                    "<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"
                    + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
                    + "</tbody></table>"
                )
            elif kind == "text":
                body.append(f"<p>{value}</p>")
    assets = f"{stem}_files"
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{SAVED_PAGE_TITLE} - GOV.UK</title>
<meta name="govuk:first-published-at" content="2026-02-10T09:00:00+00:00">
<meta name="govuk:public-updated-at" content="2026-04-22T10:00:00+01:00">
<link rel="stylesheet" href="{assets}/application.css"><script src="{assets}/application.js"></script>
</head><body>
<div id="global-cookie-message" class="cookie-banner"><h2>Cookies on GOV.UK</h2>
<p>We use some essential cookies to make this website work.</p>
<p>We'd like to set additional cookies to understand how you use GOV.UK.</p>
<button>Accept additional cookies</button><button>Reject additional cookies</button>
<a href="#">View cookies</a></div>
<a href="#main-content" class="skip-link">Skip to main content</a>
<div class="header-bar"><a href="#">GOV.UK</a> <a href="#">Menu</a> <a href="#">Search</a></div>
<div class="breadcrumbs"><ol><li><a href="#">Home</a></li><li><a href="#">Crime, justice and law</a></li>
<li><a href="#">Policing</a></li></ol></div>
<div id="main-content" class="page">
<div class="title-block"><span class="caption">Guidance</span><h1>{SAVED_PAGE_TITLE}</h1></div>
<div class="metadata"><p>From: Northmoor Fixture Office</p><p>Published 10 February 2026</p>
<p>Last updated 22 April 2026</p></div>
<div class="sidebar"><h2>Related content</h2><ul><li><a href="#">Northmoor fixture leaflet for victims</a></li>
<li><a href="#">Northmoor fixture court forms</a></li></ul>
<h2>Explore the topic</h2><ul><li><a href="#">Policing</a></li></ul></div>
<div class="govspeak">
<p>Edition 3</p>
{chr(10).join(body)}
</div>
<div class="share"><h2>Share this page</h2><ul><li><a href="#">Facebook</a></li><li><a href="#">Twitter</a></li></ul></div>
<div class="feedback"><h2>Is this page useful?</h2><button>Yes this page is useful</button>
<button>No this page is not useful</button><a href="#">Report a problem with this page</a>
<p>Help us improve GOV.UK</p></div>
<a href="#top" class="back-to-top">Back to top</a>
</div>
<footer><p>All content is available under a fixture licence, except where otherwise stated</p></footer>
</body></html>"""
    page = folder / f"{stem}.html"
    page.write_text(html, encoding="utf-8")
    files = folder / assets
    files.mkdir(exist_ok=True)
    (files / "application.css").write_text("body { font-family: sans-serif }", encoding="utf-8")
    (files / "application.js").write_text("window.GOVUK = {};", encoding="utf-8")
    (files / "crest.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    (files / "saved_resource.html").write_text(
        "<html><body><p>Tracking frame saved with the page.</p></body></html>", encoding="utf-8"
    )
    expected = expected_guidance({})
    paragraphs = {
        n: v for n, v in expected.paragraphs.items() if v[3] in {h for h, _ in sections}
    }
    clutter = [
        "Cookies on GOV.UK", "essential cookies", "Skip to main content", "Crime, justice and law",
        "Related content", "Share this page", "Facebook", "Is this page useful", "Report a problem",
        "Help us improve", "Back to top", "fixture licence", "Tracking frame", "Northmoor fixture leaflet",
    ]
    return page, Expected(
        title=SAVED_PAGE_TITLE,
        edition="3",
        effective_date="2026-04-22",
        paragraphs=paragraphs,
        table_rows=expected.table_rows,
        furniture=clutter,
    )


POLICY_TITLE = "Northmoor Constabulary: Protection Order Procedure (fixture)"
POLICY_STEPS = {
    "3 Procedure": [
        "Record the report and its reference on the crime system before the end of the shift.",
        "Take the victim's account in their own words and note any earlier reports.",
        "Refer the case to the public protection team the same day.",
    ],
    "4 After the order": [
        "Serve a copy of the order and record the time of service.",
        "Set a review date no later than three months after the order.",
    ],
}
POLICY_ROLES = (
    ["Role", "Responsibility"],
    [
        ["Response officer", "Takes the first report and secures early evidence"],
        ["Investigating officer", "Prepares the application and the chronology"],
        ["Authorising inspector", "Approves the application before it goes to court"],
    ],
)


def _restart_numbering(document: Any, style_num_id: str) -> str:
    """A new list instance over the style's list, restarting at 1: what Word writes when a
    maintainer chooses "Restart at 1"."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    numbering = document.part.numbering_part.element
    abstract = next(
        n.find(qn("w:abstractNumId")).get(qn("w:val"))
        for n in numbering.findall(qn("w:num"))
        if n.get(qn("w:numId")) == style_num_id
    )
    new_id = str(max(int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))) + 1)
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{new_id}"><w:abstractNumId w:val="{abstract}"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
    ))
    return new_id


def word_policy(path: Path, *, control_table: bool = True) -> Expected:
    """A force's Word policy: Title and Heading styles, a document-control table, auto-numbered
    steps (Word's List Number style, restarted in each section), a roles table, a header with
    the protective marking and a footer, and python-docx's template dates left as they are."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "OFFICIAL"
    section.header.add_paragraph("Northmoor Constabulary policy - protection orders")
    section.footer.paragraphs[0].text = "Northmoor Constabulary - uncontrolled when printed"
    document.add_paragraph(POLICY_TITLE, style="Title")
    if control_table:
        table = document.add_table(rows=0, cols=2)
        for label, value in (("Policy owner", "Head of Public Protection"), ("Version", "2.1"),
                             ("Effective date", "1 March 2026"), ("Review date", "1 March 2027")):
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, value
    document.add_heading("1 Purpose", level=1)
    document.add_paragraph(
        "This fixture policy sets out how Northmoor officers handle reports that may lead to a "
        "protection order. It describes a made-up force for tests only."
    )
    document.add_heading("2 Roles", level=1)
    head, rows = POLICY_ROLES
    table = document.add_table(rows=1, cols=2)
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    style_num = document.styles["List Number"].element.pPr.numPr.numId.val
    for heading, steps in POLICY_STEPS.items():
        document.add_heading(heading, level=1)
        document.add_paragraph("Officers follow these steps in order.")
        num_id = _restart_numbering(document, str(style_num))
        for step in steps:
            para = document.add_paragraph(step, style="List Number")
            para._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
            )
        if heading.startswith("3"):
            document.add_paragraph("Check the victim's safety plan", style="List Bullet")
    document.save(str(path))
    paragraphs = {
        f"{heading.split()[0]}/{i}": (step, None, None, heading)
        for heading, steps in POLICY_STEPS.items()
        for i, step in enumerate(steps, start=1)
    }
    return Expected(
        title=POLICY_TITLE,
        edition="2.1" if control_table else "",
        effective_date="2026-03-01" if control_table else "",
        paragraphs=paragraphs,
        table_rows=["; ".join(f"{h}: {c}" for h, c in zip(head, row, strict=True)) for row in rows],
        furniture=["OFFICIAL", "uncontrolled when printed", "Policy owner", "Review date"],
    )


BRIEFING_TITLE = "Briefing 07/26: interim protection orders (fixture)"


def emailed_briefing(*, encoding: str = "utf-8") -> tuple[bytes, Expected]:
    """A briefing pasted from e-mail into a text file: protective marking at top and bottom,
    mail headers, an "Issued:" line, numbered points, bullets, and Windows punctuation."""
    text = "\r\n".join([
        "OFFICIAL",
        "",
        "From: Public Protection Unit",
        "Sent: 12 March 2026 09:14",
        "To: All Response Officers",
        "Subject: Briefing 07/26 - interim orders",
        "",
        BRIEFING_TITLE,
        "",
        "Issued: 12 March 2026",
        "Version: 1",
        "",
        "1. An interim order can be sought while the full application waits for a hearing \u2013 ask "
        "the case officer whether one is planned.",
        "",
        "2. Tell the victim \u201cwhat the order says\u201d in plain words, and record that you did.",
        "",
        "3. Before you leave the scene, check that:",
        "- the victim has the case reference",
        "- the victim knows how to report a breach (fee \u00a30)",
        "",
        "OFFICIAL",
    ])
    expected = Expected(
        title=BRIEFING_TITLE,
        edition="1",
        effective_date="2026-03-12",
        paragraphs={
            "1": ("An interim order can be sought while the full application waits for a hearing "
                  "\u2013 ask the case officer whether one is planned.", None, None, ""),
            "2": ("Tell the victim \u201cwhat the order says\u201d in plain words, and record that "
                  "you did.", None, None, ""),
            "3": ("Before you leave the scene, check that: \u2022 the victim has the case reference "
                  "\u2022 the victim knows how to report a breach (fee \u00a30)", None, None, ""),
        },
        table_rows=[],
        furniture=["OFFICIAL", "From:", "Sent:", "Subject:"],
    )
    return text.encode(encoding), expected


def image_only_pdf(lines: Sequence[str]) -> bytes:
    """A scanned page: the text rendered to an image (Pillow, reportlab's Vera font) and
    wrapped in a PDF with no text layer."""
    import os

    import reportlab
    from PIL import Image, ImageDraw, ImageFont

    font_path = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")
    font = ImageFont.truetype(font_path, 40)
    image = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((200, 300 + 80 * i), line, fill=0, font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=300.0)
    return buffer.getvalue()


def owner_restricted_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF that opens without a password but forbids printing and copying (owner password
    only), as published PDFs often are."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf_bytes(pages, title="Restricted")))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="owner-only", permissions_flag=0)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def sidecar_text(**fields: Any) -> str:
    """A maintainer's ``NAME.meta.yaml``."""
    import yaml

    return yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)


def _write_md(path: Path, title: str, sections: Sequence[Section]) -> Path:
    path.write_text(markdown_doc(path.stem, title, sections), encoding="utf-8")
    return path


def _write_html_page(path: Path, title: str, sections: Sequence[Section]) -> Path:
    return write_html(path, {"title": title}, title, sections)


def _write_pdf_doc(path: Path, title: str, sections: Sequence[Section]) -> Path:
    return write_pdf(path, [[heading, *paras] for heading, paras in sections], title=title)


def _write_docx_doc(path: Path, title: str, sections: Sequence[Section]) -> Path:
    return write_docx(
        path, doc_id="", title=title, edition="", status="", audience="",
        created=dt.datetime(2013, 12, 23, 23, 15, tzinfo=dt.UTC), sources=[], sections=sections,
    )


# One writer per registered format: tests/test_formats.py fails for a format without one.
WRITERS = {
    "md": _write_md,
    "txt": write_txt,
    "html": _write_html_page,
    "pdf": _write_pdf_doc,
    "docx": _write_docx_doc,
}
