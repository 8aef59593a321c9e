"""Only the redacted form of a question is kept: in the answer, the conversation, the
transcript an officer downloads and the feedback store, with the real assistant and index.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from assistant.answering import Assistant
from assistant.feedback import FeedbackStore
from assistant.schema import Answer
from assistant.settings import Settings

QUESTION = (
    "victim is jane smith, born 3 March 1990, lives at Flat 3, 22 Station Approach, "
    "her ex Kev Brown (LR19 KXP) keeps turning up - how long does an interim SPO last?"
)
DETAILS = ("jane", "smith", "3 March 1990", "Station Approach", "Kev Brown", "LR19 KXP")


@pytest.fixture(scope="module")
def answered(live_settings: Settings) -> tuple[Assistant, Answer]:
    assistant = Assistant(live_settings)
    return assistant, assistant.ask(QUESTION)


def test_the_answer_comes_with_a_notice_naming_the_kinds(
    answered: tuple[Assistant, Answer],
) -> None:
    _, answer = answered
    assert not answer.refused
    assert "interim" in answer.text.lower()
    notice = next(n for n in answer.notices if n.startswith("Personal details"))
    for kind in ("name", "date of birth", "address", "vehicle registration"):
        assert kind in notice
    dumped = json.dumps(answer.to_json())
    for detail in DETAILS:
        assert detail not in dumped


def test_follow_ups_and_the_transcript_hold_only_the_redacted_question(
    answered: tuple[Assistant, Answer],
) -> None:
    import streamlit as st

    from assistant.ui import ask, session

    assistant, answer = answered
    follow_up = assistant.ask("and can it be renewed?", [answer.question])
    assert not any(d in follow_up.retrieval_query for d in DETAILS)
    st.session_state[session.TURNS] = [session.Turn(1, answer), session.Turn(2, follow_up)]
    transcript = ask.transcript()
    assert "[name removed]" in transcript and "renewed" in transcript
    for detail in DETAILS:
        assert detail not in transcript


def test_feedback_on_the_answer_stores_no_detail(
    answered: tuple[Assistant, Answer], tmp_path: Path
) -> None:
    _, answer = answered
    db = tmp_path / "feedback.sqlite"
    FeedbackStore(db, retention_days=30).add(answer, -1, comment="jane smith again")
    raw = db.read_bytes()
    for detail in DETAILS:
        assert detail.encode() not in raw
    with sqlite3.connect(db) as conn:
        comment = conn.execute("SELECT comment FROM feedback").fetchone()[0]
    conn.close()
    assert comment == "[name removed] again"
