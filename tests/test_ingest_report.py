"""The ingest report on real-format files: failures that stay listed, flags, quality, preview.

Real ingest runs (bundled model, Chroma on disk) over a corpus of a gov.uk-style PDF, a Word
policy without dates, a Markdown note and a broken file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures_docs import (
    change_of,
    govuk_pdf,
    image_only_pdf,
    markdown_doc,
    sidecar_text,
    word_policy,
)

from assistant.indexing import ingest
from assistant.ingest_report import load_status
from assistant.planning import plan
from assistant.settings import Settings

NOTE = [
    ("1 Alpha", ["1.1 Alpha rule about the register.", "1.2 Alpha rule about reviews."]),
    ("2 Beta", ["2.1 Beta rule about service."]),
]


def _corpus(make_corpus: Callable[..., Path]) -> Path:
    data, _ = govuk_pdf()
    corpus = make_corpus({
        "guidance.pdf": data,
        "note.md": markdown_doc("note", "Note", NOTE),
        "broken.pdf": b"%PDF-1.4\nnot really a pdf\n%%EOF",
        "~$policy.docx": b"\x00lock",
    })
    word_policy(corpus / "policy.docx", control_table=False)
    return corpus


def test_report_lists_failures_flags_and_quality_and_keeps_them(
    make_corpus: Callable[..., Path], settings_for: Callable[..., Settings]
) -> None:
    corpus = _corpus(make_corpus)
    settings = settings_for(corpus)
    strict = ingest(settings, strict=True)
    assert not strict.published and any("--strict" in n for n in strict.notes)
    assert strict.incomplete == ["policy.docx: no effective date or edition"]

    report = ingest(settings)
    assert report.published
    assert [f.split(":")[0] for f in report.failures] == ["broken.pdf"]  # the lock file: skipped
    assert report.incomplete == ["policy.docx: no effective date or edition"]
    quality = report.quality
    assert (quality.furniture, quality.split) == (0, 0)
    assert quality.numbered_share > 0.7
    text = report.render()
    assert "chunk quality:" in text and "missing   policy.docx" in text
    assert "error     broken.pdf" in text

    again = ingest(settings)  # nothing changed: nothing published, problems still listed
    assert not again.published and again.failures == report.failures
    status = load_status(settings)
    assert status is not None and status.live_version == report.version
    assert [f.split(":")[0] for f in status.failures] == ["broken.pdf"]
    assert status.incomplete == report.incomplete

    (corpus / "broken.pdf").unlink()
    (corpus / "policy.docx.meta.yaml").write_text(
        sidecar_text(edition="2.2", effective_date="2026-04-01"), encoding="utf-8"
    )
    fixed = ingest(settings)
    assert fixed.published and change_of(fixed, "policy").status == "changed"
    status = load_status(settings)
    assert status is not None and not status.failures and not status.incomplete
    assert ingest(settings, strict=True).notes == []

    (corpus / "policy.docx").rename(corpus / "policy-v2.docx")  # its sidecar stays behind
    moved = ingest(settings)
    assert "policy.docx.meta.yaml: no document policy.docx beside it" in moved.warnings
    assert "policy-v2.docx: no effective date or edition" in moved.incomplete


def test_dry_run_names_sections_added_changed_and_removed(
    make_corpus: Callable[..., Path], settings_for: Callable[..., Settings]
) -> None:
    corpus = make_corpus({"note.md": markdown_doc("note", "Note", NOTE)})
    settings = settings_for(corpus)
    ingest(settings)
    edited = [
        ("1 Alpha", ["1.1 Alpha rule about the register, now kept for a year.", "1.2 Alpha rule about reviews."]),
        ("3 Gamma", ["3.1 Gamma rule about appeals."]),
    ]
    (corpus / "note.md").write_text(markdown_doc("note", "Note", edited), encoding="utf-8")
    preview = plan(settings, None, dry_run=True).report
    change = change_of(preview, "note")
    assert change.status == "changed"
    assert (change.added_sections, change.changed_sections, change.removed_sections) == (
        ["3 Gamma"], ["1 Alpha"], ["2 Beta"])
    assert "section removed: 2 Beta" in preview.render()
    assert load_status(settings) is not None  # written by the real run, not by the preview


def test_ocr_setting_reaches_the_pdf_reader(
    make_corpus: Callable[..., Path], settings_for: Callable[..., Settings]
) -> None:
    corpus = make_corpus({
        "scan.pdf": image_only_pdf(["1. A scanned paragraph about the review date."]),
        "note.md": markdown_doc("note", "Note", NOTE),
    })
    off = plan(settings_for(corpus, ocr=False), None, dry_run=True).report
    assert off.failures == ["scan.pdf: scanned: needs OCR (image-only PDF; OCR is switched off: SPO_OCR)"]
    on = plan(settings_for(corpus), None, dry_run=True).report
    assert not on.failures and change_of(on, "scan").status == "added"
    assert "scan.pdf: page(s) 1 read by OCR; check their text" in on.warnings


def test_new_loaders_republish_unchanged_files_without_re_embedding(
    make_corpus: Callable[..., Path],
    settings_for: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After an upgrade that reads files differently, the next plain run re-chunks and
    publishes (text that did not move comes from the embedding cache)."""
    from assistant import planning

    settings = settings_for(make_corpus({"note.md": markdown_doc("note", "Note", NOTE)}))
    first = ingest(settings)
    assert not ingest(settings).published
    monkeypatch.setattr(planning, "STRUCTURE_VERSION", planning.STRUCTURE_VERSION + 1)
    upgraded = ingest(settings)
    assert upgraded.published and upgraded.version != first.version
    assert upgraded.chunks_embedded == 0
    assert any("re-chunked" in note for note in upgraded.notes)
    assert not ingest(settings).published
