"""Input policy: the question later stages see, cleaned of everything that is not the question.

Runs before retrieval, so nothing in a message can steer the rest of the pipeline:
control characters are dropped, over-long input is cut to a documented limit, personal
details are replaced by placeholders (never echoed, stored or logged), and text wrapped
around the question is set aside: injected instructions, chat-template markers, pasted
signatures and protective markings.  The guard answers what it can: a real question inside
an injection is answered with the injection ignored, and only a message with nothing
legitimate left is declined.  Which questions are out of scope is decided later, with
retrieval's help, by :mod:`assistant.scope`.  The patterns are data in
``assistant/policy/wrappers.yaml``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from .errors import QuestionError
from .policy import read_yaml
from .redaction import redact
from .text import word_tokens

_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))
_SENTENCE_OR_LINE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class CheckedQuestion:
    question: str  # cleaned, cut, redacted and unwrapped: the only form later stages see
    notices: list[str] = field(default_factory=list)
    refusal: str | None = None  # "empty" or "injection"; scope refusals come later
    redacted: list[str] = field(default_factory=list)  # kinds of personal detail removed
    set_aside: list[str] = field(default_factory=list)  # "injection", "signature"


@dataclass(frozen=True)
class _Wrappers:
    injection: tuple[re.Pattern[str], ...]
    bracketed: re.Pattern[str]
    clause_joins: re.Pattern[str]
    markers: re.Pattern[str]
    lead_ins: re.Pattern[str]
    signature: tuple[re.Pattern[str], ...]
    sign_off: tuple[re.Pattern[str], ...]
    signature_parts: re.Pattern[str]
    messages: dict[str, str]


@functools.cache
def _wrappers() -> _Wrappers:
    data = read_yaml("wrappers.yaml")
    flags = re.IGNORECASE | re.MULTILINE

    def each(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, flags) for p in data[key])

    def joined(key: str) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in data[key]), flags)

    messages = read_yaml("scope.yaml")["messages"]
    return _Wrappers(
        each("injection"),
        re.compile("|".join(f"(?:{p})" for p in data["bracketed"]), flags | re.DOTALL),
        joined("clause_joins"),
        joined("markers"),
        joined("lead_ins"),
        each("signature"),
        each("sign_off"),
        re.compile(str(data["signature_parts"]), flags),
        {k: " ".join(str(v).split()) for k, v in messages.items()},
    )


def policy_message(key: str) -> str:
    """One of the fixed texts in ``scope.yaml``'s ``messages`` (empty, injection, ...)."""
    return _wrappers().messages[key]


_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def check_question(raw: str, max_chars: int) -> CheckedQuestion:
    """Clean a question, set its wrapper aside, and decline it only if nothing is left."""
    if not isinstance(raw, str):
        raise QuestionError("the question must be text")
    if (
        "\x00" in raw
        or sum(1 for ch in raw[:4096] if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
        > 32
    ):
        return CheckedQuestion(
            "", ["The question looked like binary data and was not read."], "empty"
        )
    # A terminal's colour codes ("\x1b[31m") are dropped whole, not just their escape byte.
    text = _ANSI_ESCAPE.sub("", unicodedata.normalize("NFC", raw)).translate(_CONTROL)
    # DEL and the C1 controls (U+007F-U+009F) are Cc too; format characters (Cf) include the
    # bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069).
    text = "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in ("Cf", "Co", "Cs")
        and (ch in "\t\n\r" or unicodedata.category(ch) != "Cc")
    )
    text = text.strip()
    notices: list[str] = []
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0]
        notices.append(
            f"Your question was {len(raw):,} characters long, so only the first {max_chars:,} "
            "were read. Ask about one point at a time for the best answer."
        )
    text, kinds = redact(text)
    if kinds:
        notices.append(
            "Personal details (" + ", ".join(kinds) + ") were removed from your question and were "
            "not stored. Please record personal data on force systems, not in this tool."
        )
    text, set_aside = unwrap(text)
    checked = CheckedQuestion(text, notices, redacted=kinds, set_aside=set_aside)
    if "injection" in set_aside:
        notices.append(policy_message("injection_ignored"))
    elif "signature" in set_aside:
        notices.append(policy_message("wrapper_removed"))
    if len(word_tokens(text)) < (2 if "injection" in set_aside else 1):
        checked.refusal = "injection" if "injection" in set_aside else "empty"
        checked.notices = [n for n in notices if n != policy_message("injection_ignored")]
    return checked


def unwrap(text: str) -> tuple[str, list[str]]:
    """The question without injected clauses, template markers and pasted signatures.

    Returns the text and what was set aside.  A sign-off ("Kind regards", a ``--`` line)
    starts a signature block that runs until a line asking something.  A signature line that
    itself asks something ("Regards, DC Patel | PPU -- does it need serving in person?")
    keeps the parts that ask.
    """
    w = _wrappers()
    found: list[str] = []
    kept_lines = []
    in_signature = False
    for line in text.splitlines():
        if any(p.search(line) for p in w.sign_off):
            in_signature = True
        elif in_signature and "?" in line:
            in_signature = False
        if in_signature or any(p.search(line) for p in w.signature):
            found.append("signature")
            asked = [part for part in w.signature_parts.split(line) if "?" in part]
            if asked:
                kept_lines.append(" ".join(asked))
                in_signature = False
            continue
        kept_lines.append(line)

    def bracketed(match: re.Match[str]) -> str:
        if any(p.search(match.group(0)) for p in w.injection):
            found.append("injection")
            return "\n"
        return match.group(0)

    # spans first: "[INST] ... [/INST]" is read whole before its tags are removed
    text = w.bracketed.sub(bracketed, "\n".join(kept_lines))
    text = w.markers.sub(" ", text)
    kept: list[str] = []
    for piece in _SENTENCE_OR_LINE.split(text):
        if not any(p.search(piece) for p in w.injection):
            kept.append(piece)
            continue
        found.append("injection")
        clauses = w.clause_joins.split(piece)
        kept.extend(c for c in clauses if c and not any(p.search(c) for p in w.injection))
    cleaned = [w.lead_ins.sub("", " ".join(k.split())) for k in kept]
    question = " ".join(c for c in cleaned if c).strip(" :;,-")
    return question, list(dict.fromkeys(found))
