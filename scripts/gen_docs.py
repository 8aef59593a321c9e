"""Rewrite the generated parts of README.md from the code: `make docs` runs it.

Only the text between the ``<!-- settings-table ... -->`` and ``<!-- /settings-table -->``
markers is replaced; tests/test_docs.py fails when it is out of date.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.settings import describe_fields  # noqa: E402

START = "<!-- settings-table: generated from assistant/settings.py; tests/test_docs.py keeps it in sync -->"
END = "<!-- /settings-table -->"


def settings_table() -> str:
    rows = [f"| `{env}` | `{default}` | {doc} |" for env, default, doc in describe_fields()]
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        print(f"README.md: markers {START!r} ... {END!r} not found", file=sys.stderr)
        return 1
    new = pattern.sub(lambda _: f"{START}\n{settings_table()}\n{END}", text)
    if new != text:
        readme.write_text(new, encoding="utf-8")
        print("README.md: settings table rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
