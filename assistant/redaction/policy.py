"""The redaction policy as typed data, read from the YAML files in ``data/``.

What counts as a personal detail, its placeholder, the patterns, the name vocabularies and the
words of the guidance that must survive are a data-protection officer's decisions, not code:
they live in data files a maintainer can review and change, and a malformed file fails at
start-up with one line naming the file and what is wrong.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import SettingsError

DATA_DIR = Path(__file__).resolve().parent / "data"
_FRAGMENT = re.compile(r"<<(\w+)>>")


@dataclass(frozen=True)
class Kind:
    id: str  # the entity name the recognisers report (NAME, POSTCODE ...)
    label: str  # what the officer's notice calls it
    placeholder: str
    group: str  # the family a recall target is set for


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    pattern: re.Pattern[str]  # the span removed is group "pii" if present, else the match


@dataclass(frozen=True)
class PhoneSearch:
    regions: tuple[str, ...]
    leniency: int  # libphonenumber's: 0 possible, 1 valid, 2 and 3 stricter grouping
    min_digits: int


@dataclass(frozen=True)
class NameWords:
    titles: frozenset[str]
    triggers: frozenset[str]
    object_words: frozenset[str]
    connectors: frozenset[str]
    first_names: frozenset[str]
    ambiguous_first_names: frozenset[str]
    plain_words_when_lower: frozenset[str]
    particles: frozenset[str]
    surnames: frozenset[str]
    not_names: frozenset[str]
    not_surnames: frozenset[str]
    role_determiners: frozenset[str]
    verb_objects: frozenset[str]


@dataclass(frozen=True)
class ModelSpec:
    package: str
    version: str
    components: tuple[str, ...]
    person_labels: frozenset[str]
    ner_sha256: str


@dataclass(frozen=True)
class Keep:
    """Words of the guidance that are never redacted: phrases in any case, terms exactly.

    Terms are abbreviations, so "SAM" (a risk tool) is kept but "Sam" the witness is not.
    """

    phrases: tuple[str, ...]
    terms: frozenset[str]

    def pattern(self) -> re.Pattern[str]:
        phrases = "|".join(_forms(p) for p in sorted(self.phrases, key=len, reverse=True))
        terms = "|".join(re.escape(t) for t in sorted(self.terms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:(?i:{phrases})|(?:{terms})(?:['’]?s)?)(?!\w)")

    def word(self, text: str) -> bool:
        """Whether one word is a kept phrase or term (such a word never starts a name)."""
        return (
            text.lower() in self._single
            or text in self.terms
            or re.sub(r"['’]?s$", "", text) in self.terms
        )

    @functools.cached_property
    def _single(self) -> frozenset[str]:
        return frozenset(p.lower() for p in self.phrases if " " not in p)


_DATE = re.compile(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})")


def _forms(phrase: str) -> str:
    """A kept phrase as a regex; a date the notes state also as officers type it ("20 jan
    2020", "20th Jan. 2020"), or the day the Act came into force is redacted as a birthday."""
    date = _DATE.fullmatch(phrase)
    if date is None:
        return re.escape(phrase)
    day, month, year = date.groups()
    return rf"{day}(?:st|nd|rd|th)?\s+(?:{month}|{month[:3]}\.?|{month[:4]}\.?)\s+{year}"


@dataclass(frozen=True)
class Targets:
    recall: dict[str, float]  # group -> least recall
    clean_changed_at_most: float


@dataclass(frozen=True)
class RedactionPolicy:
    kinds: dict[str, Kind]  # in priority order: the first of two overlapping kinds wins
    rules: tuple[Rule, ...]
    phone: PhoneSearch
    names: NameWords
    keep: Keep
    model: ModelSpec
    targets: Targets

    def rank(self, kind: str) -> int:
        return list(self.kinds).index(kind)

    @functools.cached_property
    def placeholders(self) -> re.Pattern[str]:
        """Any kind's placeholder: text that redaction has already replaced."""
        return re.compile("|".join(re.escape(k.placeholder) for k in self.kinds.values()))


def _read(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problem = " ".join(str(exc).split())
        raise SettingsError(f"redaction data {path.name}: cannot be read ({problem})") from None
    if not isinstance(data, dict):
        raise SettingsError(f"redaction data {path.name}: must be a mapping of fields")
    return data


def _field(data: dict[str, Any], key: str, file: str) -> Any:
    if key not in data:
        raise SettingsError(f"redaction data {file}: missing field {key!r}")
    return data[key]


def _words(value: Any, file: str, key: str) -> frozenset[str]:
    if not isinstance(value, str) or not value.split():
        raise SettingsError(f"redaction data {file}: {key} must be a list of words")
    return frozenset(w.lower() for w in value.split())


def _kinds(data: dict[str, Any]) -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for key, entry in _field(data, "kinds", "kinds.yaml").items():
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(f), str) and entry[f] for f in ("label", "placeholder", "group")
        ):
            raise SettingsError(
                f"redaction data kinds.yaml: kind {key} needs label, placeholder and group"
            )
        kinds[str(key)] = Kind(str(key), entry["label"], entry["placeholder"], entry["group"])
    return kinds


def _targets(data: dict[str, Any], kinds: dict[str, Kind]) -> Targets:
    targets = _field(data, "targets", "kinds.yaml")
    recall = {str(k): float(v) for k, v in _field(targets, "recall", "kinds.yaml").items()}
    groups = {k.group for k in kinds.values()}
    unknown = sorted(set(recall) - groups)
    if unknown:
        raise SettingsError(f"redaction data kinds.yaml: targets name unknown groups {unknown}")
    return Targets(recall, float(_field(targets, "clean_changed_at_most", "kinds.yaml")))


def _expand(regex: str, fragments: dict[str, str], rule: str) -> str:
    for _ in range(10):  # fragments may use fragments
        if not _FRAGMENT.search(regex):
            return regex
        try:
            regex = _FRAGMENT.sub(lambda m: fragments[m.group(1)], regex)
        except KeyError as exc:
            raise SettingsError(
                f"redaction data rules.yaml: rule {rule!r} uses unknown fragment {exc}"
            ) from None
    raise SettingsError(f"redaction data rules.yaml: rule {rule!r}: fragments nest too deeply")


def _rules(data: dict[str, Any], kinds: dict[str, Kind]) -> tuple[Rule, ...]:
    fragments = {str(k): str(v) for k, v in (data.get("fragments") or {}).items()}
    rules = []
    for entry in _field(data, "rules", "rules.yaml"):
        name = str(entry.get("name") or "")
        if not name or entry.get("kind") not in kinds or not entry.get("regex"):
            raise SettingsError(
                f"redaction data rules.yaml: rule {name or '?'!r} needs a name, a regex and "
                f"a kind from kinds.yaml (got kind {entry.get('kind')!r})"
            )
        flags = 0 if entry.get("case") == "sensitive" else re.IGNORECASE
        try:
            pattern = re.compile(_expand(str(entry["regex"]), fragments, name), flags)
        except re.error as exc:
            raise SettingsError(f"redaction data rules.yaml: rule {name!r}: {exc}") from None
        rules.append(Rule(name, str(entry["kind"]), pattern))
    return tuple(rules)


def _phone(data: dict[str, Any]) -> PhoneSearch:
    phone = _field(data, "phone", "rules.yaml")
    regions = tuple(str(r) for r in phone.get("regions") or ())
    leniency, digits = phone.get("leniency"), phone.get("min_digits")
    if not regions or leniency not in (0, 1, 2, 3) or not isinstance(digits, int):
        raise SettingsError(
            "redaction data rules.yaml: phone needs regions, a leniency of 0, 1, 2 or 3 "
            "and min_digits"
        )
    return PhoneSearch(regions, int(leniency), digits)


def _keep(data: dict[str, Any]) -> Keep:
    phrases = [str(p) for p in _field(data, "phrases", "keep.yaml")]
    for key in ("forces", "places"):
        phrases += [p.strip() for p in str(_field(data, key, "keep.yaml")).split(";")]
    terms = frozenset(str(_field(data, "terms", "keep.yaml")).split())
    return Keep(tuple(sorted({p for p in phrases if p})), terms)


def _model(data: dict[str, Any]) -> ModelSpec:
    return ModelSpec(
        package=str(_field(data, "package", "model.yaml")),
        version=str(_field(data, "version", "model.yaml")),
        components=tuple(str(c) for c in _field(data, "components", "model.yaml")),
        person_labels=frozenset(str(x) for x in _field(data, "person_labels", "model.yaml")),
        ner_sha256=str(_field(data, "ner_sha256", "model.yaml")),
    )


def load_policy(folder: Path = DATA_DIR) -> RedactionPolicy:
    """Read and check every data file; any problem is one SettingsError line."""
    kinds_data = _read(folder, "kinds.yaml")
    kinds = _kinds(kinds_data)
    names = _read(folder, "names.yaml")
    words = {
        key: _words(_field(names, key, "names.yaml"), "names.yaml", key)
        for key in NameWords.__dataclass_fields__
    }
    rules = _read(folder, "rules.yaml")
    return RedactionPolicy(
        kinds=kinds,
        rules=_rules(rules, kinds),
        phone=_phone(rules),
        names=NameWords(**words),
        keep=_keep(_read(folder, "keep.yaml")),
        model=_model(_read(folder, "model.yaml")),
        targets=_targets(kinds_data, kinds),
    )


@functools.cache
def policy() -> RedactionPolicy:
    """The installed policy, read once per process."""
    return load_policy()
