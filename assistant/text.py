"""Small, pure text helpers shared by chunking, retrieval and answering."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

# Abbreviations whose full stop does not end a sentence in legal and police prose.
_NO_BREAK = (
    "e.g.",
    "i.e.",
    "etc.",
    "cf.",
    "No.",
    "no.",
    "s.",
    "ss.",
    "para.",
    "paras.",
    "Dr.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "St.",
    "v.",
    "vs.",
    "approx.",
    "Sch.",
    "reg.",
    "art.",
    "Pt.",
    "c.",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences without breaking after common legal abbreviations."""
    text = " ".join(text.split())
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        last_word = candidate.rsplit(" ", 1)[-1]
        if last_word in _NO_BREAK or re.fullmatch(r"(?:[A-Z]\.)+", last_word):
            continue
        if re.search(r"\d\.\d*$", candidate) and not candidate.endswith("."):
            continue
        pieces.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


_ASKING = re.compile(
    r"^\W*(?:how|what|when|where|who|whom|whose|which|why|is|are|can|could|does|do|did|"
    r"should|must|will|would|has|have|may|might)\b",
    re.IGNORECASE,
)


_ANY_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def asking_sentences(text: str, any_case: bool = False) -> list[str]:
    """The sentences (or lines) of a message that ask something: they end with "?" or open
    with a question word.  The story an officer tells first is not among them.  With
    ``any_case`` a sentence may start in lower case, as officers type ("... now. can we ...")."""
    if any_case:
        sentences = [s for s in _ANY_SENTENCE_END.split(text) if s.strip()]
    else:
        sentences = split_sentences(text.replace("\n", " . ")) if text.strip() else []
    return [s for s in sentences if s.rstrip().endswith("?") or _ASKING.search(s)]


_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "at",
        "by",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "him",
        "i",
        "we",
        "you",
        "your",
        "our",
        "us",
        "me",
        "my",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "have",
        "has",
        "had",
        "having",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "so",
        "if",
        "then",
        "than",
        "but",
        "about",
        "into",
        "over",
        "under",
        "up",
        "down",
        "out",
        "off",
        "just",
        "also",
        "only",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "any",
        "all",
        "each",
        "some",
        "such",
        "more",
        "most",
        "other",
        "same",
        "own",
        "very",
        "too",
        "again",
        "get",
        "got",
        "one",
    ]
)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def word_tokens(text: str) -> list[str]:
    """Lower-case word tokens, stop words removed, with a light suffix strip for matching."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[str, ...]:
    """Remembered per text: answering one question tokenises the same guidance sentences
    dozens of times (coverage, overlap and repeat checks), and the notes change rarely."""
    return tuple(_stem(w) for w in _WORD.findall(normalise(text)) if w not in STOPWORDS)


def _stem(word: str) -> str:
    if len(word) <= 4 or word[0].isdigit():
        return word
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def token_overlap(a: str, b: str) -> float:
    """Share of a's content tokens that also occur in b (0 when a has none)."""
    ta = set(word_tokens(a))
    if not ta:
        return 0.0
    return len(ta & set(word_tokens(b))) / len(ta)


_PLACEHOLDER = re.compile(r"\[[^\[\]]{1,60}\]")
# A capitalised word inside a sentence is a name: a town, a shop, an app ("works at Tesco
# Taunton", "messaged her on Snapchat").  Acronyms (MOT, PCSOs) are not caught by it.
_NAME_IN_SENTENCE = re.compile(r"(?<=[\w,;:)'\"-] )[A-Z][a-z]+(?:'s)?\b")


def within_one_edit(a: str, b: str) -> bool:
    """One letter inserted, dropped, changed, or two neighbours swapped: how officers'
    typos ("notifcation", "breech") differ from the word they meant."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
        return len(diff) == 1 or swapped
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def drops_letters(typed: str, word: str, most: int) -> bool:
    """Whether ``typed`` is ``word`` with one to ``most`` letters left out ("brches" for
    "breaches"), the commonest slip when typing fast; letters changed or added are not."""
    if not 0 < len(word) - len(typed) <= most:
        return False
    letters = iter(word)
    return all(letter in letters for letter in typed)


class OneTypoIndex:
    """Words by length, to find those one typo away from a word (or, for the speller, those
    it is with two letters left out) without comparing it with every word; each word asked
    about is remembered."""

    def __init__(self, words: Iterable[str]) -> None:
        self._by_length: dict[int, list[str]] = {}
        for word in words:
            self._by_length.setdefault(len(word), []).append(word)
        self._near: dict[str, tuple[str, ...]] = {}

    def near(self, token: str) -> tuple[str, ...]:
        """The words one typo away from ``token``."""
        return self._remembered(
            token,
            lambda: (
                word
                for n in (len(token) - 1, len(token), len(token) + 1)
                for word in self._by_length.get(n, ())
                if within_one_edit(token, word)
            ),
        )

    def dropped_two(self, token: str) -> tuple[str, ...]:
        """The words ``token`` is with two letters left out, the first kept: "brches" for
        "breaches".  Two letters changed are too often another word ("remanded" is not a
        typo of "regarded")."""
        return self._remembered(
            f"-2:{token}",
            lambda: (
                word
                for word in self._by_length.get(len(token) + 2, ())
                if word[:1] == token[:1] and drops_letters(token, word, 2)
            ),
        )

    def _remembered(self, key: str, find: Callable[[], Iterable[str]]) -> tuple[str, ...]:
        if key not in self._near:
            if len(self._near) >= 10_000:  # a long-running server meets endless new words
                self._near.clear()
            self._near[key] = tuple(find())
        return self._near[key]


class Vocabulary:
    """The words a set of texts uses, to tell a question about them from one about
    something else: a question whose words the guidance never uses is not about it."""

    def __init__(self, texts: list[str], least_fuzzy: int) -> None:
        self.words = frozenset(t for text in texts for t in word_tokens(text))
        self.least_fuzzy = least_fuzzy  # shorter words must match exactly
        self._typos = OneTypoIndex(self.words)

    def knows(self, token: str) -> bool:
        """Used by the texts, or one typo away from a word they use."""
        if token in self.words:
            return True
        if len(token) < self.least_fuzzy or token[0].isdigit():
            return False
        return bool(self._typos.near(token))

    def unfamiliar(self, question: str) -> tuple[int, int]:
        """(words the texts never use, words) of a question.  Numbers, the redaction's
        bracketed placeholders and names of places, shops and apps are context, not what
        the question is about, so they are not counted."""
        text = _NAME_IN_SENTENCE.sub(" ", _PLACEHOLDER.sub(" ", question))
        tokens = [t for t in dict.fromkeys(word_tokens(text)) if not t.isdigit()]
        return sum(not self.knows(t) for t in tokens), len(tokens)
