"""Every supported format loads into a Document with the right metadata and structure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import REAL_CORPUS
from fixtures_docs import (
    markdown_doc,
    write_docx,
    write_encrypted_pdf,
    write_html,
    write_pdf,
    write_txt,
)

from assistant.errors import LoadError
from assistant.loading import iter_corpus_files, load_document, missing

SECTIONS = [
    ("1 Making an application", [
        "1.1 The police apply to the magistrates' court for an order. The application is made by complaint.",
        "1.2 An application may be made without notice in urgent cases.",
    ]),
    ("2 Duration", [
        "2.1 An order lasts at least two years when made for a fixed period.",
        "Unnumbered closing remark for this section.",
    ]),
]


def test_markdown_front_matter_and_numbering(tmp_path: Path) -> None:
    path = tmp_path / "apply.md"
    path.write_text(
        markdown_doc("apply-note", "Applying for an Order", SECTIONS, edition="2026.3",
                     effective_date="2026-04-01", sources=("Act 2019, s 1", "Guidance 2024")),
        encoding="utf-8",
    )
    doc = load_document(path, tmp_path)
    assert doc.format == "md" and doc.source_path == "apply.md"
    assert doc.meta.doc_id == "apply-note"
    assert doc.meta.title == "Applying for an Order"
    assert doc.meta.edition == "2026.3"
    assert doc.meta.effective_date == "2026-04-01"
    assert doc.meta.sources == ("Act 2019, s 1", "Guidance 2024")
    assert len(doc.content_hash) == 64
    numbers = [p.number for p in doc.paragraphs]
    assert numbers == ["1.1", "1.2", "2.1", None]
    first = doc.paragraphs[0]
    assert first.heading_path == ("1 Making an application",)
    assert first.text.startswith("The police apply")  # the number is not part of the text
    assert doc.paragraphs[3].heading_path == ("2 Duration",)


def test_txt_title_headings_and_numbers(tmp_path: Path) -> None:
    path = write_txt(tmp_path / "Plain Note.txt", "Plain Note Title", SECTIONS)
    doc = load_document(path, tmp_path)
    assert doc.format == "txt"
    assert doc.meta.doc_id == "plain-note"  # from the file name
    assert doc.meta.title == "Plain Note Title"
    assert [p.number for p in doc.paragraphs] == ["1.1", "1.2", "2.1", None]
    assert doc.paragraphs[2].heading_path == ("2 Duration",)


def test_html_meta_tags_headings_and_paragraphs(tmp_path: Path) -> None:
    meta = {"doc_id": "html-note", "title": "HTML Note", "edition": "7",
            "effective_date": "2025-12-01", "sources": "Source A;Source B"}
    path = write_html(tmp_path / "note.html", meta, "HTML Note", SECTIONS)
    doc = load_document(path, tmp_path)
    assert doc.format == "html"
    assert (doc.meta.doc_id, doc.meta.title, doc.meta.edition) == ("html-note", "HTML Note", "7")
    assert doc.meta.effective_date == "2025-12-01"
    assert doc.meta.sources == ("Source A", "Source B")
    assert [p.number for p in doc.paragraphs] == ["1.1", "1.2", "2.1", None]
    assert doc.paragraphs[1].heading_path == ("1 Making an application",)
    text = " ".join(p.text for p in doc.paragraphs)
    assert "script text" not in text and "Navigation" not in text


def test_pdf_pages_metadata_and_numbering(tmp_path: Path) -> None:
    pages = [
        ["1 First part", "1.1 Text on page one about the register.", "1.2 More text on page one."],
        ["2 Second part", "2.1 Text on page two about renewal.", "continued on the same paragraph."],
        ["3 Third part", "3.1 Text on page three about appeals."],
    ]
    path = write_pdf(tmp_path / "paged.pdf", pages, title="Paged Note", doc_id="paged-note",
                     edition="2026.2")
    doc = load_document(path, tmp_path)
    assert doc.format == "pdf"
    assert (doc.meta.doc_id, doc.meta.title, doc.meta.edition) == ("paged-note", "Paged Note", "2026.2")
    by_number = {p.number: p for p in doc.paragraphs}
    assert set(by_number) == {"1.1", "1.2", "2.1", "3.1"}
    assert [by_number[n].page for n in ("1.1", "1.2", "2.1", "3.1")] == [1, 1, 2, 3]
    assert by_number["2.1"].heading_path == ("2 Second part",)
    assert by_number["2.1"].text.endswith("continued on the same paragraph.")


def test_docx_core_properties_and_heading_styles(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "word.docx", doc_id="word-note", title="Word Note", edition="3.1",
        status="Draft for testing", audience="investigator",
        created=dt.datetime(2026, 2, 3, 9, 30, tzinfo=dt.UTC),
        sources=["Act 2019, s 2", "Court rules 2020"], sections=SECTIONS,
    )
    doc = load_document(path, tmp_path)
    meta = doc.meta
    assert doc.format == "docx"
    assert (meta.doc_id, meta.title, meta.edition) == ("word-note", "Word Note", "3.1")
    assert meta.status == "Draft for testing" and meta.audience == "investigator"
    assert meta.effective_date == ""  # "created" is the template's date, never the effective one
    assert missing(meta) == ["effective date"]
    assert meta.sources == ("Act 2019, s 2", "Court rules 2020")
    assert [p.number for p in doc.paragraphs] == ["1.1", "1.2", "2.1", None]
    assert doc.paragraphs[0].heading_path == ("1 Making an application",)


def test_real_corpus_structure() -> None:
    """Every real corpus file loads, with a doc_id, a title and numbered paragraphs under headings."""
    files = list(iter_corpus_files(REAL_CORPUS))
    assert any(f.suffix == ".docx" for f in files) and any(f.suffix == ".md" for f in files)
    ids = set()
    for path in files:
        doc = load_document(path, REAL_CORPUS)
        ids.add(doc.doc_id)
        assert doc.meta.title and doc.meta.effective_date
        numbered = [p for p in doc.paragraphs if p.number]
        assert numbered, path
        assert all(p.heading_path for p in numbered), path
    assert len(ids) == len(files)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("binary.md", b"\x00\x01\x02binary\x00", "binary"),
        ("latin.txt", "caf\u00e9 au lait".encode("latin-1"), "not valid UTF-8"),
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf\n%%EOF", "pdf"),
        ("notes.rtf", b"{\\rtf1 hello}", "unsupported file type '.rtf'"),
        ("bad-front.md", b"---\ntitle: [unclosed\n---\n# T\n\n1.1 Text.\n", "front matter"),
    ],
)
def test_bad_files_raise_one_line_load_error(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError) as info:
        load_document(path, tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(name) and reason.lower() in message.lower()


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    path = write_encrypted_pdf(tmp_path / "locked.pdf", [["1.1 Secret text."]])
    with pytest.raises(LoadError, match="encrypted") as info:
        load_document(path, tmp_path)
    assert info.value.path == "locked.pdf"
