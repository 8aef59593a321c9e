"""Officers' shorthand and typos read as the notes' words (assistant/spelling.py).  How the
assistant answers questions typed so is tested with the real parts in test_answering.py."""

from __future__ import annotations

import pytest

from assistant.embedding import Embedder
from assistant.spelling import Speller, spelling_policy

NOTES = [
    "Appeals go to the Crown Court. The conditions apply throughout the United Kingdom.",
    "Notification must be made within 3 days. Relying on hearsay is allowed.",
    "It is regarded as urgent.",
]


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("wat cort do spo apeals go 2", "what court do spo appeals go 2"),
        ("do spo condtions aply in scotland", "do spo conditions apply in scotland"),
        ("Apeals go where?", "Appeals go where?"),
        # shorthand, whatever its case; numbers are counts as often as "for" and "to"
        ("Hw long dose he hav", "how long does he have"),
        ("the vics new address", "the victim's new address"),
        ("he breached it 4 times in 2 years", "he breached it 4 times in 2 years"),
        # everyday words, and their forms, are not typos of the notes' words
        ("confirm by replying APPROVED", "confirm by replying APPROVED"),
        ("her new bloke", "her new bloke"),
        # names inside a sentence, words with digits or apostrophes, short words
        ("AP is Tom Cole, he works at Tesco", "AP is Tom Cole, he works at Tesco"),
        ("s 2(b) of the act", "s 2(b) of the act"),
        ("he's got cort", "he's got court"),
        # a long word with two letters left out; two letters changed is another word
        ("notifcaton in 3 days", "notification in 3 days"),
        ("will he be remanded", "will he be remanded"),
    ],
)
def test_typos_and_shorthand_are_read_as_the_words_meant(typed: str, read: str) -> None:
    speller = Speller(NOTES, frozenset({"reply", "got", "long", "does"}))
    assert speller.correct(typed) == read


def test_without_typos_only_shorthand_is_read() -> None:
    speller = Speller(NOTES)
    assert speller.correct("wat cort do spo apeals go 2", typos=False) == (
        "what cort do spo apeals go 2"
    )


def test_the_search_reads_typos_corrected_only_when_there_are_several() -> None:
    speller = Speller(NOTES)
    assert speller.searched("wat cort do spo apeals go 2") == "what court do spo appeals go 2"
    # one typo the search forgives, and reads the typed word
    assert speller.searched("wat do spo apeals go to") == "what do spo apeals go to"


def test_the_spelling_policy_reads_cleanly() -> None:
    policy = spelling_policy()
    assert policy.least_letters >= 3 and policy.search_typos >= 1
    assert all(k == k.lower() and " " not in k for k in policy.shorthand)
    assert not set(policy.shorthand) & policy.keep


def test_the_bundled_model_knows_everyday_words_whole(embedder: Embedder) -> None:
    """The real tokenizer's vocabulary is what keeps "replying" from becoming "relying"."""
    everyday = embedder.whole_words()
    assert {"reply", "jumped", "speeding"} <= everyday
    assert not {"apeals", "condtions", "replying"} & everyday
    speller = Speller(NOTES, everyday)
    assert speller.correct("confirm by replying, not apeals") == "confirm by replying, not appeals"
