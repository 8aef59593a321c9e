"""Policy and domain knowledge kept as data: the vocabularies and texts the code obeys.

Each YAML file beside this module is read once, validated, and returned as a typed object,
so a maintainer changes what the assistant says or recognises by editing data, and a
malformed file fails at start-up with one line naming the file and the problem.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import SettingsError
from ..schema import ParagraphNotes

POLICY_DIR = Path(__file__).resolve().parent


def read_yaml(name: str) -> dict[str, Any]:
    """One policy file as a mapping; a missing or malformed file is a one-line error."""
    path = POLICY_DIR / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"policy file {path.name}: cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"policy file {path.name}: must be a mapping of fields")
    return data


@dataclass(frozen=True)
class Audience:
    key: str
    label: str
    description: str


@dataclass(frozen=True)
class ParagraphVocabulary:
    """The kinds and audiences a paragraph annotation may name (``paragraphs.yaml``)."""

    kinds: dict[str, str]
    asked_for: dict[str, tuple[str, ...]]  # kind -> words that ask for it
    audiences: dict[str, Audience]


@functools.cache
def paragraph_vocabulary() -> ParagraphVocabulary:
    data = read_yaml("paragraphs.yaml")
    kinds = {str(k): str(v) for k, v in data["kinds"].items()}
    asked_for = {str(k): tuple(str(w) for w in v) for k, v in data["asked_for"].items()}
    unknown = set(asked_for) - set(kinds)
    if unknown:
        raise SettingsError(
            f"policy file paragraphs.yaml: asked_for names unknown kinds {sorted(unknown)}"
        )
    audiences = {
        str(k): Audience(str(k), str(v["label"]), str(v["description"]))
        for k, v in data["audiences"].items()
    }
    return ParagraphVocabulary(kinds, asked_for, audiences)


NOTE_FIELDS = ("kind", "audience", "asks")


def parse_notes(data: dict[str, Any]) -> ParagraphNotes:
    """Validate one paragraph annotation; a ValueError names the field that is wrong."""
    unknown = sorted(set(data) - set(NOTE_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown annotation field(s) {', '.join(unknown)} (use {', '.join(NOTE_FIELDS)})"
        )
    vocabulary = paragraph_vocabulary()
    kind = str(data.get("kind") or "")
    if kind and kind not in vocabulary.kinds:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(vocabulary.kinds)}")
    audience = data.get("audience") or ()
    if isinstance(audience, str):
        audience = [a.strip() for a in audience.split(",")]
    if not isinstance(audience, list | tuple):
        raise ValueError("audience must be a list of roles")
    roles = tuple(str(a) for a in audience if str(a) != "all")
    wrong = [r for r in roles if r not in vocabulary.audiences]
    if wrong:
        raise ValueError(
            f"audience {wrong[0]!r} is not one of all, {', '.join(vocabulary.audiences)}"
        )
    asks = data.get("asks") or ()
    if isinstance(asks, str):
        asks = [asks]
    if not isinstance(asks, list | tuple) or not all(
        isinstance(a, str) and a.strip() for a in asks
    ):
        raise ValueError("asks must be a list of questions")
    return ParagraphNotes(kind, roles, tuple(" ".join(a.split()) for a in asks))


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    better: str  # "higher" or "lower"
    explain: str


@functools.cache
def metrics() -> dict[str, Metric]:
    """The evaluation's headline metrics (``metrics.yaml``), in display order."""
    data = read_yaml("metrics.yaml")["metrics"]
    found: dict[str, Metric] = {}
    for key, entry in data.items():
        if entry.get("better") not in ("higher", "lower"):
            raise SettingsError(f"policy file metrics.yaml: {key}: better must be higher or lower")
        found[str(key)] = Metric(
            str(key), str(entry["label"]), str(entry["better"]), str(entry["explain"])
        )
    return found
