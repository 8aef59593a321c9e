"""Follow-ups read with their conversation (assistant/followups.py, policy/followups.yaml)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from assistant import followups
from assistant.errors import SettingsError
from assistant.followups import fold, follow_up_policy, swap


@pytest.mark.parametrize(
    ("earlier", "follow_up", "meant"),
    [
        ("how long does an interim SPO last?", "and a full one?", "how long does a full SPO last?"),
        ("can BTP apply for an SPO?", "what about mod police?", "can Ministry of Defence Police"),
        ("who can apply to vary an spo?", "and to discharge it?", "who can apply to discharge an"),
        ("can the defendant appeal an SPO?", "and the police?", "can the police appeal an SPO?"),
        ("max sentence for breach in the crown court?", "and at mags", "in the magistrates' court"),
        ("whats the max for s2A stalking", "and 4A?", "whats the max for s4A stalking"),
        ("how long to notify a new address?", "same for a new name?", "to notify a name?"),
    ],
)
def test_an_elliptical_follow_up_asks_the_earlier_question_about_its_alternative(
    earlier: str, follow_up: str, meant: str
) -> None:
    folded = fold(follow_up, [earlier], turns=2)
    assert folded.follow_up
    assert meant in folded.asked
    assert folded.text == folded.asked  # searched as the question it stands for, alone


@pytest.mark.parametrize(
    ("earlier", "follow_up"),
    [
        # a new event, not a new alternative: the victim is not asked to appeal
        ("can the defendant appeal an SPO?", "what if the victim moves?"),
        # more than the alternative: a new question about the police
        ("can the defendant appeal an SPO?", "and do the police need legal advice first?"),
        # the earlier question names both alternatives already
        ("is the test for an interim order the same as for a full one?", "and a full one?"),
        # the earlier question names none of the set
        ("what is an SPO?", "and a full one?"),
        # the follow-up names two alternatives of one set
        ("who can apply to vary an spo?", "and to renew or discharge it?"),
    ],
)
def test_a_follow_up_that_is_not_a_swap_is_searched_with_the_earlier_turn(
    earlier: str, follow_up: str
) -> None:
    folded = fold(follow_up, [earlier], turns=2)
    assert folded.follow_up
    assert folded.text == f"{earlier} {follow_up}"
    assert folded.asked == follow_up


def test_a_question_of_its_own_is_not_folded() -> None:
    question = "who can apply for a full SPO in the magistrates' court?"
    assert fold(question, ["can BTP apply?"], turns=2) == followups.Folded(
        question, question, False
    )
    assert not fold("and a full one?", [], turns=2).follow_up
    assert not fold("and a full one?", ["how long does an ISPO last?"], turns=0).follow_up


def test_every_alternative_swaps_with_every_other_of_its_set() -> None:
    policy = follow_up_policy()
    for number, alternatives in enumerate(policy.sets, 1):
        for old, new in itertools.permutations(alternatives, 2):
            earlier = f"what does the guidance say about {old.says} here?"
            swapped = swap(f"and {new.says}?", earlier, policy)
            assert swapped == f"what does the guidance say about {new.says} here?", (number, old)


def test_no_form_belongs_to_two_alternatives_of_one_set() -> None:
    policy = follow_up_policy()
    for alternatives in policy.sets:
        for a, b in itertools.permutations(alternatives, 2):
            assert not b.pattern.search(a.says), (a.says, b.says)


def test_a_set_with_one_alternative_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = followups.read_yaml("followups.yaml")
    broken: dict[str, Any] = {**real, "swap": {**real["swap"], "sets": [[["interim"]]]}}
    monkeypatch.setattr(followups, "read_yaml", lambda name: broken)
    follow_up_policy.cache_clear()
    try:
        with pytest.raises(SettingsError, match=r"followups\.yaml: swap set 1 needs two"):
            follow_up_policy()
    finally:
        follow_up_policy.cache_clear()
