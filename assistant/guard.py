"""Input policy: what a question may contain and what the assistant will not do.

Runs before retrieval, so nothing in a question can steer the rest of the pipeline:
control characters are dropped, over-long input is cut to a documented limit, personal
details are replaced by placeholders (they are never echoed, stored or logged), and
requests the assistant must refuse whatever the corpus says are recognised here.
The patterns are policy, not knowledge of the guidance, which is why they live in code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .errors import QuestionError
from .redaction import redact

_INJECTION = re.compile(
    r"ignore (?:all |any )?(?:the |your )?(?:previous|prior|above|earlier) (?:instructions|rules|prompts?)"
    r"|disregard (?:all |any |your )?(?:previous |prior )?(?:instructions|rules)"
    r"|(?:print|reveal|show|repeat|output) (?:me )?(?:your |the )?(?:full |entire )?(?:system prompt|instructions|configuration|config)"
    r"|you are now (?:an? )?(?:unrestricted|different|new|jailbroken|dan)"
    r"|developer mode|jailbreak|no rules",
    re.I,
)
_LOCATE_VICTIM = re.compile(
    r"(?:find|track|trace|locate|work out|discover)\b.{0,40}\b(?:where|address|location)\b.{0,60}"
    r"\b(?:victim|she|he|they)\b.{0,40}\b(?:lives?|living|moved|staying|is)\b"
    r"|without (?:her|his|their|the victim'?s?) knowing",
    re.I | re.S,
)
_OUT_OF_SCOPE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "jurisdiction",
        re.compile(r"\b(?:scotland|scottish|police scotland|northern ireland|psni)\b", re.I),
    ),
    (
        "sentencing",
        re.compile(
            r"\bsentencing (?:council|guidelines?)\b|\bstarting point\b|\bcategory [1-3][A-C]\b",
            re.I,
        ),
    ),
    (
        "case decision",
        re.compile(
            r"\bwill (?:the )?cps (?:charge|prosecute|authorise)\b|\bwill (?:he|she|they|my suspect) be (?:charged|convicted)\b",
            re.I,
        ),
    ),
)
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))

REFUSAL_REASONS = (
    "empty",
    "injection",
    "locate_victim",
    "jurisdiction",
    "sentencing",
    "case decision",
    "not_found",
)


@dataclass
class Checked:
    question: str  # cleaned, cut and redacted: the only form later stages see
    notices: list[str] = field(default_factory=list)
    refusal: str | None = None  # one of REFUSAL_REASONS
    redacted: list[str] = field(default_factory=list)  # kinds of personal detail removed


def check_question(raw: str, max_chars: int) -> Checked:
    """Clean a question and decide whether policy refuses it before any retrieval."""
    if not isinstance(raw, str):
        raise QuestionError("the question must be text")
    if (
        "\x00" in raw
        or sum(1 for ch in raw[:4096] if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r")
        > 32
    ):
        return Checked("", ["The question looked like binary data and was not read."], "empty")
    text = unicodedata.normalize("NFC", raw).translate(_CONTROL)
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
    checked = Checked(text, notices, redacted=kinds)
    if not re.search(r"\w", text):
        checked.refusal = "empty"
    elif _INJECTION.search(text):
        checked.refusal = "injection"
    elif _LOCATE_VICTIM.search(text):
        checked.refusal = "locate_victim"
    else:
        checked.refusal = next((kind for kind, p in _OUT_OF_SCOPE if p.search(text)), None)
    return checked
