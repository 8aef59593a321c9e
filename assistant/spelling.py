"""Officers' shorthand and typos read as the words the notes use.

A question typed on a phone ("hw long dose AP hav 2 notify", "wat cort do spo apeals go 2")
shares few words with the paragraph that answers it: the keyword search misses it, the scope
patterns miss what it asks, and the check for words the notes never use declines it.  Each
word is read once, in this order:

* a word in ``assistant/policy/spelling.yaml``'s ``shorthand`` is replaced by what it stands
  for ("hw" -> "how"), whatever its case;
* with ``typos``, a lower-case word of at least ``least_letters`` letters that the notes never
  use, that is not an everyday word (one the embedding model's tokenizer holds whole, in any
  of its forms, or one ``keep`` lists), and that is one typo away from words the notes use,
  becomes the most used of those ("apeals" -> "appeals"; "replying" stays, though the notes
  say "relying"); a word of at least ``two_typo_letters`` letters with no such word becomes
  the notes' word it is with two letters left out, first letter kept ("brches" ->
  "breaches"), never one with two letters changed ("remanded" stays).

Capitalised words inside a sentence are names (of people, towns, shops) and are left alone,
as are words with digits or apostrophes.  The assistant reads shorthand everywhere, and typos
where words decide whether a question is declined; the search reads them corrected only in a
question with several (:meth:`Speller.searched`).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

from .errors import SettingsError
from .policy import read_yaml
from .text import OneTypoIndex

_WORD = re.compile(r"(?<![\w'’-])[A-Za-z]+(?![\w'’-])")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)\W*$")
# endings of an everyday word's other forms, with what its stem may have lost ("ies" -> "y")
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ies", "y"),
    ("ied", "y"),
    ("ing", "e"),
    ("ed", "e"),
    ("es", ""),
    ("s", ""),
    ("ers", ""),
    ("er", "e"),
    ("ly", ""),
)


@dataclass(frozen=True)
class SpellingPolicy:
    least_letters: int  # shorter words are read only through `shorthand`
    shorthand: dict[str, str]  # what officers type -> the words meant
    keep: frozenset[str]  # words left as typed although one typo from a word of the notes
    search_typos: int  # a question with this many typos is searched corrected
    two_typo_letters: int  # a word this long with no word one typo away may lack two letters


@functools.cache
def spelling_policy() -> SpellingPolicy:
    data = read_yaml("spelling.yaml")
    shorthand = {str(k).lower(): str(v) for k, v in (data.get("shorthand") or {}).items()}
    least = int(data["least_letters"])
    if least < 3:
        raise SettingsError("policy file spelling.yaml: least_letters must be at least 3")
    keep = frozenset(str(w).lower() for w in data["keep"])
    return SpellingPolicy(
        least, shorthand, keep, int(data["search_typos"]), int(data["two_typo_letters"])
    )


class Speller:
    """Corrects questions against the words of one version of the notes."""

    def __init__(
        self,
        texts: list[str],
        everyday: frozenset[str] = frozenset(),
        policy: SpellingPolicy | None = None,
    ) -> None:
        self.policy = policy or spelling_policy()
        self.everyday = everyday | self.policy.keep
        words = (w for text in texts for w in re.findall(r"[a-z]+(?:['’][a-z]+)?", text.lower()))
        self.counts = Counter(w for w in words if w.isalpha())
        self._typos = OneTypoIndex(self.counts)

    def correct(self, question: str, typos: bool = True) -> str:
        """The question with shorthand, and with ``typos`` each misspelt word, read as the
        words meant."""
        return _WORD.sub(lambda m: self._word(m, question, typos), question)

    def searched(self, question: str) -> str:
        """What the search reads: the question with its shorthand read, and with its typos
        corrected too when it has at least ``search_typos`` of them.  One typo the search
        forgives, and a corrected word reads differently to it ("separate" matches
        "separate offence", "seperate" nothing); several leave it too few words to go on."""
        corrected = self.correct(question)
        plain = self.correct(question, typos=False)
        typos = sum(
            a.group(0) != b.group(0)
            for a, b in zip(_WORD.finditer(plain), _WORD.finditer(corrected), strict=False)
        )
        return corrected if typos >= self.policy.search_typos else plain

    def _word(self, match: re.Match[str], question: str, typos: bool) -> str:
        token = match.group(0)
        lower = token.lower()
        if lower in self.policy.shorthand:
            return self.policy.shorthand[lower]
        if not typos:
            return token
        starts = _SENTENCE_START.search(question[: match.start()]) is not None
        if token != lower and not (starts and token[1:] == lower[1:]):
            return token  # a name
        if len(lower) < self.policy.least_letters or lower in self.counts:
            return token
        if self._everyday(lower):
            return token
        meant = self.meant(lower)
        if meant is None:
            return token
        return meant.capitalize() if token[0].isupper() else meant

    def _everyday(self, word: str) -> bool:
        """An everyday word, or one with an everyday stem: the tokenizer holds "reply" whole
        but not "replying", which is no typo of "relying"."""
        if word in self.everyday:
            return True
        for suffix, ending in _SUFFIXES:
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                stem = word[: -len(suffix)]
                doubled = stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem
                if {stem + ending, stem, doubled} & self.everyday:
                    return True
        return False

    def meant(self, word: str) -> str | None:
        """The most used word of the notes one typo away from ``word``, or for a long word
        with none, the one it is with two letters left out, if any."""
        near = self._typos.near(word)
        if not near and len(word) >= self.policy.two_typo_letters:
            near = self._typos.dropped_two(word)
        return max(near, key=lambda w: (self.counts[w], w)) if near else None
