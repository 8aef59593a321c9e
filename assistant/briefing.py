"""A briefing per role, and a step-by-step checklist for the roles that take a case to court.

The guidance was written for three audiences, and an officer new to a role needs to see
what is theirs without asking the right question first.  Both views are built from the
published index alone: a paragraph's annotated audience and kind, and where the notes give
none, the structure of the notes (a section headed for a role is that role's).  Every item
keeps its chunk and a citation, so each line on screen can be checked against the passage it
comes from.  What counts as a role's heading or a step is data (``policy/briefing.yaml``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .citations import cite
from .errors import SettingsError
from .policy import paragraph_vocabulary, read_yaml
from .schema import Chunk, Citation
from .text import word_tokens


@dataclass(frozen=True)
class RolePolicy:
    headings: tuple[str, ...]
    checklist: str  # the checklist's title; "" = this role has none


@dataclass(frozen=True)
class BriefingPolicy:
    title: str
    leave_out: frozenset[str]
    roles: dict[str, RolePolicy]
    route: tuple[str, ...]  # doc_ids, in the order a case meets them
    shared_headings: tuple[str, ...]
    step_words: tuple[str, ...]
    repeat_overlap: float


@dataclass(frozen=True)
class Item:
    """One paragraph on screen, numbered like an answer's [n] markers."""

    chunk: Chunk
    citation: Citation


@dataclass(frozen=True)
class RoleView:
    """A briefing or a checklist: a title and its numbered, cited items."""

    role: str
    title: str
    items: list[Item]


def _strings(data: object, where: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(w, str) and w.strip() for w in data):
        raise SettingsError(f"policy file briefing.yaml: {where} must be a list of words")
    return tuple(str(w).strip().lower() for w in data)


@functools.cache
def briefing_policy() -> BriefingPolicy:
    """The briefing rules, checked against the vocabulary of kinds and audiences."""
    data = read_yaml("briefing.yaml")
    vocabulary = paragraph_vocabulary()
    try:
        leave_out = _strings(data["briefing"]["leave_out"], "briefing.leave_out")
        unknown = [k for k in leave_out if k not in vocabulary.kinds]
        if unknown:
            raise SettingsError(
                f"policy file briefing.yaml: briefing.leave_out names unknown kind {unknown[0]!r}"
            )
        roles = {}
        for key, entry in data["roles"].items():
            if key not in vocabulary.audiences:
                raise SettingsError(
                    f"policy file briefing.yaml: roles.{key} is not one of "
                    f"{', '.join(vocabulary.audiences)}"
                )
            roles[str(key)] = RolePolicy(
                _strings(entry["headings"], f"roles.{key}.headings"),
                str(entry.get("checklist") or ""),
            )
        checklist = data["checklist"]
        overlap = checklist["repeat_overlap"]
        if not isinstance(overlap, int | float) or not 0 < overlap <= 1:
            raise SettingsError(
                "policy file briefing.yaml: checklist.repeat_overlap must be a number in (0, 1]"
            )
        return BriefingPolicy(
            title=str(data["briefing"]["title"]),
            leave_out=frozenset(leave_out),
            roles=roles,
            route=_strings(data["route"], "route"),
            shared_headings=_strings(checklist["shared_headings"], "checklist.shared_headings"),
            step_words=_strings(checklist["step_words"], "checklist.step_words"),
            repeat_overlap=float(overlap),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise SettingsError(f"policy file briefing.yaml: missing or malformed {exc}") from None


def _mentions(texts: Iterable[str], phrases: Sequence[str], whole: bool = False) -> bool:
    """Whether a phrase starts a word in one of the texts (or is a whole word, if ``whole``)."""
    end = r"\b" if whole else ""
    return any(re.search(rf"\b{re.escape(p)}{end}", t, re.I) for t in texts for p in phrases)


def for_role(chunk: Chunk, role: str, policy: BriefingPolicy | None = None) -> bool:
    """Whether ``chunk`` is written for ``role``: its annotation says so, or its headings do."""
    policy = policy or briefing_policy()
    if chunk.audiences:
        return role in chunk.audiences
    rule = policy.roles.get(role)
    return rule is not None and _mentions(chunk.heading_path, rule.headings)


def is_step(chunk: Chunk, policy: BriefingPolicy | None = None) -> bool:
    """A procedure: annotated as one, or with no kind and an instruction in it."""
    policy = policy or briefing_policy()
    if chunk.kind:
        return chunk.kind == "procedure"
    return _mentions([chunk.text], policy.step_words, whole=True)


def _in_order(chunks: Iterable[Chunk], order: Sequence[str]) -> list[Chunk]:
    """The notes named in ``order`` first, in that order, then the others by title; each
    note's paragraphs in the note's own order."""

    def key(chunk: Chunk) -> tuple[int, str, int]:
        rank = order.index(chunk.doc_id) if chunk.doc_id in order else len(order)
        return rank, chunk.title.lower(), chunk.position

    return sorted(chunks, key=key)


def _numbered(role: str, title: str, chunks: list[Chunk]) -> RoleView:
    return RoleView(role, title, [Item(c, cite(n, c)) for n, c in enumerate(chunks, start=1)])


def briefing(chunks: Iterable[Chunk], role: str) -> RoleView:
    """Every paragraph for ``role`` that is not left out by kind, in the notes' order."""
    policy = briefing_policy()
    chosen = [c for c in chunks if for_role(c, role, policy) and c.kind not in policy.leave_out]
    return _numbered(role, policy.title, _in_order(chosen, policy.route))


def checklist(chunks: Iterable[Chunk], role: str) -> RoleView | None:
    """The role's steps to court, or None for a role that has no checklist.

    Notes repeat a step where it matters to them (the hearsay notice is in the application
    steps and in the evidence note); the checklist says it once, where the route first
    meets it.
    """
    policy = briefing_policy()
    rule = policy.roles.get(role)
    if rule is None or not rule.checklist:
        return None

    def belongs(chunk: Chunk) -> bool:
        if for_role(chunk, role, policy):
            return True
        shared = _mentions(chunk.heading_path, policy.shared_headings)
        return shared and (not chunk.audiences or role in chunk.audiences)

    candidates = [c for c in chunks if c.doc_id in policy.route and belongs(c)]
    steps: list[Chunk] = []
    for chunk in _in_order((c for c in candidates if is_step(c, policy)), policy.route):
        words = set(word_tokens(chunk.text))
        if all(_overlap(words, set(word_tokens(s.text))) < policy.repeat_overlap for s in steps):
            steps.append(chunk)
    return _numbered(role, rule.checklist, steps)


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0
