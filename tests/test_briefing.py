"""Per-role briefings and court-application checklists, built from paragraph annotations and
the notes' own structure, on small fixture corpora and on the real corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures_docs import markdown_doc

from assistant import briefing as briefing_module
from assistant.briefing import briefing, briefing_policy, checklist, for_role, is_step
from assistant.chunking import chunk_document
from assistant.errors import SettingsError
from assistant.loading import load_document
from assistant.schema import Chunk
from assistant.settings import Settings
from assistant.store import live_snapshot

PROCESS = [
    ("1 About these steps", [
        "1.1 These lantern steps come from the fixture act.",
    ]),
    ("2 Frontline officers", [
        "2.1 Frontline officers should note the harbour register.",
        "2.2 The harbour register began in 1990.\n<!-- {kind: background} -->",
    ]),
    ("3 Investigating officers - the lantern file", [
        "3.1 The investigating officer should gather the lantern evidence.",
        "3.2 Lantern evidence is admissible in these proceedings.",
        "3.3 The authorising officer must countersign the lantern form.\n"
        "<!-- {audience: [authorising]} -->",
    ]),
    ("4 Authorising officers", [
        "4.1 The authorising officer should check the costs of the lantern case.",
        "4.2 In one case an authorising officer refused a lantern file.\n<!-- {kind: case} -->",
    ]),
    ("5 The court stage", [
        "5.1 Officers should bring the lantern bundle to the hearing.",
        "5.2 The bench sits at ten in the morning.",
        "5.3 Frontline officers should wait outside the hearing room.\n"
        "<!-- {audience: [frontline]} -->",
    ]),
]  # fmt: skip
OTHER = [
    ("1 Orders", [
        "1.1 Serve the lantern order on the respondent in person.\n"
        "<!-- {kind: procedure, audience: [investigating]} -->",
        "1.2 The investigating officer should read the order first.\n"
        "<!-- {kind: rule, audience: [investigating]} -->",
        "1.3 Orders should be logged by whoever makes them.",
        "1.4 The investigating officer should gather the lantern evidence first of all.\n"
        "<!-- {audience: [investigating]} -->",
    ]),
]  # fmt: skip
AFTER = [
    ("1 After the order", [
        "1.1 Record every breach of the lantern order at once.\n"
        "<!-- {kind: procedure, audience: [investigating]} -->",
    ]),
]  # fmt: skip


@pytest.fixture
def chunks(tmp_path: Path) -> list[Chunk]:
    """Three fixture notes: two on the policy's route to court (the steps note and "terms"),
    and one off it ("breach")."""
    files = {
        "process.md": markdown_doc("application-process", "Lantern Steps", PROCESS),
        "other.md": markdown_doc("terms", "Another Lantern Note", OTHER),
        "after.md": markdown_doc("breach", "After a Lantern Order", AFTER),
    }
    found: list[Chunk] = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        found += chunk_document(load_document(path, tmp_path), max_tokens=200)
    # the other notes first, so order comes from the policy, not from input order
    return sorted(found, key=lambda c: c.doc_id == "application-process")


def paras(view: Any) -> list[tuple[str, str]]:
    return [(i.chunk.doc_id, i.chunk.para_label) for i in view.items]


def test_briefing_lists_what_each_role_must_know(chunks: list[Chunk]) -> None:
    assert paras(briefing(chunks, "frontline")) == [
        ("application-process", "2.1"),  # 2.2 is background: left out
        ("application-process", "5.3"),  # annotated for frontline, under a shared heading
    ]
    assert paras(briefing(chunks, "investigating")) == [
        ("application-process", "3.1"),
        ("application-process", "3.2"),  # 3.3 is annotated for authorising only
        ("terms", "1.1"),  # the route's notes in the route's order ...
        ("terms", "1.2"),
        ("terms", "1.4"),
        ("breach", "1.1"),  # ... then the others
    ]
    assert paras(briefing(chunks, "authorising")) == [
        ("application-process", "3.3"),
        ("application-process", "4.1"),  # 4.2 is a case: left out
    ]


def test_checklists_are_the_roles_procedures_in_the_notes_order(chunks: list[Chunk]) -> None:
    assert checklist(chunks, "frontline") is None  # no checklist for this role
    investigating = checklist(chunks, "investigating")
    assert investigating is not None
    assert investigating.title == "Court application checklist"
    assert paras(investigating) == [
        ("application-process", "3.1"),  # "should": a step; 3.2 states a rule
        ("application-process", "5.1"),  # the shared court stage; 5.2 is not a step
        ("terms", "1.1"),  # annotated as a procedure; 1.2 is annotated as a rule
    ]  # terms 1.4 repeats 3.1; breach 1.1 is a procedure off the route to court
    authorising = checklist(chunks, "authorising")
    assert authorising is not None
    assert paras(authorising) == [
        ("application-process", "3.3"),
        ("application-process", "4.1"),
        ("application-process", "5.1"),  # 5.3 is annotated for frontline only
    ]


def test_every_item_is_numbered_and_cited_with_its_passage(chunks: list[Chunk]) -> None:
    for role in ("frontline", "investigating", "authorising"):
        views = [briefing(chunks, role), checklist(chunks, role)]
        for view in filter(None, views):
            for number, item in enumerate(view.items, start=1):
                citation = item.citation
                assert citation.marker == number
                assert citation.quote == item.chunk.text and citation.quote
                assert citation.doc_id == item.chunk.doc_id
                assert citation.paragraphs == item.chunk.para_label
                assert citation.title in (
                    "Lantern Steps",
                    "Another Lantern Note",
                    "After a Lantern Order",
                )


def test_role_and_step_rules(chunks: list[Chunk]) -> None:
    by_para = {(c.doc_id, c.para_label): c for c in chunks}
    untagged_frontline = by_para[("application-process", "2.1")]
    assert for_role(untagged_frontline, "frontline")
    assert not for_role(untagged_frontline, "investigating")
    tagged = by_para[("application-process", "3.3")]
    assert for_role(tagged, "authorising") and not for_role(tagged, "investigating")
    assert is_step(by_para[("terms", "1.1")])  # kind procedure, no step word
    assert not is_step(by_para[("terms", "1.2")])  # kind rule despite "should"
    assert not is_step(by_para[("application-process", "3.2")])
    assert is_step(by_para[("terms", "1.3")])  # untagged with "should"
    assert not for_role(by_para[("terms", "1.3")], "investigating")  # but nobody's


def test_real_corpus_has_a_briefing_per_role_and_cited_checklists(
    live_settings: Settings,
) -> None:
    snapshot = live_snapshot(live_settings)
    by_id = snapshot.by_id
    for role in ("frontline", "investigating", "authorising"):
        view = briefing(snapshot.chunks, role)
        assert view.items, role
        for item in view.items:
            assert by_id[item.citation.chunk_id].text == item.citation.quote
            assert item.chunk.kind not in ("case", "background")
            assert for_role(item.chunk, role)
    assert checklist(snapshot.chunks, "frontline") is None
    for role in ("investigating", "authorising"):
        steps = checklist(snapshot.chunks, role)
        assert steps is not None and steps.items, role
        assert steps.items[0].chunk.doc_id == "application-process"
        route = briefing_policy().route
        ranks = [route.index(i.chunk.doc_id) for i in steps.items]
        assert ranks == sorted(ranks)  # the order a case meets the notes
        for item in steps.items:
            assert is_step(item.chunk)
            assert by_id[item.citation.chunk_id].text == item.citation.quote
        positions = [i.chunk.position for i in steps.items if i.chunk.doc_id == "application-process"]
        assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["roles"].update(sergeant={"headings": ["x"]}), "roles.sergeant is not one of"),
        (lambda d: d["briefing"].update(leave_out=["anecdote"]), "unknown kind 'anecdote'"),
        (lambda d: d["checklist"].update(step_words="should"), "checklist.step_words must be"),
        (lambda d: d["checklist"].update(repeat_overlap=2), "repeat_overlap must be a number"),
        (lambda d: d.pop("route"), "missing or malformed 'route'"),
        (lambda d: d.pop("checklist"), "missing or malformed 'checklist'"),
    ],
)
def test_a_malformed_policy_is_one_line_naming_the_field(
    monkeypatch: pytest.MonkeyPatch, change: Any, expected: str
) -> None:
    data = briefing_module.read_yaml("briefing.yaml")
    change(data)
    monkeypatch.setattr(briefing_module, "read_yaml", lambda name: data)
    with pytest.raises(SettingsError, match=r"briefing\.yaml") as info:
        briefing_policy.__wrapped__()
    assert expected in str(info.value) and "\n" not in str(info.value)
