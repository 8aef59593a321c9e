"""The redaction engine: Presidio's analyzer over the spaCy NER model, then its anonymizer.

Built once per process (the model takes seconds to load) and shared by every thread; spaCy's
pipeline is not documented as safe to call from several threads at once, so calls into it are
serialised by a lock, which costs little because a question takes milliseconds.
"""

from __future__ import annotations

import importlib.metadata
import re
import threading
from typing import Any, cast

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as Replacement

from ..errors import SettingsError
from .finding import Finding
from .policy import RedactionPolicy
from .recognisers import presidio_recognisers

# Drops Presidio's low-confidence guesses (an NHS-shaped number whose check digit fails).
_SCORE_THRESHOLD = 0.3


class _InstalledSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, loading the pinned package with only the components we run.

    Presidio's own loader downloads a missing model; this one fails with one line instead,
    because the assistant never fetches anything at run time.
    """

    def __init__(self, policy: RedactionPolicy) -> None:
        labels = {label: "NAME" for label in policy.model.person_labels}
        super().__init__(
            models=[{"lang_code": "en", "model_name": policy.model.package}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=labels, labels_to_ignore=[]
            ),
        )
        self.spec = policy.model

    def load(self) -> None:
        import spacy

        spec = self.spec
        try:
            installed = importlib.metadata.version(spec.package)
        except importlib.metadata.PackageNotFoundError:
            raise SettingsError(
                f"redaction model {spec.package} is not installed "
                f"(pip install {spec.package.replace('_', '-')}=={spec.version})"
            ) from None
        if installed != spec.version:
            raise SettingsError(
                f"redaction model {spec.package} is version {installed}, "
                f"but redaction is checked against {spec.version}"
            )
        meta = spacy.util.get_model_meta(spacy.util.get_package_path(spec.package))
        unwanted = [name for name in meta["pipeline"] if name not in spec.components]
        nlp = spacy.load(spec.package, exclude=unwanted)
        # Only people's names are read from the model; its other labels (dates, places,
        # organisations) are left out rather than logged as unmapped on every question.
        from spacy.pipeline import EntityRecognizer as SpacyNer

        labels = cast(SpacyNer, nlp.get_pipe("ner")).labels
        self.ner_model_configuration.labels_to_ignore = [
            label for label in labels if label not in spec.person_labels
        ]
        # Presidio declares nlp as None until loaded.
        self.nlp = {"en": nlp}  # type: ignore[assignment]


class Engine:
    """Finds personal details and replaces them with the placeholders of kinds.yaml."""

    def __init__(self, policy: RedactionPolicy) -> None:
        self.policy = policy
        registry = RecognizerRegistry(supported_languages=["en"])
        for recogniser in presidio_recognisers(policy):
            registry.add_recognizer(recogniser)
        nlp_engine = _InstalledSpacyEngine(policy)
        nlp_engine.load()
        self.analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=["en"],
            default_score_threshold=_SCORE_THRESHOLD,
        )
        self.anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]
        self.operators = {
            kind.id: OperatorConfig("replace", {"new_value": kind.placeholder})
            for kind in policy.kinds.values()
        }
        # every kept phrase wherever it starts, overlaps included: in "the malik case" both
        # "the Malik" and "Malik case" are kept phrases, and a plain search takes only the first
        self.keep = re.compile(rf"(?=({policy.keep.pattern().pattern}))")
        self.placeholders = policy.placeholders
        self.lock = threading.Lock()

    def find(self, text: str) -> list[Finding]:
        """Non-overlapping findings in text order; keep phrases and placeholders excluded."""
        with self.lock:
            raw: list[RecognizerResult] = self.analyzer.analyze(text=text, language="en")
        kept = [m.span(1) for m in self.keep.finditer(text)]
        placed = [m.span() for m in self.placeholders.finditer(text)]
        spans = [
            (r.start, r.end, r.entity_type)
            for r in raw
            if r.entity_type in self.policy.kinds
            # a phrase of the guidance ("Kent", "Crown Court", the helpline) stays
            and not any(s <= r.start and r.end <= e for s, e in kept)
            # redacting redacted text changes nothing: no finding cuts into a placeholder
            and not any(s < r.end and r.start < e for s, e in placed)
        ]
        return self._merge(spans)

    def _merge(self, spans: list[tuple[int, int, str]]) -> list[Finding]:
        """Overlapping findings become one, named by the kind that comes first in kinds.yaml."""
        merged: list[Finding] = []
        for start, end, kind in sorted(spans):
            if merged and start < merged[-1].end:
                last = merged[-1]
                better = min(last.kind, kind, key=self.policy.rank)
                merged[-1] = Finding(last.start, max(last.end, end), better)
            else:
                merged.append(Finding(start, end, kind))
        return merged

    def replace(self, text: str, findings: list[Finding]) -> str:
        results = [Replacement(f.kind, f.start, f.end, 1.0) for f in findings]
        operators: dict[str, Any] = {f.kind: self.operators[f.kind] for f in findings}
        return str(self.anonymizer.anonymize(text, results, operators).text)
