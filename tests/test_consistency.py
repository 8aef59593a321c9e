"""The corpus check finds an absolute statement that another paragraph limits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REAL_CORPUS, ROOT
from fixtures_docs import markdown_doc

from assistant.chunking import chunk_document
from assistant.consistency import find_conflicts
from assistant.embedding import Embedder
from assistant.loading import iter_corpus_files, load_document

MANAGEMENT = [("3 Managing the subject", [
    "3.4 An SPO on its own does not bring a person within MAPPA. Every SPO subject is, however, "
    "bound by the notification requirements of the Stalking Protection Act 2019.",
])]
NOTIFICATION = [("4 What notification does not include", [
    "4.3 A person already subject to the sex offender notification requirements of the Sexual "
    "Offences Act 2003 is exempt from the notification requirements of the Stalking Protection "
    "Act 2019.",
])]
AGREEING = [("3 Managing the subject", [
    "3.4 SPO subjects are bound by the notification requirements of the Stalking Protection Act "
    "2019, unless they are already under the sex offender notification requirements.",
])]


def _chunks(tmp_path: Path, notes: dict[str, list]) -> list:
    chunks = []
    for name, sections in notes.items():
        path = tmp_path / f"{name}.md"
        path.write_text(markdown_doc(name, name.title(), sections), encoding="utf-8")
        chunks += chunk_document(load_document(path, tmp_path), 200)
    return chunks


def test_an_absolute_claim_limited_elsewhere_is_reported(tmp_path: Path, embedder: Embedder) -> None:
    chunks = _chunks(tmp_path, {"management": MANAGEMENT, "notification": NOTIFICATION})
    conflicts = find_conflicts(chunks, embedder.encode)
    assert [c.key for c in conflicts] == ["management#3.4 vs notification#4.3"]
    assert "Every SPO subject" in conflicts[0].claim and "exempt" in conflicts[0].limit


def test_a_claim_that_states_its_own_limit_is_consistent(tmp_path: Path, embedder: Embedder) -> None:
    chunks = _chunks(tmp_path, {"management": AGREEING, "notification": NOTIFICATION})
    assert find_conflicts(chunks, embedder.encode) == []


def test_the_real_corpus_has_no_unreviewed_contradictions(embedder: Embedder) -> None:
    chunks = [
        c
        for path in iter_corpus_files(REAL_CORPUS)
        for c in chunk_document(load_document(path, REAL_CORPUS), 200)
    ]
    conflicts = find_conflicts(chunks, embedder.embed_cached)
    assert not conflicts, "\n".join(c.render() for c in conflicts)


def test_check_corpus_command_exits_1_naming_the_pair(tmp_path: Path, subprocess_env: dict) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, sections in {"management": MANAGEMENT, "notification": NOTIFICATION}.items():
        (corpus / f"{name}.md").write_text(markdown_doc(name, name.title(), sections))
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "check-corpus", "--corpus", str(corpus),
         "--data", str(tmp_path / "data")],
        cwd=ROOT, env=subprocess_env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "management#3.4 vs notification#4.3" in done.stdout
