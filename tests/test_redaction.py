"""Redaction with the real parts: Presidio, the pinned spaCy model, the data files as shipped.

Each test names a form officers type; the labelled set (tests/test_redaction_quality.py)
measures recall over hundreds of them, these pin the forms the issue reported as leaking.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import itertools
import json
import logging
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.errors import QuestionError, SettingsError
from assistant.guard import check_question
from assistant.redaction import find, redact, redact_text
from assistant.redaction.policy import DATA_DIR, load_policy, policy

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("question", "detail", "kind"),
    [
        ("victim is jane smith, can I get an SPO?", "jane smith", "name"),
        ("AP is Darren O'Neill, he sits outside her flat", "O'Neill", "name"),
        ("Suspect Omar Al-Rashid messages her sister", "Al-Rashid", "name"),
        ("Emma Watson's address is near his", "Emma Watson", "name"),
        ("Mr Peter Parker keeps following her", "Peter Parker", "name"),
        ("his mum Linda rang about the ISPO", "Linda", "name"),
        ("Kev Brown moved without telling us", "Kev Brown", "name"),
        ("the IP was born 3 March 1990", "3 March 1990", "date of birth"),
        ("AP dob 11th July 1988, is that relevant?", "11th July 1988", "date of birth"),
        ("she lives at Flat 3, 22 Station Approach", "Flat 3, 22 Station Approach", "address"),
        ("NHS no 943 476 5919, can he be assessed?", "943 476 5919", "NHS number"),
        ("NI number JT 45 67 89 B on the form?", "JT 45 67 89 B", "National Insurance number"),
        ("he drives LR19 KXP past her house", "LR19 KXP", "vehicle registration"),
        ("his car reg is S165 FOR", "S165 FOR", "vehicle registration"),
        ("Aisha Malik is the victim", "Aisha Malik", "name"),
        ("crime ref 13/45678/26 - can we apply?", "13/45678/26", "crime reference"),
        ("ring her on 07700 900123", "07700 900123", "phone number"),
        ("email j.smith@example.org about it", "j.smith@example.org", "email"),
        ("postcode AN1 2BC is in our area", "AN1 2BC", "postcode"),
    ],
)
def test_the_forms_that_used_to_leak_are_removed(question: str, detail: str, kind: str) -> None:
    text, kinds = redact(question)
    assert detail not in text
    assert kind in kinds
    assert f"[{kind} removed]" in text


def test_titles_and_trigger_words_stay_and_only_the_name_goes() -> None:
    text, _ = redact("Mr Peter Parker and the victim is jane smith")
    assert text == "Mr [name removed] and the victim is [name removed]"


def test_a_verb_after_a_lower_case_surname_is_kept() -> None:
    """"PC jones served it" lost "served" with the name: a word with an object after it
    ("it", "the order") is the sentence's verb, so the question still says what happened."""
    assert redact("PC jones served it yesterday") == (
        "PC [name removed] served it yesterday",
        ["name"],
    )
    assert redact("DC smith the OIC says")[0] == "DC [name removed] the OIC says"  # apposition


def test_nhs_number_check_digit_decides_the_kind_without_the_word_nhs() -> None:
    assert redact("the number 943 476 5919 was on the form")[1] == ["NHS number"]
    # 943 476 5918 fails the check digit: not an NHS number, though as a possible UK phone
    # number it is still removed.
    text, kinds = redact("the number 943 476 5918 was on the form")
    assert "NHS number" not in kinds and "5918" not in text


@pytest.mark.parametrize(
    "question",
    [
        "How long does an ISPO last and can the Chief Constable apply to the Crown Court?",
        "AP lives in Kent but keeps turning up in Essex. Can Essex apply?",
        "Is the National Stalking Helpline 0808 802 0300?",
        "What did the court say in Commissioner of Police of the Metropolis v Malik?",
        "Did the Act come into force on 20 January 2020?",
        "Can British Transport Police or Greater Manchester Police apply for an SPO?",
        "What is SAM and when do I use S-DASH?",
        "what's Malik and why does it matter for costs?",
        "can we seize the car under s165 for no insurance?",
        "write my MG11 for the interim SPO app pls",
        # an age then "which court": no house number and street
        "he's 17, which court do we go to",
        "she's 16, what court hears it",
        # a rank after "a" or "the" is a role, and the verb after it no surname
        "can a PCSO serve the order on him",
        "does the DC need a warrant to arrest for the breach",
    ],
)
def test_the_guidance_own_words_are_never_redacted(question: str) -> None:
    assert redact(question) == (question, [])


def test_a_witness_named_like_an_abbreviation_is_still_a_name() -> None:
    """SAM the risk tool is kept; PC Sam Okoro is a person (terms match their exact case)."""
    text, kinds = redact("PC Sam Okoro served the order")
    assert "Sam" not in text and "Okoro" not in text and kinds == ["name"]


def test_redacting_redacted_text_changes_nothing() -> None:
    once, kinds = redact("Victim is Sarah Whitfield, DOB 02/03/1991, 14 Example Road, AN1 2BC")
    assert len(kinds) == 4
    assert redact(once) == (once, [])
    assert find(once) == []


def test_findings_are_in_order_and_do_not_overlap() -> None:
    result = redact_text("Flat 7, 19 Queens Parade, CF10 1AB - victim Bethany Cole")
    spans = [(f.start, f.end) for f in result.findings]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert result.kinds == ["address", "postcode", "name"]


def test_guard_notice_names_the_kinds_removed_and_the_question_still_stands() -> None:
    checked = check_question("victim is jane smith, born 3 March 1990 - how long is an ISPO?", 2000)
    assert checked.refusal is None
    assert checked.redacted == ["name", "date of birth"]
    assert any("name, date of birth" in n for n in checked.notices)
    assert "jane" not in checked.question and "ISPO" in checked.question


def test_not_text_is_a_one_line_question_error() -> None:
    with pytest.raises(QuestionError, match="redaction needs text, not int"):
        redact(42)  # type: ignore[arg-type]


def test_empty_text_is_returned_as_it_is() -> None:
    assert redact("") == ("", [])
    assert redact("   ") == ("   ", [])


def test_nothing_personal_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, Presidio's and spaCy's included
    redact("victim is Zofia Kowalczyk, 07700 900781, zofia@example.org, DOB 03/04/1985")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    logged = " ".join(r.getMessage() for r in caplog.records)
    for detail in ("Zofia", "Kowalczyk", "900781", "example.org", "03/04/1985"):
        assert detail not in logged


def test_threads_share_one_engine_and_agree() -> None:
    questions = [f"victim {name} lives at 9 Elm Grove" for name in ("jane smith", "Kev Brown")] * 8
    expected = [redact(q) for q in questions]
    results: list[tuple[str, list[str]] | None] = [None] * len(questions)

    def work(i: int) -> None:
        results[i] = redact(questions[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == expected


OFFLINE = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network use during redaction")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
sys.path.insert(0, sys.argv[1])
from assistant.redaction import redact
print(redact("mail j.smith@example.org or k.obrien@police.uk, victim is jane smith")[0])
"""


def test_redaction_works_with_the_network_blocked(tmp_path: Path) -> None:
    """A fresh process (so tldextract and the model load under the block) never connects."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE, str(ROOT)],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert (
        done.stdout.strip() == "mail [email removed] or [email removed], victim is [name removed]"
    )
    assert "network use" not in done.stderr
    assert not any(tmp_path.rglob("*public_suffix*")), "nothing may be cached from the network"


def test_the_model_is_the_pinned_build() -> None:
    spec = policy().model
    assert importlib.metadata.version(spec.package) == spec.version
    meta = importlib.metadata.metadata(spec.package)
    assert meta["License"] == "MIT"
    import spacy

    package = spacy.util.get_package_path(spec.package)
    weights = package / f"{spec.package}-{spec.version}" / "ner" / "model"
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == spec.ner_sha256
    model_meta = json.loads((package / "meta.json").read_text())
    assert model_meta["license"] == "MIT" and model_meta["version"] == spec.version


def test_word_lists_do_not_contradict_each_other() -> None:
    words = policy().names
    assert not words.first_names & words.ambiguous_first_names
    assert not words.plain_words_when_lower & (words.first_names | words.ambiguous_first_names)
    assert not words.first_names & words.not_names
    assert not words.triggers & words.first_names
    keep = policy().keep
    assert not [n for n in words.first_names if keep.word(n)], "a kept word can never be a name"


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("rules.yaml", "kind: POSTCODE", "kind: POSTCODES", "needs a name, a regex and a kind"),
        (
            "rules.yaml",
            r"regex: \b(?P<pii>[a-z]{1,2}",
            r"regex: \b(?P<pii[a-z]{1,2}",
            "rule 'postcode",
        ),
        ("rules.yaml", "<<numeric_date>>", "<<no_such_fragment>>", "unknown fragment"),
        (
            "kinds.yaml",
            'placeholder: "[email removed]"',
            "placeholder:",
            "needs label, placeholder",
        ),
        ("kinds.yaml", "names: 0.98", "people: 0.98", "unknown groups"),
        ("names.yaml", "titles: >-", "titlez: >-", "missing field 'titles'"),
        ("keep.yaml", "phrases:", "phrases: [oops", "keep.yaml: cannot be read"),
        ("model.yaml", "ner_sha256:", "sha:", "missing field 'ner_sha256'"),
    ],
)
def test_a_malformed_data_file_is_one_line_naming_it(
    tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    folder = _broken_copy(tmp_path, name, old, new)
    with pytest.raises(SettingsError) as info:
        load_policy(folder)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("redaction data ")


def test_shipped_data_loads_and_every_kind_has_a_rule_or_recogniser() -> None:
    loaded = load_policy()
    by_rules = {r.kind for r in loaded.rules}
    by_presidio = {"EMAIL", "NAME", "PHONE", "NHS_NUMBER"}
    assert set(loaded.kinds) <= by_rules | by_presidio
