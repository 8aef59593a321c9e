"""The downloadable transcript, and the product texts it and the pages show."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest

from assistant.answering import Assistant
from assistant.errors import SettingsError
from assistant.policy import texts as texts_module
from assistant.policy.texts import ProductTexts, product_texts
from assistant.settings import Settings
from assistant.transcript import render_transcript, when_label

ROOT = Path(__file__).resolve().parent.parent
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def answers(live_settings: Settings) -> list:
    assistant = Assistant(live_settings)
    first = assistant.ask("How long does an interim SPO last? Call me on 07700 900123.")
    refused = assistant.ask("how do I carry out a roadside drug wipe?")
    return [first, refused]


def test_transcript_carries_time_version_citations_and_notice(answers: list) -> None:
    first, refused = answers
    moment = dt.datetime(2026, 11, 29, 15, 40, tzinfo=LONDON)
    text = render_transcript(answers, moment, "investigating")
    assert "Downloaded: 29 November 2026, 15:40 GMT" in text
    assert f"Guidance index version: {first.corpus_version}" in text
    assert "Answers prefer guidance for: Investigating officer" in text
    notice = product_texts().not_official
    assert text.count(notice) == 2  # at the top and at the end
    assert first.question in text and "07700" not in text
    for citation in first.citations:
        assert f"[{citation.marker}] {citation.label}" in text
        quoted = "\n".join(f"> {line}" for line in citation.quote.splitlines() if line.strip())
        assert quoted in text
        assert f"edition {citation.edition}" in text
    assert "*(The assistant declined to answer.)*" in text and refused.text in text
    assert text.index("## Question 1") < text.index("## Question 2")


def test_transcript_says_when_an_answer_came_from_another_version(answers: list) -> None:
    first, refused = answers
    older = dataclasses.replace(first, corpus_version="20250101T000000-000000-abcdef")
    text = render_transcript([older, refused], dt.datetime.now(dt.UTC), None)
    assert "Answers prefer guidance for: Any role (no preference)" in text
    assert "Answered from guidance index version 20250101T000000-000000-abcdef." in text


def test_a_passage_across_a_page_break_is_cited_with_both_pages(answers: list) -> None:
    """The app's citation and the transcript read the same details, page span included."""
    first, _ = answers
    cited = first.citations[0]
    spanning = dataclasses.replace(cited, page=4, page_end=5)
    assert ("Pages", "4-5") in spanning.details and spanning.pages == "pp. 4-5"
    assert ("Page", "4") in dataclasses.replace(cited, page=4, page_end=4).details
    assert not [name for name, _ in cited.details if name.startswith("Page")]  # notes: no pages
    answer = dataclasses.replace(first, citations=[spanning])
    text = render_transcript([answer], dt.datetime.now(dt.UTC), None)
    assert "pages 4-5" in text and f"paragraph {cited.paragraphs}" in text


def test_times_read_the_same_in_any_zone() -> None:
    summer = dt.datetime(2026, 7, 1, 9, 5, tzinfo=LONDON)
    assert when_label(summer) == "1 July 2026, 09:05 BST"
    assert when_label(dt.datetime(2026, 7, 1, 8, 5, tzinfo=dt.UTC)) == "1 July 2026, 08:05 UTC"


def test_every_product_text_is_used_by_the_app() -> None:
    code = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "assistant").rglob("*.py")
        if p.name != "texts.py"
    )
    for field in dataclasses.fields(ProductTexts):
        assert re.search(rf"\.{field.name}\b", code), f"{field.name} is not shown anywhere"


def test_a_missing_or_unknown_product_text_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    good = texts_module.read_yaml("product.yaml")
    for data, expected in [
        ({**good, "slogan": "x"}, "unknown text(s) slogan"),
        ({k: v for k, v in good.items() if k != "not_official"}, "not_official must be"),
        ({**good, "ask_caption": "  "}, "ask_caption must be"),
    ]:
        monkeypatch.setattr(texts_module, "read_yaml", lambda name, d=data: d)
        with pytest.raises(SettingsError, match=r"product\.yaml") as info:
            product_texts.__wrapped__()
        assert expected in str(info.value) and "\n" not in str(info.value)
