"""Library page (AppTest, real ingest): problems stay listed across reloads, flags, preview.

The corpus holds a gov.uk-style PDF, a Word policy without an effective date or edition, a
Markdown note and a corrupt PDF; every run is a real ingest with the bundled model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT
from fixtures_docs import govuk_pdf, markdown_doc, sidecar_text, word_policy
from streamlit.testing.v1 import AppTest

from assistant.indexing import ingest
from assistant.settings import Settings

APP = str(ROOT / "app.py")
NOTE = [("1 Alpha", ["1.1 Alpha rule about the register."]), ("2 Beta", ["2.1 Beta rule."])]


def _open_library(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """A fresh session (as after a reload) on the Library page."""
    monkeypatch.setenv("SPO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SPO_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("SPO_FEEDBACK_DB", str(tmp_path / "feedback.sqlite"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("assistant/ui/library.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_library_lists_problems_after_reload_and_previews_a_reingest(
    make_corpus: Callable[..., Path],
    settings_for: Callable[..., Settings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, _ = govuk_pdf()
    corpus = make_corpus({
        "guidance.pdf": data,
        "note.md": markdown_doc("note", "Note", NOTE),
        "broken.pdf": b"%PDF-1.4\nnot really a pdf\n%%EOF",
    })
    word_policy(corpus / "policy.docx", control_table=False)
    settings = settings_for(corpus)
    assert ingest(settings).published

    at = _open_library(settings, tmp_path, monkeypatch)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Not loaded: broken.pdf")
    assert any("policy.docx: no effective date or edition" in w.value for w in at.warning)
    docs = at.dataframe[0].value
    flags = dict(zip(docs["doc_id"], docs["flags"], strict=True))
    assert flags["policy"] == "no effective date or edition" and flags["guidance"] == ""

    (corpus / "note.md").write_text(
        markdown_doc("note", "Note", [("1 Alpha", ["1.1 Alpha rule, edited."]), ("3 Gamma", ["3.1 New."])]),
        encoding="utf-8",
    )
    preview = next(b for b in at.button if b.label == "Preview changes")
    preview.click().run()
    assert not at.exception
    table = at.dataframe[0].value  # the preview comes first
    row = table[table["doc_id"] == "note"].iloc[0]
    assert (row["status"], row["sections added"], row["changed sections"], row["sections removed"]) == (
        "changed", "3 Gamma", "1 Alpha", "2 Beta")
    assert any("nothing has been written" in c.value for c in at.caption)

    (corpus / "broken.pdf").unlink()
    (corpus / "policy.docx.meta.yaml").write_text(
        sidecar_text(edition="2.2", effective_date="2026-04-01"), encoding="utf-8"
    )
    next(b for b in at.button if b.label == "Re-ingest now").click().run()
    assert not at.exception and at.success
    at = _open_library(settings, tmp_path, monkeypatch)  # reload
    assert not at.error and not [w for w in at.warning if "effective date" in w.value]
