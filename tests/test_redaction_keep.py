"""The guidance's own words survive redaction: checked against the corpus itself.

The notes contain no personal data (the few people they name are public figures in cases the
notes cite), so redacting any sentence of them must change nothing; and the force and court
names, dates and telephone numbers they state must be in ``keep.yaml``, so a maintainer who
adds a note naming a new force is told to add it there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from assistant.loading import iter_corpus_files, load_document
from assistant.redaction import find, redact
from assistant.redaction.policy import policy
from assistant.text import split_sentences

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
_FORCE_OR_COURT = re.compile(
    r"\b((?:[A-Z][a-z]+(?:'s)?\s+){1,3}(?:Police|Constabulary|Magistrates'\s+Court|Court))\b"
)
_FULL_DATE = re.compile(
    r"\b\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s+\d{4}\b"
)
_PHONE = re.compile(r"\b0\d{3}\s?\d{3}\s?\d{4}\b")
# Words a force or court name pattern picks up in front of the name itself.
_LEADING = {"The", "A", "An", "Each", "Every", "Any", "Which", "What", "Whether"}


def _corpus_markdown() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md")))


def _sentences() -> list[tuple[str, str]]:
    found = []
    for path in iter_corpus_files(CORPUS):
        document = load_document(path, CORPUS)
        for paragraph in document.paragraphs:
            found += [(document.doc_id, s) for s in split_sentences(paragraph.text)]
    return found


def _strip_leading(name: str) -> str:
    words = name.split()
    while words and words[0] in _LEADING:
        words = words[1:]
    return " ".join(words)


def test_every_force_and_court_the_notes_name_is_kept() -> None:
    keep = policy().keep
    kept = {p.lower() for p in keep.phrases}
    names = {_strip_leading(m) for m in _FORCE_OR_COURT.findall(_corpus_markdown())}
    names = {n for n in names if len(n.split()) > 1}
    assert names, "the pattern found no force or court names: check it against the notes"
    missing = sorted(n for n in names if n.lower() not in kept and redact(n)[1])
    assert not missing, f"add to redaction/data/keep.yaml: {missing}"


def test_every_date_and_telephone_number_the_notes_state_is_kept() -> None:
    text = _corpus_markdown()
    kept = {p.lower() for p in policy().keep.phrases}
    stated = set(_FULL_DATE.findall(text)) | set(_PHONE.findall(text))
    assert stated
    assert sorted(s for s in stated if s.lower() not in kept) == []


def test_no_sentence_of_the_notes_is_changed() -> None:
    changed = [
        (doc, sentence, [sentence[f.start : f.end] for f in find(sentence)])
        for doc, sentence in _sentences()
        if find(sentence)
    ]
    assert not changed, changed[:5]


def test_every_glossary_term_and_expansion_survives() -> None:
    glossary = yaml.safe_load((ROOT / "corpus-src" / "glossary.yaml").read_text(encoding="utf-8"))
    entries = [e for section in glossary["sections"] for e in section["entries"]]
    assert len(entries) > 20
    for entry in entries:
        for question in (f"what is a {entry['term']}?", f"explain {entry['expansion']} please"):
            assert redact(question) == (question, []), question


def _gold() -> list[dict[str, object]]:
    lines = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# Gold items with planted case details that neither name them in must_not_echo nor carry
# the personal_data tag (a pasted incident log with its dates).
WITH_DETAILS = {"P34", "P39", "P40"}


def _without_details(item: dict[str, object]) -> bool:
    tags = item.get("tags") or []
    return (
        item["id"] not in WITH_DETAILS
        and not item.get("must_not_echo")
        and "personal_data" not in tags  # type: ignore[operator]
    )


@pytest.mark.parametrize(
    "item", [g for g in _gold() if _without_details(g)], ids=lambda g: str(g["id"])
)
def test_gold_questions_without_details_reach_retrieval_unchanged(item: dict[str, object]) -> None:
    question = str(item["question"])
    assert redact(question) == (question, [])


def test_gold_questions_with_details_lose_them() -> None:
    items = {str(g["id"]): str(g["question"]) for g in _gold()}
    assert "Daniel Reeve" not in redact(items["P34"])[0]
    assert "42/11873/24" not in redact(items["P34"])[0]
    p39 = redact(items["P39"])[0]
    for detail in ("Sarah Whitfield", "02/03/1991", "14 Example Road", "AN1 2BC", "07700 900123"):
        assert detail not in p39


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        # "the Malik" and "Malik case" are both kept phrases and overlap: the first found
        # hid the second, and the case name was redacted as a person's
        ("what did the court decide in the malik case", True),
        ("whats the malik case about", True),
        # the same surname as a person in the officer's case is still a name
        ("suspect is Ahmed Malik from Leeds, can we get an spo", False),
        # a date the notes state, typed with a short month, is the law's date, not a birthday
        ("first spo was at brighton on 20 jan 2020 wasnt it", True),
        ("in force from the 20th Jan. 2020?", True),
        ("victim DOB 20 jan 1991", False),
        # a rank followed by what the officer needs is not a rank and a surname
        ("does my DS need to authorise the spo application", True),
        ("DS smith needs it today", False),
    ],
)
def test_guidance_words_typed_as_officers_type_them_are_kept(typed: str, kept: bool) -> None:
    assert (redact(typed)[0] == typed) is kept
