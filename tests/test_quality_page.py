"""The Quality page driven headless with AppTest, against the real index of ``live_settings``.

The gold set, runs folder and feedback database are the test's own, through ``SPO_*``
variables, so nothing in the repository is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.evaluation import load_gold
from assistant.feedback import FeedbackStore
from assistant.schema import Answer, AnswerSentence
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "assistant" / "ui" / "quality.py")
TIMEOUT = 120

GOLD = [
    {"id": "Q1", "question": "Can British Transport Police apply for an SPO?",
     "expected_facts": ["the British Transport Police chief constable can apply"],
     "answerable": True, "expected_sections": [{"doc_id": "who-may-apply", "para": "3.1"}]},
    {"id": "Q2", "question": "What is the best recipe for chocolate cake?",
     "expected_facts": [], "answerable": False},
]  # fmt: skip


@pytest.fixture
def page(
    live_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(i) + "\n" for i in GOLD), encoding="utf-8")
    feedback = tmp_path / "feedback.sqlite"
    monkeypatch.setenv("SPO_DATA_DIR", str(live_settings.data_dir))
    monkeypatch.setenv("SPO_CORPUS_DIR", str(live_settings.corpus_dir))
    monkeypatch.setenv("SPO_FEEDBACK_DB", str(feedback))
    monkeypatch.setenv("SPO_EVAL_QUESTIONS", str(gold))
    monkeypatch.setenv("SPO_EVAL_RUNS", str(tmp_path / "runs"))
    return gold, feedback


def start() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_running_an_evaluation_shows_the_item_table(page: tuple[Path, Path]) -> None:
    gold, _ = page
    at = start()
    at.button(key="run_eval").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value  # the items table comes first
    assert list(table["id"]) == ["Q1", "Q2"]
    assert list(table["refusal ok"]) == [True, True]
    assert any("Q1" in e.label for e in at.expander)
    assert (gold.parent / "runs").exists()
    assert any(m.label == "hit at 5" for m in at.metric)


def test_promoting_thumbs_down_feedback_appends_a_gold_item(page: tuple[Path, Path]) -> None:
    gold, feedback = page
    answer = Answer(
        question="How long must a full SPO last?",
        text="An SPO lasts one year. [1]",
        sentences=[AnswerSentence("An SPO lasts one year.", (1,))],
        citations=[],
        refused=False,
    )
    store = FeedbackStore(feedback)
    store.add(answer, 1, comment="fine")
    feedback_id = store.add(
        answer,
        -1,
        comment="wrong length",
        correction="A full SPO lasts at least two years. It can also run until further order.",
    )
    at = start()
    assert len([b for b in at.button if b.key and b.key.startswith("promote_")]) == 1
    at.button(key=f"promote_{feedback_id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    items = load_gold(gold)
    assert len(items) == 3
    added = items[-1]
    assert added.question == "How long must a full SPO last?"
    assert added.expected_facts == [
        "A full SPO lasts at least two years.",
        "It can also run until further order.",
    ]
    assert added.answerable and added.source == f"officer feedback #{feedback_id}"
    assert store.list(rating=-1)[0].status == "promoted"
    assert not [b for b in at.button if b.key and b.key.startswith("promote_")]
