"""A conversation as a Markdown transcript an officer can file or hand over.

A transcript outlives the screen it came from, so it carries what a later reader needs to
judge it: when it was made, which version of the guidance index answered, each cited passage
quoted in full with where it comes from, and the notice that the notes are not official
guidance.  Only the redacted question (``Answer.question``) is ever written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .policy import paragraph_vocabulary
from .policy.texts import product_texts
from .schema import Answer, Citation


def when_label(moment: dt.datetime) -> str:
    """``29 November 2026, 15:40 GMT``: unambiguous to a reader in any force."""
    zone = moment.tzname() or "UTC"
    return f"{moment.day} {moment:%B %Y, %H:%M} {zone}"


def role_label(role: str | None) -> str:
    audiences = paragraph_vocabulary().audiences
    return audiences[role].label if role in audiences else product_texts().no_role


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line.strip() else ">" for line in text.splitlines()]


def _citation(citation: Citation) -> list[str]:
    where = [f"{name.lower()} {value}" for name, value in citation.details]
    lines = [f"[{citation.marker}] {citation.label}"]
    if where:
        lines.append(f"({'; '.join(where)})")
    return [*lines, "", *_quote(citation.quote), ""]


def render_transcript(
    answers: Sequence[Answer], moment: dt.datetime, role: str | None = None
) -> str:
    """Markdown: a header (time, index version, role, notice), then every turn in order."""
    texts = product_texts()
    versions = list(dict.fromkeys(a.corpus_version for a in answers if a.corpus_version))
    header_version = versions[-1] if versions else "none"
    lines = [
        f"# {texts.app_name}: conversation",
        "",
        f"- Downloaded: {when_label(moment)}",
        f"- Guidance index version: {header_version}",
        f"- Answers prefer guidance for: {role_label(role)}",
        "",
        f"**{texts.not_official}**",
        "",
    ]
    for number, answer in enumerate(answers, start=1):
        lines += [f"## Question {number}", "", answer.question, "", "### Answer", ""]
        if answer.refused:
            lines += ["*(The assistant declined to answer.)*", ""]
        lines += [answer.text, ""]
        lines += [f"*{notice}*" for notice in answer.notices]
        if answer.notices:
            lines.append("")
        if answer.corpus_version and answer.corpus_version != header_version:
            lines += [f"*Answered from guidance index version {answer.corpus_version}.*", ""]
        if answer.citations:
            lines += ["### Citations", ""]
            for citation in answer.citations:
                lines += _citation(citation)
    lines += ["---", "", texts.not_official, ""]
    return "\n".join(lines)
