"""What an ingest run found: changes, failures, warnings, flags and a chunk-quality summary.

The report is printed by the CLI and shown by the Library page.  Its problems (files that
failed, documents without an effective date or edition, warnings) are also saved after every
run as ``ingest-status.json`` beside the published versions, so a file that fails stays
listed, across reloads and runs that publish nothing, until it is fixed or removed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .loading.vocabulary import vocabulary
from .schema import Chunk, DocumentChange
from .settings import Settings
from .store import write_atomic
from .text import split_sentences

STATUS_FILE = "ingest-status.json"


@dataclass
class ChunkQuality:
    """How well structure was recovered; furniture and split should both be 0."""

    chunks: int = 0
    numbered: int = 0  # chunks citing a paragraph number
    furniture: int = 0  # chunks holding a header, footer, page number or contents line
    split: int = 0  # paragraphs whose text ended up in chunks that are not one run
    cut_to_fit: int = 0  # long paragraphs cut between sentences to fit the model

    @property
    def numbered_share(self) -> float:
        return self.numbered / self.chunks if self.chunks else 0.0

    def render(self) -> str:
        return (
            f"chunk quality: {self.numbered_share:.0%} of {self.chunks} chunks have a paragraph "
            f"number; {self.furniture} hold page furniture; {self.split} paragraphs split across "
            f"chunks; {self.cut_to_fit} long paragraphs cut between sentences to fit the model"
        )


def _has_furniture(text: str, lines: Sequence[str]) -> bool:
    flat = " ".join(text.split())
    if any(line and line in flat for line in lines):
        return True
    words = vocabulary()
    if any(p.search(flat) for p in words.furniture_in_text):
        return True
    return any(words.is_web_clutter(s) for s in split_sentences(flat))


def chunk_quality(chunks: Iterable[Chunk], furniture: Mapping[str, Sequence[str]]) -> ChunkQuality:
    """Count what a maintainer should look at; ``furniture`` holds each document's removed lines."""
    quality = ChunkQuality()
    runs: dict[tuple[str, tuple[str, ...], str], list[int]] = {}  # Word steps restart per section
    for chunk in chunks:
        quality.chunks += 1
        quality.numbered += bool(chunk.paragraphs)
        lines = [" ".join(f.split()) for f in furniture.get(chunk.doc_id, ())]
        quality.furniture += _has_furniture(chunk.text, lines)
        if not chunk.paragraphs and chunk.text[:1].islower():
            quality.split += 1  # an unnumbered fragment starting mid-sentence: a cut paragraph
        for number in chunk.paragraphs:
            runs.setdefault((chunk.doc_id, chunk.heading_path, number), []).append(chunk.position)
    for positions in runs.values():
        ordered = sorted(positions)
        if ordered[-1] - ordered[0] + 1 != len(ordered):
            quality.split += 1
        elif len(ordered) > 1:
            quality.cut_to_fit += 1
    return quality


@dataclass
class IngestReport:
    """What a run found and did; rendered for the CLI, saved as JSON for the Library page."""

    version: str | None
    previous_version: str | None
    dry_run: bool
    published: bool = False
    changes: list[DocumentChange] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chunks_total: int = 0
    chunks_embedded: int = 0
    # the question-search texts: questions written beside paragraphs, or sentences standing
    # in for them (indexing.question_entries)
    questions_embedded: int = 0
    seconds: float = 0.0
    started_at: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )
    warnings: list[str] = field(default_factory=list)  # "file: problem" for loaded files
    incomplete: list[str] = field(default_factory=list)  # "file: no effective date, edition"
    quality: ChunkQuality = field(default_factory=ChunkQuality)

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)

    @property
    def changed(self) -> bool:
        return any(c.status not in ("unchanged", "failed") for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IngestReport:
        data = dict(data)
        data["changes"] = [DocumentChange(**c) for c in data.get("changes", [])]
        data["quality"] = ChunkQuality(**data.get("quality", {}))
        return cls(**data)

    def render(self) -> str:
        verb = "would publish" if self.dry_run else ("published" if self.published else "kept")
        target = self.version if self.published or self.dry_run else self.previous_version
        lines = [
            f"Ingest {'(dry run) ' if self.dry_run else ''}{verb} version {target or '-'}: "
            f"{self.count('added')} added, {self.count('changed')} changed, "
            f"{self.count('removed')} removed, {self.count('renamed')} renamed, "
            f"{self.count('unchanged')} unchanged, {len(self.failures)} failed; "
            f"{self.chunks_total} chunks, {self.chunks_embedded} embedded "
            f"(and {self.questions_embedded} search questions), {self.seconds:.1f}s",
            f"  {self.quality.render()}",
        ]
        for change in self.changes:
            if change.status == "unchanged":
                continue
            line = f"  {change.status:<9} {change.doc_id} ({change.path}, {change.chunks} chunks)"
            if change.previous_path:
                line += f" was {change.previous_path}"
            lines.append(line)
            lines.extend(f"      section added: {s}" for s in change.added_sections)
            lines.extend(f"      section changed: {s}" for s in change.changed_sections)
            lines.extend(f"      section removed: {s}" for s in change.removed_sections)
        lines.extend(f"  error     {failure}" for failure in self.failures)
        lines.extend(f"  missing   {item}" for item in self.incomplete)
        lines.extend(f"  warning   {warning}" for warning in self.warnings)
        lines.extend(f"  note      {note}" for note in self.notes)
        return "\n".join(lines)


@dataclass
class CorpusStatus:
    """The problems the last run found, kept until a later run no longer finds them."""

    checked_at: str = ""
    live_version: str | None = None
    failures: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def save_status(settings: Settings, report: IngestReport, live_version: str | None) -> None:
    status = CorpusStatus(
        checked_at=report.started_at,
        live_version=live_version,
        failures=list(report.failures),
        incomplete=list(report.incomplete),
        warnings=list(report.warnings),
    )
    write_atomic(settings.data_dir / STATUS_FILE, json.dumps(asdict(status), indent=1))


def load_status(settings: Settings) -> CorpusStatus | None:
    """The saved status, or None when no run saved one (or it cannot be read)."""
    try:
        data = json.loads((settings.data_dir / STATUS_FILE).read_text(encoding="utf-8"))
        return CorpusStatus(**data)
    except (OSError, ValueError, TypeError):
        return None
