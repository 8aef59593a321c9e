"""What detection reports: kept apart from the engine so that reading it loads no model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One personal detail: where it was and what kind (an id of kinds.yaml)."""

    start: int
    end: int
    kind: str
