"""Table rows as text a search can find: "Role: Case officer; Responsibility: ...".

A fact held only in a table (who does what) must be retrievable and citable, so each row
becomes one paragraph that names its columns; rows stay under the table's heading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def row_texts(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """One "column: value; ..." line per row; merged cells repeated across columns count once."""
    out = []
    for row in rows:
        parts: list[str] = []
        seen: set[str] = set()
        for i, cell in enumerate(row):
            value = " ".join(str(cell or "").split())
            if not value or value in seen:
                continue
            seen.add(value)
            name = header[i] if i < len(header) and header[i] and header[i] != value else ""
            parts.append(f"{name}: {value}" if name else value)
        if parts:
            out.append("; ".join(parts))
    return out
