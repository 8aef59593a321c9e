"""The README is the manual: these tests keep it honest about the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from assistant.settings import Settings, describe_fields

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_settings_table_matches_settings() -> None:
    table = README.split("<!-- settings-table")[1].split("<!-- /settings-table -->")[0]
    documented = re.findall(r"^\| `(SPO_[A-Z0-9_]+)` \| `([^`]*)` \| (.*) \|$", table, re.M)
    expected = describe_fields()
    assert [(env, default, doc) for env, default, doc in documented] == expected, (
        "README settings table is out of date: regenerate it from describe_fields()"
    )
    assert len(documented) == len(Settings.model_fields)


def test_every_settings_field_is_documented() -> None:
    missing = [n for n, f in Settings.model_fields.items() if not f.description]
    assert not missing, f"settings fields without a description: {missing}"


def test_readme_starts_with_the_two_setup_commands() -> None:
    block = README.split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()
    assert [line.split("#")[0].strip() for line in block] == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_cli_commands_in_readme_have_help() -> None:
    for args in (
        ["ingest.py", "--help"],
        ["-m", "assistant", "ask", "--help"],
        ["-m", "assistant", "chat", "--help"],
    ):
        result = subprocess.run(
            [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout
    for flag in ("--dry-run", "--strict"):
        assert flag in README
