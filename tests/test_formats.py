"""Conformance: every registered format obeys the same contract.

The cases are parametrised over the loader registry, so a newly registered format is tested
by every case here as soon as it exists, and fails until tests/fixtures_docs.py gives it a
writer.  The README must name every supported suffix.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from fixtures_docs import WRITERS, sidecar_text

from assistant.errors import LoadError
from assistant.loading import SUPPORTED_SUFFIXES, formats, load_document, sidecar_of
from assistant.schema import ParagraphNotes

FORMATS = formats()
IDS = [f.name for f in FORMATS]
SECTIONS = [
    ("1 Making an application", [
        "1.1 The police apply to the magistrates' court for an order by complaint.",
        "1.2 An application may be made without notice in urgent cases.",
    ]),
    ("2 Duration", ["2.1 An order lasts for the period the court sets, at least two years."]),
]


def _write(tmp_path: Path, fmt_name: str, name: str = "note") -> Path:
    fmt = next(f for f in FORMATS if f.name == fmt_name)
    assert fmt_name in WRITERS, f"no fixture writer for format {fmt_name}"
    return WRITERS[fmt_name](tmp_path / f"{name}{fmt.suffixes[0]}", "Fixture Note", SECTIONS)


def test_every_format_has_a_writer() -> None:
    assert set(IDS) == set(WRITERS), "add a writer to tests/fixtures_docs.py WRITERS"


@pytest.mark.parametrize("fmt", IDS)
def test_structure_is_recovered(tmp_path: Path, fmt: str) -> None:
    doc = load_document(_write(tmp_path, fmt), tmp_path)
    assert doc.format == fmt
    assert doc.meta.title == "Fixture Note"
    assert [p.number for p in doc.paragraphs] == ["1.1", "1.2", "2.1"]
    assert doc.paragraphs[0].heading_path == ("1 Making an application",)
    assert doc.paragraphs[2].heading_path == ("2 Duration",)
    assert doc.paragraphs[0].text.startswith("The police apply")
    assert all(p.text and "  " not in p.text for p in doc.paragraphs)


@pytest.mark.parametrize("fmt", IDS)
def test_sidecar_gives_metadata_and_paragraph_notes(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt)
    before = load_document(path, tmp_path)
    sidecar_of(path).write_text(
        sidecar_text(
            doc_id="side-note", title="Title From Sidecar", edition="4",
            effective_date="2026-06-30",
            paragraphs={"1.2": {"kind": "rule", "audience": ["frontline"], "asks": ["urgent?"]}},
        ),
        encoding="utf-8",
    )
    doc = load_document(path, tmp_path)
    assert (doc.meta.doc_id, doc.meta.title) == ("side-note", "Title From Sidecar")
    assert (doc.meta.edition, doc.meta.effective_date) == ("4", "2026-06-30")
    notes = {p.number: p.notes for p in doc.paragraphs}
    assert notes["1.2"] == ParagraphNotes("rule", ("frontline",), ("urgent?",))
    assert notes["1.1"] == ParagraphNotes()
    assert doc.content_hash != before.content_hash  # a sidecar edit is a document change


@pytest.mark.parametrize("fmt", IDS)
def test_sidecar_mistakes_are_named(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt)
    side = sidecar_of(path)
    side.write_text(sidecar_text(efective_date="2026-01-01", paragraphs={"9.9": {"kind": "rule"}}))
    with pytest.raises(LoadError, match=r"sidecar .*meta\.yaml: no paragraph 9\.9") as info:
        load_document(path, tmp_path)
    assert info.value.path == path.name and "\n" not in str(info.value)
    side.write_text(sidecar_text(efective_date="2026-01-01"))
    doc = load_document(path, tmp_path)
    assert any("efective_date" in w and "effective_date" in w for w in doc.warnings)
    side.write_text("title: [unclosed\n")
    with pytest.raises(LoadError, match=r"meta\.yaml: malformed YAML at line \d"):
        load_document(path, tmp_path)


@pytest.mark.parametrize("fmt", IDS)
def test_bad_bytes_are_one_line_errors(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt)
    path.write_bytes(b"")
    with pytest.raises(LoadError, match="empty file"):
        load_document(path, tmp_path)
    path.write_bytes(b"\x00\x01\x02\x03garbage\x00" * 50)
    with pytest.raises(LoadError) as info:
        load_document(path, tmp_path)
    message = str(info.value)
    assert message.startswith(path.name) and "\n" not in message
    assert any(w in message for w in ("binary", "corrupt", "no text")), message


@pytest.mark.parametrize("fmt", IDS)
def test_no_date_from_the_file_system(tmp_path: Path, fmt: str) -> None:
    """Without a stated date the effective date stays empty (flagged), whatever the mtime."""
    path = _write(tmp_path, fmt)
    if fmt == "md":
        text = path.read_text(encoding="utf-8")
        path.write_text(
            "\n".join(ln for ln in text.splitlines() if not ln.startswith("effective_date")),
            encoding="utf-8",
        )
    doc = load_document(path, tmp_path)
    assert doc.meta.effective_date == ""


def test_readme_names_every_supported_suffix() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Supported formats", 1)[1].split("\n## ", 1)[0]
    for suffix in SUPPORTED_SUFFIXES:
        assert f"`{suffix}`" in section, f"README's Supported formats lacks {suffix}"
