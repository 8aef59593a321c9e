"""Names found from the words around them: titles, trigger words and lists of first names.

The spaCy model finds most capitalised full names, but not the forms officers actually type:
lower case ("victim is jane smith"), a lone first name after a relation ("his mum Linda"),
a surname after a rank ("PC Okoro"), or Irish and Arabic forms it splits ("O'Neill",
"Al-Rashid").  Those are read here from the word lists in ``data/names.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from spacy.lang.en.stop_words import STOP_WORDS

from .policy import Keep, NameWords

# A word keeps inner apostrophes and hyphens (O'Neill, Al-Rashid, Ellie-Mae); anything else
# that is not a space is a token of its own, so punctuation can end a name.
_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*|\d+|[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s$", re.I)
_MAX_WORDS = 4
_PLAIN_TITLES = {"mr", "mrs", "ms", "mx"}
_SKIPPABLE = {",", ":", "(", "-", "–", "=", ".", "'s", "’s"}

# Which lower-case word may start a name here: any word that is not a common one (after
# "Mr"), a listed first name (after a trigger word), a listed first name or surname (after a
# lower-case rank), or none (where only capitals tell a name from a word).
LowerCase = Literal["any", "listed", "title-listed", "no"]


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def word(self) -> bool:
        return self.text[0].isalpha()

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper()


class NameFinder:
    """Finds (start, end) spans of personal names in a text; keeps titles out of the span."""

    def __init__(self, words: NameWords, keep: Keep) -> None:
        self.w = words
        self.keep = keep  # words of the guidance (Kent, SPO, Paladin ...)

    def spans(self, text: str) -> list[tuple[int, int]]:
        tokens = [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            end = self._name_at(tokens, i, text)
            if end is None:
                i += 1
                continue
            start_index, stop_index, end_char = end
            found.append((tokens[start_index].start, end_char))
            i = stop_index
        return found

    # --- where a name starts ---

    def _name_at(self, tokens: list[Token], i: int, text: str) -> tuple[int, int, int] | None:
        tok = tokens[i]
        if not tok.word:
            return None
        if tok.low in self.w.titles:
            j = i + 1 + (i + 1 < len(tokens) and tokens[i + 1].text == ".")
            # "mr jenkins" is a name whatever follows; a lower-case rank ("miss", "det") is
            # also an ordinary word, so only a listed name may follow it.
            # After "a" or "the" a rank is a role ("can a PCSO serve the order"), so only a
            # capitalised word can be a name.
            before = tokens[i - 1] if i else None
            lower_ok: LowerCase = "title-listed"
            if before and self._joined(text, before, tok) and before.low in self.w.role_determiners:
                lower_ok = "no"
            elif tok.capitalised or tok.low in _PLAIN_TITLES:
                lower_ok = "any"
            return self._take(tokens, j, text, lower_ok=lower_ok)
        if tok.low in self.w.triggers:
            j = self._skip_connectors(tokens, i + 1)
            if j < len(tokens) and tokens[j].low in self.w.titles:
                j += 1 + (j + 1 < len(tokens) and tokens[j + 1].text == ".")
            return self._take(tokens, j, text, lower_ok="listed")
        if tok.low in self.w.object_words:
            return self._take(tokens, i + 1, text, lower_ok="no")
        low = _bare(tok.low)
        if self._first_name(low) and (tok.capitalised or len(low) >= 3):
            return self._take(tokens, i, text, lower_ok="listed")
        if tok.capitalised and low in self.w.plain_words_when_lower:
            return self._take(tokens, i, text, lower_ok="no")
        if tok.capitalised and low in self.w.ambiguous_first_names:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if (
                nxt
                and nxt.capitalised
                and self._joined(text, tok, nxt)
                and self._capitalised_name(nxt, later=True)
            ):
                return self._take(tokens, i, text, lower_ok="no")
        return None

    def _skip_connectors(self, tokens: list[Token], j: int) -> int:
        skipped = 0
        while j < len(tokens) and skipped < 4:
            tok = tokens[j]
            if tok.low in self.w.connectors or tok.text in _SKIPPABLE:
                j += 1
                skipped += 1
            else:
                break
        return j

    # --- how far it goes ---

    def _take(
        self, tokens: list[Token], j: int, text: str, lower_ok: LowerCase
    ) -> tuple[int, int, int] | None:
        """The name starting at token j: (first index, index after it, end offset), or None."""
        if j >= len(tokens):
            return None
        first = tokens[j]
        if first.capitalised and self._capitalised_name(first, later=False):
            return self._extend(tokens, j, text, lower=False)
        if first.capitalised or not first.word or _bare(first.low) in STOP_WORDS:
            return None
        low = _bare(first.low)
        if lower_ok == "any" and self._plain_lower(low):
            return self._extend(tokens, j, text, lower=True)
        if lower_ok != "no" and self._first_name(low):
            return self._extend(tokens, j, text, lower=True)
        if lower_ok == "title-listed" and low in self.w.surnames:
            return self._extend(tokens, j, text, lower=True)
        if lower_ok == "listed" and low in self.w.ambiguous_first_names:
            nxt = tokens[j + 1] if j + 1 < len(tokens) else None
            if nxt and self._joined(text, first, nxt) and _bare(nxt.low) in self.w.surnames:
                return self._extend(tokens, j, text, lower=True)
        return None

    def _extend(
        self, tokens: list[Token], j: int, text: str, lower: bool
    ) -> tuple[int, int, int] | None:
        last = j
        unknown_used = False
        k = j + 1
        while k < len(tokens) and k - j < _MAX_WORDS and not _POSSESSIVE.search(tokens[last].text):
            tok = tokens[k]
            if not self._joined(text, tokens[last], tok) or not tok.word:
                break
            low = _bare(tok.low)
            if lower:
                listed = low in self.w.surnames or low in self.w.first_names
                unknown = (
                    not unknown_used
                    and k == j + 1
                    and self._plain_lower(low)
                    and not self._verb(tokens, k, text)
                )
                if not tok.capitalised and (listed or unknown):
                    unknown_used = unknown_used or not listed
                    last = k
                    k += 1
                    continue
                break
            if tok.capitalised and self._capitalised_name(tok, later=True):
                last = k
            elif low in self.w.particles and k + 1 < len(tokens) and tokens[k + 1].capitalised:
                k += 1
                continue
            else:
                break
            k += 1
        end = tokens[last].end
        match = _POSSESSIVE.search(tokens[last].text)
        if match:
            end -= len(match.group())
        if end <= tokens[j].start:
            return None
        return j, last + 1, end

    # --- what a name word looks like ---

    def _first_name(self, low: str) -> bool:
        """A listed first name, or a double one made of listed names (sarah-jane)."""
        if low in self.w.first_names:
            return True
        parts = low.split("-")
        return len(parts) > 1 and all(
            p in self.w.first_names or p in self.w.ambiguous_first_names for p in parts
        )

    def _capitalised_name(self, tok: Token, later: bool) -> bool:
        low = _bare(tok.low)
        if (
            not tok.word
            or low in self.w.not_names
            or self.keep.word(tok.text)
            or low in self.w.titles
        ):
            return False
        if low in self.w.triggers:
            return False
        if tok.text.isupper() and len(tok.text) > 1:
            return later and len(tok.text) > 2  # SMITH after John; never AP, DOB or SPO
        return True

    def _plain_lower(self, low: str) -> bool:
        """A lower-case word that may be a surname: no common word, verb form or term."""
        return (
            len(low) >= 3
            and low not in STOP_WORDS
            and low not in self.w.not_surnames
            and low not in self.w.not_names
            and not self.keep.word(low)
            and low not in self.w.triggers
            and not low.endswith(("ing", "ly"))
        )

    def _verb(self, tokens: list[Token], k: int, text: str) -> bool:
        """Token k has an object after it ("served it"): a verb, not an unknown surname."""
        after = tokens[k + 1] if k + 1 < len(tokens) else None
        return (
            after is not None
            and self._joined(text, tokens[k], after)
            and after.low in self.w.verb_objects
        )

    @staticmethod
    def _joined(text: str, left: Token, right: Token) -> bool:
        """Two words of one name: only spaces between them, no line break or punctuation."""
        gap = text[left.end : right.start]
        return gap != "" and gap.strip(" \t") == ""


def _bare(low: str) -> str:
    return _POSSESSIVE.sub("", low)
