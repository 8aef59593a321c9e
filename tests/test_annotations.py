"""Paragraph annotations: a note's writer says what kind of text a paragraph is, whom it is
for and which questions it answers, and the loader, chunker and retriever honour it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REAL_CORPUS
from fixtures_docs import markdown_doc

from assistant.answering import Assistant
from assistant.chunking import chunk_document
from assistant.errors import LoadError, QuestionError
from assistant.indexing import ingest
from assistant.loading import iter_corpus_files, load_document
from assistant.policy import paragraph_vocabulary

ANNOTATED = [
    ("1 Durations", [
        "1.1 A harbour order lasts for the period the bench sets.\n"
        "<!--\nkind: rule\naudience: [investigating, authorising]\nasks:\n"
        "  - how long is one of these orders good for?\n  - does it run out?\n-->",
        "1.2 The first harbour order was made in a coastal town in 2020.\n"
        "<!-- {kind: case} -->",
        "1.3 An ordinary paragraph with no notes.\n<!-- a plain comment, not an annotation -->",
    ]),
]


def _note(tmp_path: Path, sections: list) -> Path:
    path = tmp_path / "harbour.md"
    path.write_text(markdown_doc("harbour", "Harbour Orders", sections), encoding="utf-8")
    return path


def test_annotation_comments_become_paragraph_notes(tmp_path: Path) -> None:
    doc = load_document(_note(tmp_path, ANNOTATED), tmp_path)
    first, second, third = doc.paragraphs
    assert first.notes.kind == "rule"
    assert first.notes.audience == ("investigating", "authorising")
    assert first.notes.asks == ("how long is one of these orders good for?", "does it run out?")
    assert "kind" not in first.text and "-->" not in first.text  # never part of the quoted text
    assert second.notes.kind == "case" and second.notes.audience == ()
    assert third.notes.kind == "" and third.notes.asks == ()


def test_chunks_carry_kind_audience_and_asks(tmp_path: Path) -> None:
    doc = load_document(_note(tmp_path, ANNOTATED), tmp_path)
    chunks = chunk_document(doc, max_tokens=200)
    assert chunks[0].kind == "rule" and chunks[0].audiences == ("investigating", "authorising")
    assert chunks[0].asks[0] == "how long is one of these orders good for?"
    assert chunks[0].audience == "investigating,authorising"
    assert chunks[2].audience == "all" and chunks[2].audiences == ()
    restored = type(chunks[0]).from_record(chunks[0].to_record())
    assert restored == chunks[0]


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        ("<!-- {kind: anecdote} -->", "kind 'anecdote' is not one of rule"),
        ("<!-- {audience: [sergeant]} -->", "audience 'sergeant' is not one of all"),
        ("<!-- {kind: rule, askz: [x]} -->", "unknown annotation field(s) askz"),
        ("<!-- {asks: [1, 2]} -->", "asks must be a list of questions"),
    ],
)
def test_a_wrong_annotation_names_the_line_and_the_field(
    tmp_path: Path, annotation: str, expected: str
) -> None:
    path = _note(tmp_path, [("1 Durations", [f"1.1 Text of the rule.\n{annotation}"])])
    with pytest.raises(LoadError) as info:
        load_document(path, tmp_path)
    line = path.read_text().splitlines().index(annotation) + 1
    assert f"annotation ending at line {line}" in str(info.value)
    assert expected in str(info.value)


def test_an_annotation_must_follow_a_paragraph(tmp_path: Path) -> None:
    path = _note(tmp_path, [("1 Durations", ["<!-- {kind: rule} -->", "1.1 Text."])])
    with pytest.raises(LoadError, match="does not follow a paragraph"):
        load_document(path, tmp_path)


def test_every_real_note_annotation_uses_the_vocabulary() -> None:
    """The real corpus loads, and its kinds and audiences are the policy file's."""
    vocabulary = paragraph_vocabulary()
    for path in iter_corpus_files(REAL_CORPUS):
        doc = load_document(path, REAL_CORPUS)
        for para in doc.paragraphs:
            assert para.notes.kind in ("", *vocabulary.kinds)
            assert set(para.notes.audience) <= set(vocabulary.audiences)


def test_reader_role_is_preferred_and_other_roles_are_named(make_corpus, settings_for) -> None:
    """Two paragraphs answer equally; the reader's role's paragraph is quoted first, and an
    answer that can only quote another role's paragraph says so."""
    sections = [("1 Lanterns", [
        "1.1 Lantern registers are checked by the duty sergeant every week.\n"
        "<!-- {audience: [frontline]} -->",
        "1.2 Lantern registers are checked by the approving inspector every week.\n"
        "<!-- {audience: [authorising]} -->",
    ])]
    corpus = make_corpus({"lantern.md": markdown_doc("lantern", "Lantern Registers", sections)})
    settings = settings_for(corpus, audience_weight=0.5)
    assert ingest(settings).published
    assistant = Assistant(settings)
    question = "who checks lantern registers every week?"
    as_frontline = assistant.ask(question, audience="frontline")
    as_authorising = assistant.ask(question, audience="authorising")
    assert as_frontline.citations[0].paragraphs == "1.1"
    assert as_authorising.citations[0].paragraphs == "1.2"
    assert as_frontline.audience == "frontline"
    for answer, other in ((as_frontline, "authorising"), (as_authorising, "frontline")):
        if len(answer.citations) > 1:
            assert answer.other_audiences == [other]
            assert any("written for the" in n for n in answer.notices)
    with pytest.raises(QuestionError, match="unknown audience"):
        assistant.ask(question, audience="superintendent")
