"""Every supported format loads into a Document with the right metadata and structure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import REAL_CORPUS
from fixtures_docs import (
    GUIDANCE_SECTIONS,
    GUIDANCE_TITLE,
    RUNNING_HEADER,
    emailed_briefing,
    expected_guidance,
    govuk_pdf,
    image_only_pdf,
    markdown_doc,
    owner_restricted_pdf,
    saved_web_page,
    sidecar_text,
    word_policy,
    write_docx,
    write_encrypted_pdf,
    write_html,
    write_pdf,
    write_txt,
)

from assistant.errors import LoadError
from assistant.loading import LoadOptions, iter_corpus_files, load_document, missing, sidecar_of

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
        assert doc.meta.title and doc.meta.edition, path
        assert doc.meta.effective_date or path.suffix == ".docx", path
        assert not doc.warnings, (path, doc.warnings)
        numbered = [p for p in doc.paragraphs if p.number]
        assert numbered, path
        assert all(p.heading_path for p in numbered), path
    assert len(ids) == len(files)


def test_glossary_build_writes_an_effective_date_the_loader_reads(tmp_path: Path) -> None:
    """Word has no effective-date property and "created" is not one; the glossary build script
    writes it as a custom property (rebuild corpus/glossary.docx to carry it)."""
    import importlib.util

    import yaml

    spec = importlib.util.spec_from_file_location("build", REAL_CORPUS.parent / "scripts" / "build_corpus_docs.py")
    assert spec and spec.loader
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    src = REAL_CORPUS.parent / "corpus-src" / "glossary.yaml"
    built = builder.build(src, tmp_path / "glossary.docx")
    doc = load_document(built, tmp_path)
    want = yaml.safe_load(src.read_text(encoding="utf-8"))
    assert doc.meta.effective_date == str(want["effective_date"])
    assert doc.meta.edition == str(want["edition"]) and not missing(doc.meta)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("binary.md", b"\x00\x01\x02binary\x00", "binary"),
        ("noise.txt", bytes(range(128, 256)) * 8, "text encoding not recognised"),
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
    with pytest.raises(LoadError, match="encrypted PDF: it needs a password to open") as info:
        load_document(path, tmp_path)
    assert info.value.path == "locked.pdf"


def test_owner_restricted_pdf_loads(tmp_path: Path) -> None:
    """Printing and copying forbidden, but no password to open: the text is read."""
    path = tmp_path / "restricted.pdf"
    path.write_bytes(owner_restricted_pdf([["1 Heading", "1.1 Restricted text is still guidance."]]))
    doc = load_document(path, tmp_path)
    assert [(p.number, p.text) for p in doc.paragraphs] == [("1.1", "Restricted text is still guidance.")]


# --- realistic published documents ---------------------------------------------------------


def _no_furniture(texts: list[str], furniture: list[str]) -> None:
    for text in texts:
        for bit in furniture:
            assert bit not in text, (bit, text)


@pytest.mark.parametrize("lines_per_page", [14, 22])  # 14: a bullet list crosses a page break
def test_govuk_pdf_paragraphs_pages_headings_and_metadata(tmp_path: Path, lines_per_page: int) -> None:
    data, spans = govuk_pdf(lines_per_page=lines_per_page)
    path = tmp_path / "guidance.pdf"
    path.write_bytes(data)
    expected = expected_guidance(spans)
    assert any(first != last for first, last in spans.values())  # a paragraph crosses a page
    doc = load_document(path, tmp_path)
    assert (doc.meta.title, doc.meta.edition, doc.meta.effective_date) == (
        expected.title, expected.edition, expected.effective_date)
    numbered = {p.number: p for p in doc.paragraphs if p.number}
    assert set(numbered) == set(expected.paragraphs)
    for number, (text, first, last, section) in expected.paragraphs.items():
        para = numbered[number]
        assert para.text == text, number
        assert (para.page, para.page_end or para.page) == (first, last), number
        assert para.heading_path == (section,), number
    rows = [p for p in doc.paragraphs if p.number is None and p.heading_path == ("4. Roles",)]
    assert [p.text for p in rows] == expected.table_rows
    annex = [p.text for p in doc.paragraphs if p.heading_path == ("Annex A: Checklist",)]
    assert annex == expected.unnumbered
    _no_furniture([p.text for p in doc.paragraphs], expected.furniture)
    assert RUNNING_HEADER in doc.furniture and not doc.warnings


def test_pdf_heading_set_on_two_lines_is_one_heading(tmp_path: Path) -> None:
    long = "2. Deciding whether an application to the magistrates' court should be made at all"
    sections = [GUIDANCE_SECTIONS[0], (long, GUIDANCE_SECTIONS[1][1])]
    data, _ = govuk_pdf(sections)
    (tmp_path / "g.pdf").write_bytes(data)
    doc = load_document(tmp_path / "g.pdf", tmp_path)
    assert {p.number: p.heading_path for p in doc.paragraphs}["3"] == (long,)


def test_pdf_title_property_from_a_word_export_is_not_a_title(tmp_path: Path) -> None:
    data, _ = govuk_pdf(info_title="Microsoft Word - SPO guidance v3.docx")
    path = tmp_path / "g.pdf"
    path.write_bytes(data)
    assert load_document(path, tmp_path).meta.title == GUIDANCE_TITLE


def test_word_policy_numbering_tables_and_document_control(tmp_path: Path) -> None:
    path = tmp_path / "policy.docx"
    expected = word_policy(path)
    doc = load_document(path, tmp_path)
    assert (doc.meta.title, doc.meta.edition, doc.meta.effective_date) == (
        expected.title, expected.edition, expected.effective_date)  # not the template's 2013 date
    steps = [(p.heading_path[0].split()[0], p.number, p.text) for p in doc.paragraphs if p.number]
    assert [(s, n) for s, n, _ in steps] == [tuple(k.split("/")) for k in expected.paragraphs]
    got = {f"{s}/{n}": t for s, n, t in steps}
    for key, (text, *_rest) in expected.paragraphs.items():
        assert got[key].startswith(text), key
    assert got["3/3"].endswith("\u2022 Check the victim's safety plan")  # the list stays with its step
    assert [p.text for p in doc.paragraphs if p.heading_path == ("2 Roles",)] == expected.table_rows
    _no_furniture([p.text for p in doc.paragraphs], expected.furniture)
    assert "uncontrolled when printed" in " ".join(doc.furniture)


def test_word_policy_without_dates_is_flagged_until_a_sidecar_gives_them(tmp_path: Path) -> None:
    path = tmp_path / "policy.docx"
    word_policy(path, control_table=False)
    doc = load_document(path, tmp_path)
    assert missing(doc.meta) == ["effective date", "edition"]
    sidecar_of(path).write_text(sidecar_text(edition="2.2", effective_date="2026-04-01"))
    doc = load_document(path, tmp_path)
    assert (doc.meta.edition, doc.meta.effective_date) == ("2.2", "2026-04-01")
    assert not missing(doc.meta)


def test_saved_web_page_keeps_the_guidance_and_drops_the_site(tmp_path: Path) -> None:
    page, expected = saved_web_page(tmp_path)
    assert [p.name for p in iter_corpus_files(tmp_path)] == [page.name]  # assets folder skipped
    doc = load_document(page, tmp_path)
    assert (doc.meta.title, doc.meta.edition, doc.meta.effective_date) == (
        expected.title, expected.edition, expected.effective_date)
    numbered = {p.number: p for p in doc.paragraphs if p.number}
    assert set(numbered) == set(expected.paragraphs)
    for number, (text, _first, _last, section) in expected.paragraphs.items():
        assert numbered[number].text == text and numbered[number].heading_path == (section,)
    rows = [p.text for p in doc.paragraphs if p.number is None and p.heading_path == ("4. Roles",)]
    assert rows == expected.table_rows
    _no_furniture([p.text for p in doc.paragraphs] + [" > ".join(p.heading_path) for p in doc.paragraphs],
                  expected.furniture)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_emailed_briefing_in_any_encoding(tmp_path: Path, encoding: str) -> None:
    data, expected = emailed_briefing(encoding=encoding)
    path = tmp_path / "briefing.txt"
    path.write_bytes(data)
    doc = load_document(path, tmp_path)
    assert (doc.meta.title, doc.meta.edition, doc.meta.effective_date) == (
        expected.title, expected.edition, expected.effective_date)
    assert {p.number: p.text for p in doc.paragraphs} == {
        n: text for n, (text, *_rest) in expected.paragraphs.items()}
    _no_furniture([p.text for p in doc.paragraphs], expected.furniture)


def test_image_only_pdf_is_read_by_ocr_or_reported(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_only_pdf([
        "Scanned fixture note", "", "1. A scanned paragraph about the review date.",
        "2. Another scanned paragraph about service.",
    ]))
    doc = load_document(path, tmp_path, LoadOptions(ocr=True))
    numbered = {p.number: p.text for p in doc.paragraphs if p.number}
    assert numbered == {"1": "A scanned paragraph about the review date.",
                        "2": "Another scanned paragraph about service."}
    assert all(p.page == 1 for p in doc.paragraphs)
    assert any("read by OCR" in w for w in doc.warnings)
    with pytest.raises(LoadError, match=r"scan\.pdf: scanned: needs OCR"):
        load_document(path, tmp_path, LoadOptions(ocr=False))


def test_lock_temp_and_sidecar_files_are_skipped_quietly(tmp_path: Path) -> None:
    write_txt(tmp_path / "note.txt", "Note", SECTIONS)
    for name in ("~$policy.docx", ".~lock.policy.docx#", "~WRL0001.tmp", "Thumbs.db", "note.txt~"):
        (tmp_path / name).write_bytes(b"\x00lock")
    sidecar_of(tmp_path / "note.txt").write_text("edition: '1'\n")
    assert [p.name for p in iter_corpus_files(tmp_path)] == ["note.txt"]


def test_markdown_front_matter_mistakes_are_warned(tmp_path: Path) -> None:
    path = tmp_path / "m.md"
    path.write_text("---\ndoc_id: m\ntitle: M\nefective_date: 2026-01-01\n---\n# M\n\n1.1 Text.\n",
                    encoding="utf-8")
    doc = load_document(path, tmp_path)
    warnings = " | ".join(doc.warnings)
    assert "unknown front-matter field 'efective_date' (did you mean effective_date?)" in warnings
    assert "front matter lacks edition, effective_date, status, sources" in warnings
    assert doc.meta.effective_date == ""


def test_document_vocabulary_is_data_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.errors import SettingsError
    from assistant.loading import vocabulary as module
    from assistant.policy import read_yaml

    words = module.vocabulary()
    assert words.is_marking("OFFICIAL-SENSITIVE") and not words.is_marking("Official guidance")
    assert words.is_furniture("Page 3 of 12") and not words.is_furniture("3.1 The court may")
    assert words.is_web_clutter("Is this page useful?") and not words.is_web_clutter("Home Office guidance applies")
    assert words.is_contents_entry("2. Deciding to apply ........ 4")
    assert words.skips_file("~$policy.docx") and not words.skips_file("policy.docx")
    bad = read_yaml("documents.yaml") | {"web_clutter": ["(unclosed"]}
    monkeypatch.setattr(module, "read_yaml", lambda name: bad)
    module.vocabulary.cache_clear()
    try:
        with pytest.raises(SettingsError, match=r"documents\.yaml: web_clutter: bad pattern '\(unclosed'"):
            module.vocabulary()
    finally:
        monkeypatch.undo()
        module.vocabulary.cache_clear()
