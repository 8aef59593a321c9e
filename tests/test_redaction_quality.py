"""The labelled personal-detail set (eval/pii/) as a gate: recall per kind and clean questions.

Runs the real detector over every part: ``dev`` and ``dev-2`` (detection was tuned on them)
and ``holdout`` (written before the last tuning and never tuned on).  Each part must meet the
targets in ``redaction/data/kinds.yaml``; ``python -m assistant.redaction`` prints the same
numbers with every miss.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import EvaluationError
from assistant.redaction import Finding, find
from assistant.redaction.labelled import Score, load_labelled, score
from assistant.redaction.policy import policy

SET = Path(__file__).resolve().parent.parent / "eval" / "pii"
PARTS = ("dev", "dev-2", "holdout")


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return {part: score(load_labelled(SET / f"{part}.txt", policy()), find) for part in PARTS}


def test_the_set_is_big_enough() -> None:
    questions = [q for part in PARTS for q in load_labelled(SET / f"{part}.txt", policy())]
    assert sum(len(q.spans) for q in questions) >= 300
    assert sum(1 for q in questions if not q.spans) >= 100
    held = load_labelled(SET / "holdout.txt", policy())
    assert sum(len(q.spans) for q in held) >= 100 and sum(1 for q in held if not q.spans) >= 40


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("group", list(policy().targets.recall))
def test_recall_meets_its_target(scores: dict[str, Score], part: str, group: str) -> None:
    kinds = [k.id for k in policy().kinds.values() if k.group == group]
    recall = scores[part].recall(kinds)
    target = policy().targets.recall[group]
    missed = [m for m in scores[part].missed if any(f" {k} " in m for k in kinds)]
    assert recall >= target, f"{part} {group}: {recall:.3f} < {target}; missed {missed}"


@pytest.mark.parametrize("part", PARTS)
def test_clean_questions_keep_their_words(scores: dict[str, Score], part: str) -> None:
    limit = policy().targets.clean_changed_at_most
    assert scores[part].clean_share < limit, scores[part].changed


def test_a_malformed_labelled_line_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("# comment\nvictim is {{nmae|jane smith}}\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"bad.txt:2: unknown kind 'nmae'"):
        load_labelled(bad, policy())
    bad.write_text("victim is {{name jane smith}}\n", encoding="utf-8")
    with pytest.raises(EvaluationError, match=r"bad.txt:1: malformed mark"):
        load_labelled(bad, policy())


def test_scoring_counts_a_partly_removed_detail_as_missed(tmp_path: Path) -> None:
    """A detail counts only when all of it is gone: half a phone number still identifies.

    The real detector removes this number whole (first assertion); a scripted finder that
    removes only part of it drives the branch the real one does not reach here.
    """
    part = tmp_path / "p.txt"
    part.write_text("ring {{phone number|07700 900123}} now\nhow long is an ISPO?\n", "utf-8")
    questions = load_labelled(part, policy())
    assert score(questions, find).recall(["PHONE"]) == 1.0

    def half_the_number(text: str) -> list[Finding]:
        return [Finding(5, 10, "PHONE")] if text.startswith("ring") else []

    result = score(questions, half_the_number)
    assert result.recall(["PHONE"]) == 0.0 and result.clean_changed == 0
    assert result.missed == ["p.txt:1: PHONE '07700 900123'"]
