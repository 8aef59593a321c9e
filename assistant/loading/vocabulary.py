"""What the loaders recognise as clutter or metadata, read from ``policy/documents.yaml``.

Publishers change their page furniture and web pages their banners more often than the code
changes, so the patterns are data a maintainer can extend; this module compiles them once
and fails with one line naming the bad entry.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass

from ..errors import SettingsError
from ..policy import read_yaml

FILE = "documents.yaml"


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class DocumentVocabulary:
    markings: frozenset[str]
    furniture: tuple[re.Pattern[str], ...]
    contents_headings: frozenset[str]
    contents_entry: re.Pattern[str]
    web_clutter: tuple[re.Pattern[str], ...]
    labels: dict[str, tuple[str, ...]]  # metadata field -> labels that introduce it
    email_headers: frozenset[str]
    junk_titles: tuple[re.Pattern[str], ...]
    skip_files: tuple[str, ...]
    saved_page_folders: tuple[str, ...]
    front_matter_required: tuple[str, ...]
    front_matter_known: tuple[str, ...]
    html_meta: dict[str, tuple[str, ...]]  # field -> <meta> names, best first
    furniture_in_text: tuple[re.Pattern[str], ...]

    def is_marking(self, line: str) -> bool:
        return _normal(line).upper() in self.markings

    def is_furniture(self, line: str) -> bool:
        text = _normal(line)
        return self.is_marking(line) or any(p.fullmatch(text) for p in self.furniture)

    def is_contents_entry(self, line: str) -> bool:
        return bool(self.contents_entry.fullmatch(" ".join(line.split())))

    def is_contents_heading(self, line: str) -> bool:
        return _normal(line).rstrip(":") in self.contents_headings

    def is_web_clutter(self, block: str) -> bool:
        text = _normal(block)
        return any(p.fullmatch(text) for p in self.web_clutter)

    def is_junk_title(self, title: str) -> bool:
        text = _normal(title)
        return not text or any(p.search(text) for p in self.junk_titles)

    def skips_file(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.skip_files)


def _compile(
    name: str, patterns: list[str], flags: int = re.IGNORECASE
) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(str(pattern), flags))
        except re.error as exc:
            raise SettingsError(
                f"policy file {FILE}: {name}: bad pattern {pattern!r} ({exc})"
            ) from None
    return tuple(compiled)


@functools.cache
def vocabulary() -> DocumentVocabulary:
    data = read_yaml(FILE)
    try:
        labels = {
            str(field): tuple(_normal(str(label)) for label in names)
            for field, names in data["metadata_labels"].items()
        }
        return DocumentVocabulary(
            markings=frozenset(_normal(str(m)).upper() for m in data["protective_markings"]),
            furniture=_compile("page_furniture", data["page_furniture"]),
            contents_headings=frozenset(_normal(str(h)) for h in data["contents_headings"]),
            contents_entry=_compile("contents_entry", [data["contents_entry"]])[0],
            web_clutter=_compile("web_clutter", data["web_clutter"]),
            labels=labels,
            email_headers=frozenset(_normal(str(h)) for h in data["email_headers"]),
            junk_titles=_compile("junk_titles", data["junk_titles"]),
            skip_files=tuple(str(p) for p in data["skip_files"]),
            saved_page_folders=tuple(str(p) for p in data["saved_page_folders"]),
            front_matter_required=tuple(str(f) for f in data["front_matter_required"]),
            front_matter_known=tuple(str(f) for f in data["front_matter_known"]),
            furniture_in_text=_compile("furniture_in_text", data["furniture_in_text"], 0),
            html_meta={
                str(k): tuple(str(n).lower() for n in v) for k, v in data["html_meta"].items()
            },
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise SettingsError(f"policy file {FILE}: missing or malformed entry ({exc})") from None
