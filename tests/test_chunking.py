"""Chunks respect headings and sentences, fit the model's budget and carry citation metadata."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REAL_CORPUS
from fixtures_docs import expected_guidance, govuk_pdf, markdown_doc, word_policy, write_pdf

from assistant.chunking import chunk_document
from assistant.citations import cite
from assistant.embedding import Embedder
from assistant.ingest_report import chunk_quality
from assistant.loading import iter_corpus_files, load_document
from assistant.schema import Chunk, sha256_text
from assistant.text import split_sentences

MAX = 120

LONG_SENTENCES = [
    f"Sentence number {i} explains how the officer records the {w} in the case file."
    for i, w in enumerate(["address", "vehicle", "employer", "phone", "route", "school"] * 5)
]


def _fits_or_single_sentence(chunk: Chunk, embedder: Embedder, max_tokens: int) -> bool:
    return (
        embedder.count_tokens(chunk.embed_text) <= max_tokens
        or len(split_sentences(chunk.text)) == 1
    )


def test_long_numbered_paragraph_splits_between_sentences(tmp_path: Path, embedder: Embedder) -> None:
    sections = [
        ("1 Alpha section", [
            "1.1 " + " ".join(LONG_SENTENCES),
            "1.2 A short numbered paragraph.",
        ]),
        ("2 Beta section", ["2.1 Another short paragraph in beta."]),
    ]
    path = tmp_path / "long.md"
    path.write_text(markdown_doc("long-doc", "Long Doc", sections, edition="9",
                                 effective_date="2026-03-03"), encoding="utf-8")
    doc = load_document(path, tmp_path)
    chunks = chunk_document(doc, MAX, embedder.count_tokens)
    long_pieces = [c for c in chunks if c.paragraphs == ("1.1",)]
    assert len(long_pieces) >= 3  # it really was split
    assert " ".join(c.text for c in long_pieces) == " ".join(LONG_SENTENCES)
    for piece in long_pieces:
        assert piece.text.endswith("."), piece.text
        assert piece.text.split(" ")[0] == "Sentence"  # starts at a sentence start
        assert embedder.count_tokens(piece.embed_text) <= MAX
    # numbered paragraphs are never merged with neighbours
    assert [c.paragraphs for c in chunks if c.paragraphs != ("1.1",)] == [("1.2",), ("2.1",)]
    # metadata
    for c in chunks:
        assert (c.doc_id, c.title, c.edition, c.effective_date) == ("long-doc", "Long Doc", "9", "2026-03-03")
        assert c.source_path == "long.md"
        assert c.content_hash == sha256_text(c.embed_text)
        assert c.embed_text == f"Long Doc > {' > '.join(c.heading_path)}\n{c.text}"
        assert c.page is None
    assert chunks[-1].heading_path == ("2 Beta section",)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_unnumbered_prose_stands_alone_while_lists_and_rows_pack_within_a_heading(
    tmp_path: Path, embedder: Embedder
) -> None:
    """A paragraph of prose is a chunk of its own, numbered or not: packed with the next one,
    the answerer quoted both as one ("switch on body-worn video" then "footage is kept seven
    years").  A lead-in and its list, or table rows, still pack, and never across a heading."""
    sections = [
        (
            f"Part {name}",
            [
                f"{name} marker paragraph one is short.",
                f"{name} marker paragraph two is short too.",
                f"{name} marker officers must:",
                f"- {name} marker item one.",
                f"- {name} marker item two.",
                f"Role: {name} marker; Duty: records",
                f"Role: {name} marker deputy; Duty: checks",
            ],
        )
        for name in ("Red", "Green", "Blue")
    ]
    path = tmp_path / "prose.md"
    path.write_text(markdown_doc("prose", "Prose", sections), encoding="utf-8")
    chunks = chunk_document(load_document(path, tmp_path), MAX, embedder.count_tokens)
    assert len(chunks) == 9  # two paragraphs alone, then the lead-in with its list and rows
    for i, chunk in enumerate(chunks):
        name = ("Red", "Green", "Blue")[i // 3]
        assert chunk.heading_path == (f"Part {name}",)
        assert set(re.findall(r"\b(Red|Green|Blue)\b", chunk.text)) == {name}, chunk.text
    assert [c.text.count("marker") for c in chunks[:3]] == [1, 1, 5]
    assert chunks[2].text.startswith("Red marker officers must: - Red marker item one.")


def test_a_note_without_numbers_headings_or_dates_is_cited_by_what_it_has(
    tmp_path: Path, embedder: Embedder
) -> None:
    """A maintainer's bare Markdown briefing (no front matter, numbers or headings) is cited
    by its title, with no empty "para", section, edition or date left in the line."""
    from assistant.cli import render_answer
    from assistant.schema import Answer

    path = tmp_path / "briefing.md"
    path.write_text(
        "# Force briefing\n\nOfficers switch on body-worn video before arriving.\n\n"
        "## Who to tell\n\nEmail the public protection unit within a day.\n",
        encoding="utf-8",
    )
    chunks = chunk_document(load_document(path, tmp_path), MAX, embedder.count_tokens)
    opening, told = (cite(n, c) for n, c in enumerate(chunks, 1))
    assert (opening.label, told.label) == ("Force briefing", "Force briefing, Who to tell")
    answer = Answer(
        question="q", text="t [1] [2]", sentences=[], citations=[opening, told], refused=False
    )
    lines = render_answer(answer).splitlines()
    assert "[1] Force briefing" in lines and "[2] Force briefing, Who to tell" in lines


def test_pdf_chunks_carry_pages(tmp_path: Path, embedder: Embedder) -> None:
    pages = [["1 Start", "1.1 Page one text."], ["2 Next", "2.1 Page two text."]]
    write_pdf(tmp_path / "p.pdf", pages, title="Paged", doc_id="paged")
    chunks = chunk_document(load_document(tmp_path / "p.pdf", tmp_path), MAX, embedder.count_tokens)
    assert [(c.paragraphs, c.page) for c in chunks] == [(("1.1",), 1), (("2.1",), 2)]
    assert chunks[1].chroma_metadata()["page"] == 2


def test_real_corpus_chunks_obey_every_rule(embedder: Embedder) -> None:
    """On the real corpus (structure only): budget, sentences, headings, numbers, metadata."""
    budget = 200
    for path in iter_corpus_files(REAL_CORPUS):
        doc = load_document(path, REAL_CORPUS)
        chunks = chunk_document(doc, budget, embedder.count_tokens)
        assert chunks, path
        paths_by_number = {p.number: p.heading_path for p in doc.paragraphs if p.number}
        texts_by_number = {p.number: p.text for p in doc.paragraphs if p.number}
        for chunk in chunks:
            assert _fits_or_single_sentence(chunk, embedder, budget), chunk.chunk_id
            assert chunk.doc_id == doc.doc_id and chunk.title == doc.meta.title
            assert chunk.edition == doc.meta.edition and chunk.effective_date == doc.meta.effective_date
            assert chunk.source_path == doc.source_path
            assert chunk.content_hash == sha256_text(chunk.embed_text)
            assert chunk.embed_text.startswith(" > ".join((doc.meta.title, *chunk.heading_path)))
            assert len(chunk.paragraphs) <= 1  # a numbered paragraph stands alone
            for number in chunk.paragraphs:
                assert paths_by_number[number] == chunk.heading_path  # no heading crossed
        # a split paragraph is cut only between its own sentences
        for number, text in texts_by_number.items():
            pieces = [c.text for c in chunks if c.paragraphs == (number,)]
            assert " ".join(pieces) == text, (path.name, number)
            if len(pieces) > 1:
                sentences = split_sentences(text)
                assert sum(len(split_sentences(p)) for p in pieces) == len(sentences)


def test_govuk_pdf_chunks_one_per_paragraph_with_pages_and_no_furniture(
    tmp_path: Path, embedder: Embedder
) -> None:
    data, spans = govuk_pdf()
    (tmp_path / "g.pdf").write_bytes(data)
    expected = expected_guidance(spans)
    doc = load_document(tmp_path / "g.pdf", tmp_path)
    chunks = chunk_document(doc, 200, embedder.count_tokens)
    numbered = [c for c in chunks if c.paragraphs]
    assert [c.paragraphs[0] for c in numbered] == list(expected.paragraphs)  # one each, in order
    for chunk in numbered:
        text, first, last, section = expected.paragraphs[chunk.paragraphs[0]]
        assert chunk.text == text and chunk.heading_path == (section,)
        assert (chunk.page, chunk.page_end or chunk.page) == (first, last)
    crossing = next(c for c in numbered if c.page_end)
    citation = cite(1, crossing)
    assert citation.pages == f"pp. {crossing.page}-{crossing.page_end}"
    assert citation.label.endswith(citation.pages)
    roles = [c for c in chunks if c.heading_path == ("4. Roles",) and not c.paragraphs]
    assert [r for c in roles for r in expected.table_rows if r in c.text] == expected.table_rows
    quality = chunk_quality(chunks, {doc.doc_id: doc.furniture})
    assert (quality.furniture, quality.split) == (0, 0)
    assert quality.numbered == len(expected.paragraphs)


def test_word_steps_are_chunks_of_their_own(tmp_path: Path, embedder: Embedder) -> None:
    expected = word_policy(tmp_path / "policy.docx")
    doc = load_document(tmp_path / "policy.docx", tmp_path)
    chunks = chunk_document(doc, 200, embedder.count_tokens)
    steps = [(c.heading_path[0].split()[0], c.paragraphs) for c in chunks if c.paragraphs]
    assert steps == [(k.split("/")[0], (k.split("/")[1],)) for k in expected.paragraphs]


def test_quality_counts_furniture_and_split_paragraphs(tmp_path: Path) -> None:
    """The summary is a check, not a formality: it finds what a bad loader leaves behind."""
    def chunk(position: int, text: str, number: str | None = None) -> Chunk:
        return Chunk(f"d#{position}", "d", "T", "1", "2026-01-01", ("S",),
                     (number,) if number else (), None, "d.pdf", text, "h", position=position)

    chunks = [
        chunk(0, "The first part of paragraph four and", "4"),
        chunk(1, "Running header text that slipped in. Page 3 of 9"),
        chunk(2, "continued text of paragraph four."),
        chunk(3, "More of paragraph four.", "4"),
        chunk(4, "A long paragraph, first half.", "5"),
        chunk(5, "A long paragraph, second half.", "5"),
    ]
    quality = chunk_quality(chunks, {"d": ["Running header text"]})
    assert (quality.chunks, quality.numbered, quality.furniture) == (6, 4, 1)
    assert quality.split == 2  # a lower-case start, and paragraph 4 in two runs
    assert quality.cut_to_fit == 1
    assert "67% of 6 chunks" in quality.render()
