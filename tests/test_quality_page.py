"""The Quality page driven headless with AppTest, against the real index of ``live_settings``.

The gold set, runs folder, thresholds and feedback database are the test's own, through
``SPO_*`` variables, so nothing in the repository is written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assistant.evaluation import load_gold
from assistant.feedback import FeedbackStore
from assistant.policy import metrics
from assistant.schema import Answer, AnswerSentence
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "assistant" / "ui" / "quality.py")
TIMEOUT = 120

GOLD = [
    {"id": "Q1", "question": "Can British Transport Police apply for an SPO?",
     "expected_facts": ["the British Transport Police chief constable can apply"],
     "answerable": True, "expected_sections": [{"doc_id": "who-may-apply", "para": "3.1"}]},
    {"id": "Q2", "question": "What is the best recipe for chocolate cake?",
     "expected_facts": [], "answerable": False},
]  # fmt: skip


@pytest.fixture
def page(
    live_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(i) + "\n" for i in GOLD), encoding="utf-8")
    feedback = tmp_path / "feedback.sqlite"
    monkeypatch.setenv("SPO_DATA_DIR", str(live_settings.data_dir))
    monkeypatch.setenv("SPO_CORPUS_DIR", str(live_settings.corpus_dir))
    monkeypatch.setenv("SPO_FEEDBACK_DB", str(feedback))
    monkeypatch.setenv("SPO_EVAL_QUESTIONS", str(gold))
    monkeypatch.setenv("SPO_EVAL_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("SPO_EVAL_THRESHOLDS", str(ROOT / "eval" / "thresholds.json"))
    return gold, feedback


def start() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_running_an_evaluation_shows_the_item_table(page: tuple[Path, Path]) -> None:
    gold, _ = page
    at = start()
    at.button(key="run_eval").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value  # the items table comes first
    assert list(table["id"]) == ["Q1", "Q2"]
    assert list(table["refusal ok"]) == [True, True]
    assert any("Q1" in e.label for e in at.expander)
    assert (gold.parent / "runs").exists()
    report = json.loads(next((gold.parent / "runs").glob("*/report.json")).read_text())
    assert report["gold_sha256"] == hashlib.sha256(gold.read_bytes()).hexdigest()
    captions = [c.value for c in at.caption]
    for key in report["metrics"]:  # every metric the run has, named and explained
        if key in metrics() and report["metrics"][key] is not None:
            assert any(m.label == metrics()[key].label for m in at.metric), key
            assert metrics()[key].explain in captions, key
    assert any(c.startswith("Meets the threshold: at least") for c in captions)
    q1 = next(e for e in at.expander if e.label.startswith("Q1"))
    found = report["items"][0]["facts_found"]
    for fact in found:  # each fact found names the answer sentence that states it
        assert any(fact["sentence"] in m.value for m in q1.markdown)


def _answer(question: str) -> Answer:
    return Answer(
        question=question,
        text="An SPO lasts one year. [1]",
        sentences=[AnswerSentence("An SPO lasts one year.", (1,))],
        citations=[],
        refused=False,
    )


def promote_buttons(at: AppTest) -> list[Any]:
    return [b for b in at.button if b.key and b.key.startswith("promote_")]


def test_feedback_becomes_one_dev_item_after_confirmation(page: tuple[Path, Path]) -> None:
    gold, feedback = page
    store = FeedbackStore(feedback)
    store.add(_answer("How long must a full SPO last?"), 1, comment="fine")
    correction = "A full SPO lasts at least two years. It can also run until further order."
    first = store.add(_answer("How long must a full SPO last?"), -1, "wrong", correction)
    second = store.add(_answer("how long must a full SPO last"), -1, "wrong", correction + " ")
    other = store.add(_answer("Does an SPO need a hearing?"), -1, correction="Yes, it does.")
    known = store.add(_answer("Can British Transport Police apply for an SPO?"), -1, "?", "Yes.")
    before = gold.read_text()

    at = start()
    assert len(promote_buttons(at)) == 2  # the two identical complaints are one candidate
    assert any("2 officers gave this feedback" in m.value for m in at.markdown)
    assert any("already asks this question as Q1" in i.value for i in at.info)
    at.button(key=f"promote_{first}-{second}").click().run()
    assert gold.read_text() == before  # nothing written before confirmation
    assert any("Add this item to" in m.value for m in at.markdown)
    at.button(key=f"confirm_no_{first}-{second}").click().run()
    assert gold.read_text() == before and len(promote_buttons(at)) == 2

    at.button(key=f"promote_{first}-{second}").click().run()
    at.button(key=f"confirm_yes_{first}-{second}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    items = load_gold(gold)
    assert len(items) == 3
    added = items[-1]
    assert added.question == "How long must a full SPO last?"
    assert added.expected_facts == [
        "A full SPO lasts at least two years.",
        "It can also run until further order.",
    ]
    assert added.source == f"officer feedback #{first}, #{second}"
    assert json.loads(gold.read_text().splitlines()[-1])["split"] == "dev"
    statuses = {r.id: r.status for r in store.list(rating=-1)}
    assert statuses[first] == statuses[second] == "promoted"
    assert statuses[other] == "open" and statuses[known] == "open"
    assert [b.key for b in promote_buttons(at)] == [f"promote_{other}"]
    assert any(f"Added gold item {added.id}" in s.value for s in at.success)

    at.button(key=f"reviewed_{known}").click().run()
    assert {r.id: r.status for r in store.list(rating=-1)}[known] == "reviewed"


# Reports as runs of other versions of the evaluation write them.  The evaluation on this
# branch writes neither splits nor the newer metrics yet, so these scripted reports drive the
# page's branches for them; the real evaluation's report is shown by the first test above.
OLD_RUN = {
    "metrics": {"hit_at_1": 0.70, "fact_recall": 0.50, "latency_p50_ms": 40.0},
    "items_total": 40,
    "questions_file": "eval/questions.jsonl",
}
SPLIT_RUN = {"metrics": {"hit_at_1": 0.78, "fact_recall": 0.55, "directness": None,
                         "latency_p50_ms": 42.0, "custom_score": 0.5},
             "splits": {"dev": {"hit_at_1": 0.80, "fact_recall": 0.60},
                        "test": {"hit_at_1": 0.74, "fact_recall": 0.45}},
             "items_total": 44, "questions_file": "eval/questions.jsonl", "gold_sha256": "b" * 64}  # fmt: skip
SAME_GOLD = {**SPLIT_RUN, "metrics": {**SPLIT_RUN["metrics"], "hit_at_1": 0.79}}
NEW_GOLD = {**SAME_GOLD, "gold_sha256": "c" * 64}


def write_runs(runs: Path, reports: list[dict[str, Any]]) -> list[str]:
    names = []
    for n, report in enumerate(reports):
        folder = runs / f"2026110{n}T000000"
        folder.mkdir(parents=True)
        full = {"corpus_version": "v", "items": [], "created_at": folder.name, **report}
        (folder / "report.json").write_text(json.dumps(full), encoding="utf-8")
        names.append(folder.name)
    return names


def chart_specs(at: AppTest) -> dict[str, dict[str, Any]]:
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    return {spec["title"]: spec for spec in specs}


def chart_rows(at: AppTest, title: str, layer: int) -> list[dict[str, Any]]:
    """The data rows of one layer of the chart titled ``title``."""
    import pyarrow as pa

    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["title"] == title:
            name = spec["layer"][layer]["data"]["name"]
            data = next(d for d in chart.proto.datasets if d.name == name).data.data
            return pa.ipc.open_stream(data).read_all().to_pylist()  # type: ignore[no-any-return]
    raise AssertionError(f"no chart titled {title!r}")


def test_metrics_per_split_thresholds_and_gold_changes(
    page: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    gold, _ = page
    names = write_runs(gold.parent / "runs", [OLD_RUN, SPLIT_RUN, SAME_GOLD, NEW_GOLD])
    # a floor on the whole set, and one on the held-out split alone
    limits = {"min": {"hit_at_1": 0.72}, "test": {"min": {"hit_at_1": 0.76}}}
    path = gold.parent / "thresholds.json"
    path.write_text(json.dumps(limits), encoding="utf-8")
    monkeypatch.setenv("SPO_EVAL_THRESHOLDS", str(path))
    at = start()
    captions = [c.value for c in at.caption]
    labels = [m.label for m in at.metric]
    assert sorted(labels) == sorted(
        [
            metrics()["hit_at_1"].label,
            metrics()["fact_recall"].label,
            metrics()["latency_p50_ms"].label,
            "custom score",  # unknown to metrics.yaml: shown, with its key
        ]
    )  # directness is null in this run: not shown
    assert "By split: dev 0.800 · test 0.740" in captions
    assert metrics()["fact_recall"].explain in captions
    assert "Meets the threshold: at least 0.72." in captions  # hit_at_1 0.79 vs 0.72
    assert "Misses the threshold for the test split: at least 0.76." in captions  # 0.74

    specs = chart_specs(at)
    assert set(specs) == {
        metrics()[k].label for k in ("hit_at_1", "fact_recall", "latency_p50_ms")
    } | {"custom score"}
    hit = specs[metrics()["hit_at_1"].label]["layer"]
    assert hit[0]["encoding"]["x"]["sort"] == [
        "11-00 00:00",
        "11-01 00:00",
        "11-02 00:00",
        "11-03 00:00",
    ]
    assert hit[0]["encoding"]["strokeDash"]["field"] == "split"  # each split its own dash
    rules = [layer for layer in hit if layer["mark"]["type"] == "rule"]
    threshold = [r for r in rules if "y" in r["encoding"]]
    gold_marks = [r for r in rules if "x" in r["encoding"]]
    assert len(threshold) == 1 and len(gold_marks) == 1
    drawn = chart_rows(at, metrics()["hit_at_1"].label, hit.index(threshold[0]))
    assert sorted((r["split"], r["value"]) for r in drawn) == [("all", 0.72), ("test", 0.76)]
    latency = specs[metrics()["latency_p50_ms"].label]["layer"]
    assert not [r for r in latency if r["mark"]["type"] == "rule" and "y" in r["encoding"]]
    # the count changed (old report) and then the sha256: two changes, the same sha none
    assert f"Gold set changed at: {names[1]}, {names[3]}" in captions
