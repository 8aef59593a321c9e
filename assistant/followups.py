"""Follow-ups: a message that leans on the conversation, read as the officer meant it.

Officers chat.  After "how long does an interim SPO last?" comes "and a full one?"; after
"can BTP apply?" comes "what about MOD police?".  Searched alone, such a message finds
nothing of its own; searched with the question before, it finds that question's answer
again.  Two readings, both kept as data in ``assistant/policy/followups.yaml``:

* a message that opens like a follow-up, or is short and leans on a pronoun, is searched
  with the earlier turns it depends on, and what it asks is its own;
* an elliptical follow-up naming one alternative of a set ("full" against the earlier
  "interim", "discharge" against "vary") is the earlier question asked again with that
  alternative swapped in, and is answered as a question of its own.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .errors import SettingsError
from .policy import alternation, read_yaml, whole_words
from .text import word_tokens


@dataclass(frozen=True)
class Alternative:
    """One member of a set of alternatives: its forms, and how it is written in."""

    says: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class FollowUpPolicy:
    start: re.Pattern[str]  # an opening that leans on the earlier turns
    leaning: re.Pattern[str]  # a pronoun that does, in a short message
    leaning_max_words: int
    short_words: int  # a message this short leans on the conversation whatever it says
    extra_words: int  # a swap's follow-up may say this many words besides its alternative
    never_after: re.Pattern[str]  # openings that bring a new event, never a swap
    sets: tuple[tuple[Alternative, ...], ...]


@dataclass(frozen=True)
class Folded:
    """A message read with its conversation."""

    text: str  # what is searched
    asked: str  # what the answer must answer
    follow_up: bool


def _opening(forms: list[str]) -> re.Pattern[str]:
    return re.compile(rf"^\s*(?:{alternation(forms)})\b", re.IGNORECASE)


@functools.cache
def follow_up_policy() -> FollowUpPolicy:
    data = read_yaml("followups.yaml")
    swap = data["swap"]
    sets = []
    for number, entry in enumerate(swap["sets"], 1):
        if len(entry) < 2 or not all(entry):
            raise SettingsError(
                f"policy file followups.yaml: swap set {number} needs two or more alternatives"
            )
        sets.append(tuple(Alternative(str(forms[0]), whole_words(forms)) for forms in entry))
    return FollowUpPolicy(
        _opening(data["starts"]),
        whole_words(data["leaning_words"]),
        int(data["leaning_max_words"]),
        int(data["short_words"]),
        int(swap["extra_words"]),
        _opening(swap["never_after"]),
        tuple(sets),
    )


def fold(question: str, history: list[str], turns: int) -> Folded:
    """``question`` read with the last ``turns`` user turns of ``history``."""
    policy = follow_up_policy()
    if not history or turns == 0 or not re.search(r"\w", question):
        return Folded(question, question, False)
    words = len(word_tokens(question))
    follow_up = (
        bool(policy.start.match(question))
        or words <= policy.short_words
        or (words <= policy.leaning_max_words and bool(policy.leaning.search(question)))
    )
    if not follow_up:
        return Folded(question, question, False)
    swapped = swap(question, history[-1], policy)
    if swapped is not None:
        return Folded(swapped, swapped, True)
    return Folded(" ".join([*history[-turns:], question]), question, True)


def _with_article(text: str, says: str) -> str:
    """Agree the article before the alternative: "a interim SPO" reads as a typo."""
    article = "an" if says[0] in "aeiouAEIOU" else "a"
    return re.sub(rf"\b(?:a|an)\s+(?={re.escape(says)})", f"{article} ", text, flags=re.I)


def swap(question: str, earlier: str, policy: FollowUpPolicy) -> str | None:
    """``earlier`` asked about the alternative ``question`` names, or None if it names none.

    Each set swaps only when the follow-up names exactly one of its alternatives and the
    earlier question exactly one other; the follow-up must say little else.
    """
    if policy.never_after.match(question):
        return None
    rest, result = policy.start.sub(" ", question), earlier
    for alternatives in policy.sets:
        named = [a for a in alternatives if a.pattern.search(question)]
        if len(named) != 1 or named[0].pattern.search(earlier):
            continue
        others = [a for a in alternatives if a is not named[0] and a.pattern.search(result)]
        if len(others) != 1:
            continue
        says = named[0].says
        # backslashes doubled: the alternative is written in as it is, not read as a template
        written = others[0].pattern.sub(says.replace("\\", "\\\\"), result)
        result = _with_article(written, says)
        rest = named[0].pattern.sub(" ", rest)
    if result == earlier:
        return None
    own = [w for w in word_tokens(rest) if not policy.leaning.fullmatch(w)]
    return result if len(own) <= policy.extra_words else None
