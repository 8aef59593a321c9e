"""The Presidio recognisers redaction runs: UK patterns, names, the NER model and Presidio's own.

Presidio's validated recognisers are used where they exist (NHS number with its check digit,
UK phone numbers through libphonenumber, e-mail addresses); the UK formats Presidio lacks or
gets wrong for police questions come from ``data/rules.yaml``; names come from the spaCy model
and from :mod:`.names`.  Every recogniser reports the kind ids of ``data/kinds.yaml``.
"""

from __future__ import annotations

from typing import Any, cast

import tldextract
from presidio_analyzer import EntityRecognizer, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
)

from .names import NameFinder
from .policy import PhoneSearch, RedactionPolicy, Rule

# Scores only order findings for Presidio; every finding that survives the keep list is removed.
_RULE_SCORE = 0.9
_NAME_SCORE = 0.8
_MODEL_SCORE = 0.85


def _result(kind: str, start: int, end: int, score: float) -> RecognizerResult:
    # The analyzer stamps each result with its recogniser's id, and only then keeps it.
    return RecognizerResult(entity_type=kind, start=start, end=end, score=score)


class RuleRecognizer(LocalRecognizer):
    """The patterns of ``rules.yaml``; a rule's ``pii`` group is the span removed."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        super().__init__(supported_entities=sorted({r.kind for r in rules}), name="uk-patterns")

    def load(self) -> None:
        """Nothing to load: the patterns were compiled with the policy."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for rule in self.rules:
            for match in rule.pattern.finditer(text):
                group = "pii" if "pii" in rule.pattern.groupindex else 0
                start, end = match.span(group)
                if end > start:
                    results.append(_result(rule.kind, start, end, _RULE_SCORE))
        return results


class NameRecognizer(LocalRecognizer):
    """Names from titles, trigger words and the first-name list (see :mod:`.names`)."""

    def __init__(self, policy: RedactionPolicy) -> None:
        self.finder = NameFinder(policy.names, policy.keep)
        super().__init__(supported_entities=["NAME"], name="name-words")

    def load(self) -> None:
        """Nothing to load: the word lists came with the policy."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [_result("NAME", start, end, _NAME_SCORE) for start, end in self.finder.spans(text)]


class ModelNameRecognizer(EntityRecognizer):
    """PERSON entities from the spaCy model, less the words it mistakes for names here.

    The small model calls "Kent", "Victim" and "DOB" people at times; a span is trimmed of
    leading words that cannot be part of a name and dropped if nothing name-like is left.
    """

    def __init__(self, policy: RedactionPolicy) -> None:
        self.labels = policy.model.person_labels
        self.words = policy.names
        self.keep = policy.keep
        super().__init__(supported_entities=["NAME"], name="spacy-ner")

    def load(self) -> None:
        """The model is loaded by the NLP engine, once, and shared."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None:
            return []
        results = []
        for entity in nlp_artifacts.entities:
            if entity.label_ not in self.labels:
                continue
            tokens = [t for t in entity if not t.is_punct or t.text in "-'’"]
            while tokens and self._not_a_name(tokens[0].text):
                tokens = tokens[1:]
            while tokens and (self._not_a_name(tokens[-1].text) or tokens[-1].is_punct):
                tokens = tokens[:-1]
            if not tokens or (len(tokens) == 1 and self._ordinary(tokens[0].text)):
                continue  # nothing left, or a lone "AP", "ISPO" or "Bill"
            start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
            results.append(_result("NAME", start, end, _MODEL_SCORE))
        return results

    def _ordinary(self, word: str) -> bool:
        """A one-word "name" that is an abbreviation or an ordinary word (the Bill, May)."""
        return word.isupper() or word.lower() in self.words.ambiguous_first_names

    def _not_a_name(self, word: str) -> bool:
        low = word.lower().removesuffix("'s").removesuffix("’s")
        return (
            low in self.words.not_names
            or low in self.words.titles
            or low in self.words.triggers
            or self.keep.word(word)
            or not any(ch.isalpha() for ch in low)
        )


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recogniser, checking domains against tldextract's bundled list.

    Left to itself tldextract downloads the public-suffix list on first use; here it is told
    to use the snapshot shipped inside the package and to keep no cache, so nothing is fetched.
    """

    _extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def __init__(self) -> None:
        super().__init__(supported_entity="EMAIL", name="email")

    def validate_result(self, pattern_text: str) -> bool:
        # A known public suffix is enough: "someone@police.uk" has no registrable domain
        # under tldextract's rules, yet it is an address all the same.
        return bool(self._extract(pattern_text.rsplit("@", 1)[-1]).suffix)


class UkPhoneRecognizer(PhoneRecognizer):
    """Presidio's libphonenumber recogniser, less matches too short to be a phone number."""

    def __init__(self, search: PhoneSearch) -> None:
        self.min_digits = search.min_digits
        super().__init__(
            supported_entity="PHONE",
            supported_regions=search.regions,
            leniency=search.leniency,
            name="phone",
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        found = super().analyze(text, entities, cast(NlpArtifacts, nlp_artifacts))
        return [
            r for r in found if sum(ch.isdigit() for ch in text[r.start : r.end]) >= self.min_digits
        ]


def presidio_recognisers(policy: RedactionPolicy) -> list[Any]:
    """Every recogniser, Presidio's and ours, reporting kinds.yaml ids."""
    return [
        RuleRecognizer(policy.rules),
        NameRecognizer(policy),
        ModelNameRecognizer(policy),
        OfflineEmailRecognizer(),
        NhsRecognizer(supported_entity="NHS_NUMBER", name="nhs-check-digit"),
        UkPhoneRecognizer(policy.phone),
    ]
