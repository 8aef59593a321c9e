"""The core on the real corpus and model: cited answers, refusals, follow-ups, hostile input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import CorpusMaker, make_chunk

from assistant.answering import Assistant
from assistant.composing import ExtractiveAnswerer, Unit, _join_neighbours, units_of
from assistant.policy import paragraph_vocabulary
from assistant.retrieval import Glossary, Passage, Retriever, question_parts
from assistant.settings import Settings
from assistant.store import live_snapshot

ROOT = Path(__file__).resolve().parents[1]
GOLD = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").open(encoding="utf-8")]
ANSWERABLE = [g for g in GOLD if g.get("answerable", True)]
# The public questions the project started from; the gold set's split scores are gated by
# `make eval-gate` (eval/thresholds.json), not item by item here.
UNANSWERABLE = [g for g in GOLD if not g.get("answerable", True) and g["id"].startswith("P")]


@pytest.fixture(scope="module")
def assistant(live_settings: Settings) -> Assistant:
    return Assistant(live_settings)


def _gold(item_id: str) -> dict[str, object]:
    return next(g for g in GOLD if g["id"] == item_id)


# Facts an officer must see, as words the corpus uses for them (checked by reading the notes).
KEY_FACTS = {
    "P03": ["British Transport Police", "Ministry of Defence Police"],
    "P05": ["acts associated with stalking", "risk associated with stalking", "necessary"],
    "P07": ["psychological"],
    "P10": ["fixed period", "two years"],
    "P13": ["3 days", "address"],
    "P15": ["in person", "police station"],
    "P17": ["maximum penalty", "same offence"],
    "P20": ["Crown Court"],
    "P24": ["Fixated", "Obsessive", "Unwanted", "Repeated"],
    "P29": ["0808 802 0300"],
}


@pytest.mark.parametrize("item_id", sorted(KEY_FACTS))
def test_answers_state_the_key_facts(assistant: Assistant, item_id: str) -> None:
    answer = assistant.ask(str(_gold(item_id)["question"]))
    assert not answer.refused, answer.text
    text = answer.text.lower()
    missing = [fact for fact in KEY_FACTS[item_id] if fact.lower() not in text]
    assert not missing, f"{item_id} answer lacks {missing}:\n{answer.text}"


def test_every_answer_sentence_is_quoted_from_the_passage_it_cites(assistant: Assistant) -> None:
    for item in ANSWERABLE:
        answer = assistant.ask(str(item["question"]))
        if answer.refused:  # false refusals are counted by the evaluation
            continue
        by_marker = {c.marker: c for c in answer.citations}
        assert answer.sentences and answer.citations
        for sentence in answer.sentences:
            assert sentence.citations, f"{item['id']}: uncited sentence {sentence.text!r}"
            for marker in sentence.citations:
                assert sentence.text in by_marker[marker].quote
                assert f"[{marker}]" in answer.text
        for citation in answer.citations:
            chunk = live_snapshot(assistant.settings).by_id[citation.chunk_id]
            assert citation.quote == chunk.text
            assert citation.title and citation.edition and citation.effective_date
            assert citation.paragraphs or citation.section


@pytest.mark.parametrize("item", UNANSWERABLE, ids=[g["id"] for g in UNANSWERABLE])
def test_unanswerable_questions_are_refused(assistant: Assistant, item: dict[str, object]) -> None:
    answer = assistant.ask(str(item["question"]))
    assert answer.refused, f"{item['id']} was answered: {answer.text}"
    assert answer.refusal_reason
    lowered = answer.text.lower()
    assert "can't" in lowered or "not part of" in lowered
    assert "system prompt" not in lowered


def test_injection_is_refused_without_revealing_configuration(assistant: Assistant) -> None:
    """P38 wraps a request to find a victim in an injection: the injection is set aside and
    what is left is declined for what it is."""
    answer = assistant.ask(str(_gold("P38")["question"]))
    assert answer.refused and answer.refusal_reason == "locate_victim"
    assert any("set that part aside" in n for n in answer.notices)
    assert "threshold" not in answer.text.lower() and "system prompt" not in answer.text.lower()
    only = assistant.ask(str(_gold("D109")["question"]))
    assert only.refused and only.refusal_reason == "injection"


def test_a_question_inside_an_injection_is_answered_and_the_wrapper_ignored(
    assistant: Assistant,
) -> None:
    item = _gold("D098")
    answer = assistant.ask(str(item["question"]))
    assert not answer.refused, answer.text
    assert "5 years" in answer.text, answer.text
    for wrapper in item.get("must_not_echo", []):
        assert str(wrapper).lower() not in answer.text.lower()
    assert any("set that part aside" in n for n in answer.notices)


@pytest.mark.parametrize(
    ("item_id", "doc_id", "para"),
    [
        ("D063", "terms", "2.3"),  # "his sister passes messages": indirect contact, third parties
        ("D066", "terms", "4.3"),  # "if he goes up to Glasgow": terms apply across the UK
        ("D068", "duration", "1.3"),  # "until further order ... stuck with it forever?"
    ],
)
def test_questions_in_other_words_find_the_paragraph_that_answers(
    assistant: Assistant, item_id: str, doc_id: str, para: str
) -> None:
    answer = assistant.ask(str(_gold(item_id)["question"]))
    assert not answer.refused, answer.text
    cited = {(c.doc_id, c.paragraphs) for c in answer.citations}
    assert (doc_id, para) in cited, (answer.text, cited)


@pytest.mark.parametrize(
    "question",
    [
        # Before related_terms.yaml's group this quoted the three conditions for applying.
        "AP works nights and goes to mosque on fridays, do the spo conditions have to fit round that",
        # These two quoted what an SPO can prohibit or require.
        "do the spo conditions have to fit round his work",
        "does the spo have to work round his job hours",
    ],
)
def test_a_place_of_worship_or_a_shift_finds_the_rule_on_religion_and_work(
    assistant: Assistant, question: str
) -> None:
    # Officers name the mosque, the night shift or his job; the notes state the rule in the
    # abstract (religion and work times in one paragraph, either may open the answer).
    answer = assistant.ask(question)
    first = answer.sentences[0].text
    assert "religious beliefs" in first or "normally works" in first, answer.text


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # officers' "conditions" are the order's terms: this quoted who can apply
        ("what conditions can go on an spo?", "prohibit"),
        # the notes' "conditions" are still the three for applying
        ("what are the three conditions for an SPO?", "three conditions"),
    ],
)
def test_conditions_means_the_terms_only_when_put_on_the_order(
    assistant: Assistant, question: str, said: str
) -> None:
    assert said in assistant.ask(question).sentences[0].text


@pytest.mark.parametrize(
    ("item_id", "reason", "cites"),
    [
        ("D101", "other_order", "2.5"),
        ("D103", "drafting", "2.6"),
        ("D105", "force_specific", "2.7"),
        ("P33", "jurisdiction", None),
        ("P35", "sentencing", "2.2"),
    ],
)
def test_near_misses_are_declined_for_what_they_are(
    assistant: Assistant, item_id: str, reason: str, cites: str | None
) -> None:
    answer = assistant.ask(str(_gold(item_id)["question"]))
    assert answer.refused and answer.refusal_reason == reason, answer.text
    assert assistant.scope.intents[reason].where in answer.text  # where to go instead
    if cites:
        assert [c.paragraphs for c in answer.citations] == [cites]


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        # each was answered with the nearest SPO sentences before its pattern in scope.yaml
        ("will the bench at Bromley grant our spo next week do you think", "case_decision"),
        ("can you predict whether the AP will breach the order", "case_decision"),
        ("tell me what sentence Jamie Cole will get for his breach", "case_decision"),
        ("is our case strong enough to get an spo", "case_decision"),
        ("write the MG3 for the breach by Tom Riley", "drafting"),
        ("fill in the SPO application form for me for the job on 14/2", "drafting"),
        ("compose a letter to the respondent telling him about the hearing", "drafting"),
        ("which judge sits at Manchester mags on tuesdays", "force_specific"),
        ("does the met have a dedicated SPO team and what's their email", "force_specific"),
        ("how long will the court take to list our hearing in Cardiff", "force_specific"),
        ("what are the stalking laws in jersey", "jurisdiction"),
        ("how do I apply for a community protection notice for the AP", "other_order"),
        # a fee or a count the notes do not give: "what's the fee", ISPOs, "last year"
        ("what's the fee at Leeds mags for a civil complaint", "not_found"),
        ("how many SPOs has Devon and Cornwall got this year", "not_found"),
        ("how many ISPOs did Kent get last year", "not_found"),
        # an average time, opening hours, a count of something the notes never count
        ("how long does it usually take the mags to decide an spo application", "not_found"),
        ("what are the opening hours of the national stalking helpline", "not_found"),
        ("how many stalking advocates are there in the uk", "not_found"),
        # a probe written after the ones above: 13 of 20 declined before these
        ("need the wording for a no contact condition for my suspect Ryan Hale", "drafting"),
        ("what room are SPO hearings in at Leeds mags", "force_specific"),
        ("is there any chance the court will make it 10 years", "case_decision"),
        ("how does a DAPO application work in the family court", "other_order"),
        ("what's the average time for an SPO to be granted in London", "not_found"),
        ("is the national stalking helpline open on bank holidays", "not_found"),
        # a distance or an amount: answered with "a set distance" or the breach offence before
        ("what is the max exclusion zone distance a court will allow in an spo", "not_found"),
        ("how many metres should the no approach condition be", "not_found"),
        ("how much compensation can the victim get if he breaches the spo", "not_found"),
    ],
)
def test_requests_the_notes_cannot_meet_are_declined(
    assistant: Assistant, question: str, reason: str
) -> None:
    answer = assistant.ask(question)
    assert answer.refused and answer.refusal_reason == reason, answer.text


@pytest.mark.parametrize(
    "question",
    [
        # read as a prediction, a jurisdiction or a fee by the patterns above
        "he committed stalking offences in spain before moving here, can we rely on them for "
        "the spo",
        "he's only ever sent her messages, will the bench go for exclusion zones and a curfew "
        "too or do the terms have to match what hes actually done?",
        "what is the difference between an spo and an injunction",
        # where an order may be served, not which custody suite a force uses
        "can we serve the spo on him while he's in the custody suite?",
        # asks what a risk tool does, not to predict a case
        "does the S-DASH predict whether stalking will escalate to violence?",
        # a case_decision example about "AP" and "his order" drew this one over the margin
        "how many days does the AP have to notify after the order is served",
        # counts and periods the notes give
        "how many SPOs did the met get in its first year",
        "how many sections does the statutory guidance have",
        "what's the maximum sentence for breaching an spo",
        # a distance, an amount of time: asked, not asked for a figure the notes lack
        "can the SPO stop him coming within 100m of her",
        "what's the amount of time he has to notify us after the order",
    ],
)
def test_questions_that_sound_like_those_are_answered(assistant: Assistant, question: str) -> None:
    assert not assistant.ask(question).refused


@pytest.mark.parametrize(
    "question",
    [
        "how do I book a prisoner into custody with a translator?",
        "how long is an MOT certificate valid for a taxi?",
        "can PCSOs issue parking tickets on double yellow lines?",
        "do I need a warrant to search a garden shed for stolen bikes?",
    ],
)
def test_a_question_in_words_the_notes_never_use_is_declined(
    assistant: Assistant, question: str
) -> None:
    # Each of these was answered with unrelated SPO sentences before scope.yaml's
    # `unfamiliar` rule: no intent pattern names them and no example is close.
    answer = assistant.ask(question)
    assert answer.refused and answer.refusal_reason == "out_of_scope", answer.text
    assert assistant.scope.intents["out_of_scope"].where in answer.text


@pytest.mark.parametrize(
    "question",
    [
        # places and shops the notes never name were counted as off-topic words
        "AP lives in Bridgwater and works at Tesco Taunton, IP is in Yeovil - can Avon and "
        "Somerset apply?",
        "wats the maxium sentance for braching an SPO",
        "how lng dose an interim SPO last",
        "can teh victm apply for an spo herself",
    ],
)
def test_typos_and_place_names_do_not_make_a_question_off_topic(
    assistant: Assistant, question: str
) -> None:
    assert not assistant.ask(question).refused


def test_related_terms_read_the_question_with_its_typos_corrected(assistant: Assistant) -> None:
    """One typo is searched as typed (the search forgives it), but a related-terms group
    matches whole words: "wivout tellin him" fired nothing and the answer padded with two
    unrelated quotes; "breeches" is a real word that no typo rule reads as "breaches"."""
    retriever = assistant.retriever()
    query = retriever.query("can we get an ispo wivout tellin him")
    assert "tellin" in query.searched[0]  # the search still reads what was typed
    assert any("without notice" in r for r in query.related)
    answer = assistant.ask("wot happens if he breeches the ispo")
    assert "offence" in answer.sentences[0].text


def test_asking_the_most_a_breach_can_get_is_answered_with_both_maxima(
    assistant: Assistant,
) -> None:
    # "how long can he get ..." was declined as predicting a court: an intent's example was
    # that question with "will" for "can".
    answer = assistant.ask("how long can he get for breaching the order?")
    assert not answer.refused, answer.text
    first = answer.sentences[0].text
    assert "5 years" in first and "general limit" in first, answer.text


def test_comparing_an_spo_with_another_order_is_answered(assistant: Assistant) -> None:
    answer = assistant.ask(str(_gold("D084")["question"]))
    assert not answer.refused, answer.text


def test_follow_ups_use_the_conversation(assistant: Assistant) -> None:
    first = assistant.ask("can BTP apply for an SPO?")
    follow = assistant.ask("and what about the MoD police?", [first.question])
    assert "Ministry of Defence Police" in follow.text
    # an elliptical follow-up is the earlier question asked about its own alternative
    assert follow.retrieval_query.startswith("can Ministry of Defence Police apply for an SPO?")
    interim = assistant.ask("how long does an interim SPO last?")
    full = assistant.ask("and a full one?", [interim.question])
    assert full.citations[0].doc_id == "duration", full.text
    assert "full" in full.sentences[0].text, full.text
    assert "interim" not in full.sentences[0].text.lower(), full.text


@pytest.mark.parametrize(
    ("question", "interim"),
    [
        # quoted the full-SPO paragraph first: to every signal it reads like the interim one
        ("who can apply to vary or discharge an interim SPO?", True),
        ("who can apply to vary or discharge an SPO?", False),
    ],
)
def test_a_question_about_one_kind_of_order_is_answered_about_that_kind(
    assistant: Assistant, question: str, interim: bool
) -> None:
    first = assistant.ask(question).sentences[0].text
    assert ("interim" in first.lower()) is interim, first
    assert "vary, renew or discharge" in first, first


@pytest.mark.parametrize(
    ("earlier", "follow_up", "said"),
    [
        ("when was the first SPO granted?", "where?", "Brighton"),
        ("whats s-dash", "how many qs?", "11 questions"),
        # quoted that an SPO lasts longer than a DVPO
        ("whats the minimum length of a full spo", "can it be longer?", "no statutory maximum"),
        ("which service supports high risk stalking victims?", "how do we refer?", "refer"),
        # declined as unrelated: two of its four words are not the notes' words
        (
            "can we get an ispo while the full app is waiting",
            "does it drop off once the full hearing's done?",
            "ends in any case when the court decides",
        ),
    ],
)
def test_a_short_follow_up_is_answered_from_the_conversation(
    assistant: Assistant, earlier: str, follow_up: str, said: str
) -> None:
    # Each was declined: "where?" as an empty question, the next three as not in the notes,
    # because a message this short finds nothing of its own.
    answer = assistant.ask(follow_up, [earlier])
    assert not answer.refused, answer.text
    assert said in answer.sentences[0].text, answer.text


@pytest.mark.parametrize(
    ("earlier", "follow_up", "said"),
    [
        ("what is an SPO?", "and when did they come in?", "20 January 2020"),
        ("who can appeal an SPO?", "and is there legal aid for that?", "legal aid"),
        ("can BTP apply for an SPO?", "and what about the victim herself?", "victim"),
    ],
)
def test_a_follow_up_opens_with_its_own_answer_not_the_last_one_again(
    assistant: Assistant, earlier: str, follow_up: str, said: str
) -> None:
    # Each of these opened with the earlier answer's first line while the earlier question's
    # parts were answered again, first.
    before = assistant.ask(earlier)
    after = assistant.ask(follow_up, [earlier])
    assert after.sentences[0].text != before.sentences[0].text, after.text
    assert said in after.sentences[0].text, after.text


def test_multi_part_question_gets_each_part_answered(assistant: Assistant) -> None:
    answer = assistant.ask(str(_gold("P17")["question"]))
    assert "maximum penalty" in answer.text.lower()
    assert "same offence" in answer.text.lower()


def test_an_abbreviation_in_the_story_does_not_open_with_what_it_stands_for(
    assistant: Assistant,
) -> None:
    # The keyword search read DASH's spelled-out name, which every word of the paragraph
    # defining DASH matches, so that definition opened the answer.  Named in the asking
    # sentence, the name is still read: "max for breaching an spo?" needs it.
    answer = assistant.ask(
        "completed the DASH with her. she answered yes on the stalking one, what now?"
    )
    assert answer.sentences[0].text.startswith("Where a victim's answer to the stalking question")


def test_each_part_is_judged_by_its_own_abbreviations(assistant: Assistant) -> None:
    # The DASH part's expansion ("Domestic Abuse, Stalking ...") once counted towards the
    # SASH part too, so SASH's history was quoted instead of what it is used for.
    answer = assistant.ask("what does the DASH cover? also what's SASH used for")
    assert "separate stalking cases that need only a standard response" in answer.text


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("how long does an ISPO last?", ["how long does an ISPO last?"]),
        (
            "max penalty for breaching an SPO? and is breaching an interim one the same offence?",
            ["max penalty for breaching an SPO", "is breaching an interim one the same offence"],
        ),
        # the story told first is searched with the whole question but is not a part
        (
            "Her ex keeps turning up at her work. Can we get an ISPO today and what do I need "
            "for it?",
            ["Can we get an ISPO today", "Can we get an ISPO today: what do I need for it"],
        ),
        # one asking sentence after the story: the whole message stays the one part
        (
            "Order says until further order. Is he stuck with it forever?",
            ["Order says until further order. Is he stuck with it forever?"],
        ),
    ],
)
def test_question_parts_are_the_asks_each_readable_alone(question: str, parts: list[str]) -> None:
    assert question_parts(question) == parts


@pytest.mark.parametrize(
    ("question", "declined"),
    [
        ("would an spo be disclosed on a DBS check for a job with kids", True),
        # a conviction question that mentions the DBS is answered from the notes
        ("AP thinks the spo shows on his dbs as a conviction, is he convicted of anything?", False),
    ],
)
def test_record_checks_are_declined_but_whether_it_is_a_conviction_is_answered(
    assistant: Assistant, question: str, declined: bool
) -> None:
    answer = assistant.ask(question)
    assert answer.refused == declined, answer.text
    if declined:
        assert answer.refusal_reason == "records" and "disclosure unit" in answer.text
    else:
        assert "not a criminal conviction" in answer.text, answer.text


def test_a_fee_the_notes_do_not_state_is_declined_not_padded(assistant: Assistant) -> None:
    answer = assistant.ask("how much does it cost to apply for an SPO at the magistrates?")
    assert answer.refused and answer.refusal_reason == "not_found", answer.text


def test_how_often_is_answered_by_a_frequency_or_declined(assistant: Assistant) -> None:
    """ "how often" is a stated-or-declined kind (answers.yaml): the dates the guidance was
    revised do not say how often an order is reviewed."""
    review = assistant.ask("how often do we review an spo?")
    assert review.refused and review.refusal_reason == "not_found", review.text
    notify = assistant.ask("how often does he have to notify?")
    assert not notify.refused and "no periodic" in notify.text, notify.text


def test_officers_words_for_a_case_or_a_statistic_ask_for_those_paragraphs(
    assistant: Assistant,
) -> None:
    """Case reports and background are quoted only when asked for; "has anyone ..." asks for
    a reported case and "what percentage ..." for the figures (paragraphs.yaml asked_for)."""
    case = assistant.ask("has anyone actually got a full SPO against a teenager yet?")
    assert "first full SPO against a child" in case.text, case.text
    figures = assistant.ask("what percentage of SPO applications get refused?")
    assert "5% were refused" in figures.text, figures.text


def test_a_figure_the_notes_do_not_give_is_declined_and_one_they_give_is_quoted(
    assistant: Assistant,
) -> None:
    breached = assistant.ask("what percentage of SPOs get breached?")
    assert breached.refused and breached.refusal_reason == "not_found", breached.text
    granted = assistant.ask("what % of SPO applications get granted?")
    assert not granted.refused and "78%" in granted.text, granted.text


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # each quoted the Met's or the country's first-year figure as if it were the answer
        ("how many spos did the met get in 2023", None),
        ("how many spos did essex police apply for in 2024", None),
        ("what percentage of spo applications were refused in 2023", None),
        # the year the notes give a figure for is answered with it
        ("what % of spo applications were granted in 2021?", "78%"),
        # two years, each given a figure in its own sentence, the first ask's first
        ("how many spos were issued in 2020 and what percentage were granted in 2021", "456"),
        # the share of applications granted was quoted as the share breached or prosecuted
        ("what % of SPOs end up breached?", None),
        ("how many SPO breaches get prosecuted?", None),
        # the outcome the notes give a figure for is answered with it
        ("what % of spo applications get refused", "5% were refused"),
        ("how many SPO applications were withdrawn in 2021", "17% were withdrawn"),
    ],
)
def test_a_figure_for_another_year_or_outcome_is_declined(
    assistant: Assistant, question: str, said: str | None
) -> None:
    answer = assistant.ask(question)
    if said is None:
        assert answer.refused and answer.refusal_reason == "not_found", answer.text
    else:
        assert not answer.refused and said in answer.sentences[0].text, answer.text
        assert "2021" in answer.text, answer.text


@pytest.mark.parametrize(
    "question",
    [
        str(_gold("P17")["question"]),
        "whats the max sentence for breach",
        # opened with the old 6-month maximum for breaches before May 2022 (narrowing.yaml)
        "whats the max prison sentence for breach",
        "max for breaching an spo?",
    ],
)
def test_breach_answer_states_both_maximums(assistant: Assistant, question: str) -> None:
    """The indictment maximum was dropped: its sentence read as a repeat of the summary one
    (same words, different figures), and a restated summary maximum filled the quotes."""
    answer = assistant.ask(question)
    assert "5 years" in answer.text and "general limit" in answer.text, answer.text


def test_personal_details_are_not_echoed(assistant: Assistant) -> None:
    answer = assistant.ask(str(_gold("P39")["question"]))
    assert not answer.refused
    dumped = json.dumps(answer.to_json())
    for secret in ("Whitfield", "07700 900123", "AN1 2BC", "02/03/1991", "14 Example Road"):
        assert secret not in dumped
    assert any("Personal details" in n for n in answer.notices)
    assert "interim" in answer.text.lower()


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("AP is Mr Kowalski, NI number QQ123456C, how long does he have to notify?", "3 days"),
        (
            "vic: Priya Shah, 07911 123456, priya.shah@example.com. Does she have to attend court?",
            "hearsay",
        ),
    ],
)
def test_placeholders_left_by_redaction_do_not_steer_the_search(
    assistant: Assistant, question: str, said: str
) -> None:
    """The words of "[name removed]" and "[phone number removed]" pulled up the paragraph
    telling officers not to type personal details, and quoted it."""
    answer = assistant.ask(question)
    assert not answer.refused, answer.text
    assert said in answer.text, answer.text
    assert "should not be typed" not in answer.text, answer.text


def test_over_long_question_is_cut_with_a_notice(assistant: Assistant) -> None:
    huge = "How long does an interim SPO last? " + "padding words " * 80_000
    answer = assistant.ask(huge)
    assert len(answer.question) <= assistant.settings.max_question_chars
    assert any("only the first" in n for n in answer.notices)


def test_abbreviations_expand_from_the_corpus_glossary(assistant: Assistant) -> None:
    retriever = assistant.retriever()
    assert retriever.glossary.expand("is it a PHA 97 offence?")["PHA 97"].startswith(
        "Protection from Harassment Act"
    )
    retrieval = retriever.retrieve("can BTP apply?")
    assert "British Transport Police" in retrieval.query
    # the answer records the passages it was built from, so evaluation needs no second search
    assert assistant.ask("can BTP apply?").retrieved == [
        p.chunk.chunk_id for p in retrieval.passages
    ]
    assert retrieval.passages[0].chunk.doc_id in ("who-may-apply", "glossary")


def test_a_spelled_out_name_is_searched_as_the_notes_write_it(assistant: Assistant) -> None:
    glossary = assistant.retriever().glossary
    assert glossary.abbreviate("can a stalking protection order stop him?") == (
        "can a SPO (stalking protection order) stop him?"
    )
    assert glossary.abbreviate("can a Stalking Protection Order (SPO) stop him?") == (
        "can a Stalking Protection Order (SPO) stop him?"
    )
    # Spelled out, the question was answered with the s4A stalking offence's 10 years.
    answer = assistant.ask("whats the max penalty for breaching a stalking protection order")
    first = answer.sentences[0].text
    assert "breach of an SPO" in first and "s4A" not in first, answer.text
    answer = assistant.ask("can a stalking protection order stop him going on facebook?")
    assert answer.citations[0].doc_id == "terms", answer.text


def test_glossary_expansion_is_data_not_code(make_corpus, settings_for, embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant.indexing import ingest

    corpus = make_corpus(
        {
            "glossary.md": "---\ndoc_id: glossary\ntitle: Terms\n---\n# Terms\n\n## 1 Terms\n\n"
            "1.1 ZQX — Zonal quarantine exclusion. A made-up term for this test.\n",
            "note.md": "---\ndoc_id: note\ntitle: Note\n---\n# Note\n\n## 1 Zones\n\n"
            "1.1 A zonal quarantine exclusion keeps a person out of an area.\n",
        }
    )
    settings = settings_for(corpus)
    ingest(settings)
    snapshot = live_snapshot(settings)
    glossary = Glossary(snapshot.chunks, "glossary")
    assert glossary.expand("what is a ZQX?") == {"ZQX": "Zonal quarantine exclusion"}
    retriever = Retriever(snapshot, Assistant(settings).embedder, settings)
    assert "Zonal quarantine exclusion" in retriever.retrieve("what is a ZQX?").query


def test_a_short_form_that_is_an_everyday_word_expands_only_in_capitals(embedder) -> None:  # type: ignore[no-untyped-def]
    chunks = [
        make_chunk("glossary", "1.1", "APP — Authorised Professional Practice."),
        make_chunk("glossary", "1.2", "FOUR — Fixated, Obsessive, Unwanted, Repeated."),
        make_chunk("glossary", "1.3", "SPO — Stalking Protection Order."),
    ]
    glossary = Glossary(chunks, "glossary", embedder.whole_words())
    assert {"app", "four"} <= embedder.whole_words()  # the model's own word list decides
    assert "APP" not in glossary.expand("does an spo app need a supt to sign it off?")
    assert "FOUR" not in glossary.expand("he notified four days after service")
    assert "APP" in glossary.expand("where in APP is stalking covered?")
    assert "FOUR" in glossary.expand("what does FOUR stand for?")
    assert "SPO" in glossary.expand("can btp apply for an spo")  # not a word: any case


def test_cli_ask_json_prints_a_full_answer(live_settings: Settings) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "ask",
            "--json",
            "--corpus",
            str(live_settings.corpus_dir),
            "--data",
            str(live_settings.data_dir),
            "how long does an interim SPO last?",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["refused"] is False
    assert answer["citations"] and answer["citations"][0]["quote"]
    assert {"total_ms", "retrieval_ms"} <= set(answer["timings"])


def test_no_index_gives_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--data", str(tmp_path / "none"), "hello"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "run `python ingest.py`" in result.stderr


def test_the_ask_search_returns_k_paragraphs_however_many_questions_each_holds(
    live_settings: Settings,
) -> None:
    """Paragraphs carry about six questions each: reading only k questions would return a
    handful of paragraphs, each through several of its questions."""
    snapshot = live_snapshot(live_settings)
    embedder = Assistant(live_settings).embedder
    (vector,) = embedder.encode(["can he tell us about his move by phone?"])
    hits = snapshot.ask_search(vector, 20)
    assert len(hits) == 20 == len({chunk_id for chunk_id, _ in hits})
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert snapshot.by_id[hits[0][0]].doc_id == "notification", hits[:3]


def test_the_question_search_finds_the_nearest_questions_exactly(live_settings: Settings) -> None:
    """Chroma's index is approximate: at its default width about one search in five missed
    some of the nearest written questions, differently in each process, so the same
    follow-up got different answers.  The collections are small enough to search widely
    (``search_ef``); the hits must be the exact nearest, computed here by brute force, for
    vague half-questions like the follow-ups officers type."""
    snapshot = live_snapshot(live_settings)
    embedder = Assistant(live_settings).embedder
    asks = [(c.chunk_id, ask) for c in snapshot.chunks for ask in c.asks]
    ask_vectors = embedder.embed_cached([ask for _, ask in asks])
    whole = [c.asks[0] for c in snapshot.chunks[::7] if c.asks][:40]
    questions = [q[: len(q) // 2] for q in whole] + ["and boon and sheridan's one?"]
    vectors = embedder.encode(questions)
    inexact = []
    for question, vector, hits in zip(
        questions, vectors, snapshot.ask_searches(vectors, 20), strict=True
    ):
        best: dict[str, float] = {}
        for (chunk_id, _), score in zip(asks, ask_vectors @ vector, strict=True):
            best[chunk_id] = max(best.get(chunk_id, -1.0), float(score))
        if [chunk_id for chunk_id, _ in hits] != sorted(best, key=lambda c: -best[c])[:20]:
            inexact.append(question)
    assert not inexact, inexact


def test_several_texts_are_searched_in_one_go_with_the_same_hits_as_one_by_one(
    live_settings: Settings,
) -> None:
    """A two-part question searches three texts: one Chroma round trip per kind of search
    returns, row for row, what searching each text alone does."""
    snapshot = live_snapshot(live_settings)
    embedder = Assistant(live_settings).embedder
    vectors = embedder.encode(["how long does an interim SPO last?", "can BTP apply?"])
    assert snapshot.dense_searches(vectors, 5) == [snapshot.dense_search(v, 5) for v in vectors]
    assert snapshot.ask_searches(vectors, 5) == [snapshot.ask_search(v, 5) for v in vectors]
    assert snapshot.dense_searches(vectors, 5)[0] != snapshot.dense_searches(vectors, 5)[1]


def test_a_new_paragraph_without_written_questions_is_judged_by_its_text(
    make_corpus: CorpusMaker, settings_for: Callable[..., Settings]
) -> None:
    """A maintainer's new document carries no asks: its paragraphs are not scored as if no
    question matched them (an ask similarity of 0 costs about one logit in weights.yaml), but
    by how close their closest sentence, or their whole text, is to the question."""
    from assistant.indexing import ingest

    noted = (
        "---\ndoc_id: noted\ntitle: Noted\n---\n# Noted\n\n## 1 Footage\n\n"
        "1.1 Body-worn video of a breach should be kept with the case file.\n"
        "<!--\nkind: rule\nasks:\n  - where do we keep bodycam of a breach?\n-->\n"
    )
    new = (
        "---\ndoc_id: briefing\ntitle: Briefing\n---\n# Briefing\n\n## 1 Footage\n\n"
        "1.1 Body-worn video footage of an SPO breach is retained for seven years.\n"
    )
    settings = settings_for(make_corpus({"noted.md": noted, "briefing.md": new}))
    ingest(settings)
    retriever = Assistant(settings).retriever()
    query = retriever.query("how long is body-worn video of an SPO breach kept for?")
    found = {c.chunk.doc_id: c for c in retriever.candidates(query, *retriever.encode(query))}
    sentence_search = dict(retriever.snapshot.ask_search(retriever.encode(query)[1][-1], 5))
    (stand_in,) = [score for chunk_id, score in sentence_search.items() if "briefing" in chunk_id]
    assert found["briefing"].features["ask"] == max(stand_in, found["briefing"].features["dense"])
    assert found["briefing"].features["ask"] > 0.5
    assert found["noted"].features["ask"] > 0.5


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # "section 4A" quoted the offence's definition and never its maximum
        ("whats the max for section 4A stalking", "10 years"),
        # quoted the notification offences' penalty before their offence codes
        ("whats the pnld code for fail to notify", "H20165"),
        ("and 4A?", "10 years"),
    ],
)
def test_an_offence_is_answered_with_what_was_asked_of_it(
    assistant: Assistant, question: str, said: str
) -> None:
    history = ["whats the max for s2A stalking"] if question.startswith("and") else []
    answer = assistant.ask(question, history)
    assert said in answer.sentences[0].text, answer.text


def test_a_figure_asked_for_is_given_when_the_first_quote_only_points_to_it(
    assistant: Assistant,
) -> None:
    # opened with "carries the same maximum penalties" and stopped there (answers.yaml
    # `completed`: the penalty is what was asked)
    answer = assistant.ask("breach of ISPO - max penalty?")
    assert not answer.refused, answer.text
    assert "5 years" in answer.text, answer.text
    # opened with reporting a breach to the OIC and gave no maximum
    story = assistant.ask(
        "vic says he's been messaging her from a new insta account despite the spo, what "
        "offence and whats the max"
    )
    assert "5 years" in story.text, story.text


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # declined as a sentencing assessment: no written question asked "is that a breach?"
        ("the AP keeps ringing her up, is that a breach?", "contacting the victim by any means"),
        # quoted the 3-day limit, never that notification is made in person
        ("can the subject just ring up to tell us they've moved", "in person"),
        ("can he just email his new address in?", "in person"),
        # quoted who may apply for an SPO in the first place
        (
            "AP has moved from our area to another force, who can apply to vary the spo now",
            "vary, renew or discharge",
        ),
        # quoted only the new-name rule
        ("does he have to tell us his address under the spo and how quick", "home address"),
        # these three sound like kinds the assistant declines and were declined
        ("will the court make the spo indefinite or does it have to have an end date", "two years"),
        # 'sister' brought the related terms for contact through family, whose prohibition
        # opened; 'protect' now asks for who the order can protect (related_terms.yaml)
        (
            "he's been going round her sisters to find out where the vic is, can the spo protect "
            "the sister too",
            "another person|other than the original victim",
        ),
        # its best passage is the scope note's paragraph on Northern Irish law, which declined it
        ("does the stalking protection act 2019 cover northern ireland", "Northern Ireland"),
        # opened with a sentence that only said "can" or "must" about the terms
        ("do we have to ask the victim what conditions she wants in the order?", "victim's views"),
        # answered with the general power to impose requirements, as if it said yes
        ("can an spo make the subject wear a gps tag", "not settled"),
        # opened with the DVPO comparison, which gives the SPO no length
        ("how long does an spo last", "at least two years"),
        # typed in shorthand and with typos (assistant/spelling.py):
        # declined as off-topic: "hw", "dose" and "hav" are no words of the notes
        ("hw long dose AP hav 2 notify", "must notify"),
        # answered with the definition of an SPO
        ("whos the applicnt for an spo", "chief officer"),
        # answered with an SPO supplementing an investigation
        ("how lng is a full spo 4", "at least two years"),
        # opened with who may apply for an SPO
        ("wat cort do spo apeals go 2", "Crown Court"),
        # declined as another jurisdiction's law: the search, reading the typed words, found
        # it closer to the Scottish examples; read again corrected before declining
        ("do spo condtions aply in scotland", "throughout the United Kingdom"),
        # answered with varying an interim order: "brches" lacks two letters of "breaches"
        ("wat hapens if AP brches ISPO", "criminal offence"),
        # answered with who an SPO protects: "vic" is an officer's "victim".  Since the
        # question search reads the typed question (2026-12-07) the variation paragraph ranks
        # first: its second sentence says the victim cannot apply, but its first opens.
        pytest.param(
            "can the vic apply her self 4 a spo",
            "cannot apply",
            marks=pytest.mark.xfail(strict=True, reason="opens with the variation paragraph"),
        ),
        # answered with who may apply: the victim's move is a reason to vary the order
        ("can an spo be varied if the victim moves", "vary the SPO"),
        # "17, which court" was read as a house number and street, and removed
        ("he's 17, which court do we go to", "youth court"),
        # answered with SPOs against children: "kids" read as the subject's age
        ("does the spo stop him going to the kids school", "entering places"),
        # answered with "the CPS cannot apply": a case with the CPS can still have an SPO
        (
            "sarge says we cant go for an spo coz CPS are still reviewing the file, is that right?",
            "no restriction on the stage",
        ),
        # answered with an SPO not being a conviction, and with courts making SPOs of their
        # own motion: "following" read as following her
        ("following his conviction for 4A can we get an spo", "no restriction on the stage"),
        ("following the acquittal can we still go for an spo", "no restriction on the stage"),
        # answered with the offence of stalking that he was charged with
        ("can we apply for an spo where he's already been charged with stalking s2A", "any point"),
        # answered with conditions the victim is asked about
        ("does the victim have to agree before we apply", "does not need to support"),
        # answered with what an SPO is
        ("can an spo stop him owning a phone", "device"),
        # answered with a second force applying where he keeps coming into its area
        ("AP keeps driving past her house, can the SPO stop that", "surveillance"),
        # answered with who decides whether to make an order
        ("who tells the victim when the order is made", "updated"),
        # declined as another order's procedure: it asks about applying for an SPO
        ("can we apply for an spo on a DVPO breach", "DVPO"),
        # answered with what an SPO is: "acquittal" was not one of the acquittal words
        ("can an spo be made on aquittal", "after an acquittal"),
        # answered with the first SPO case
        ("does the AP have to be convicted of stalking first", "no conviction"),
        # opened with the risk condition, whose questions claimed "the three SPO tests"
        ("what are the three conditions for an spo", "three conditions are met"),
        # answered with SPOs in domestic-abuse cases: "boyfriend" read as her ex
        (
            "can the victim's new boyfriend be named on the order",
            "does not have to be the original victim",
        ),
        # answered with what an SPO is and is not
        ("he's been sending her stuff through amazon, is that contact", "by any means"),
        # declined as another order's procedure: it asks about that order beside an SPO
        ("can the victim apply for a non-mol and we do an spo", "does not rule out an SPO"),
        # answered with making an interim order before the full hearing
        ("does the spo start from the date of the hearing", "served"),
        # opened with the end of the sex offender notification period
        ("what's the notification period for an SPO?", "within 3 days"),
        # answered with legal aid: the speller read "disproportionate" as the notes'
        # "disproportionately", so the related terms for it never fired
        (
            "the AP's solicitor says the spo is disproportionate, what do we need to show",
            "necessary",
        ),
    ],
)
def test_officers_words_find_the_rule_and_are_not_declined(
    assistant: Assistant, question: str, said: str
) -> None:
    answer = assistant.ask(question)
    assert not answer.refused, answer.text
    assert any(s in answer.sentences[0].text for s in said.split("|")), answer.text


@pytest.mark.parametrize(
    "question",
    [
        # half their words are the officer's own, not the notes': declined as unrelated work
        "jury cleared him of the 4a, vic panicking that the spo has gone with the case, has it",
        "if our prep or disclosure is shoddy could the force end up footing the bill for his "
        "legal fees on the spo?",
    ],
)
def test_a_case_told_in_an_officers_words_is_answered(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused, answer.text


def test_a_case_the_notes_cite_is_answered_when_typed_in_lower_case(
    assistant: Assistant,
) -> None:
    # "the malik case" was redacted as a person's name and the rest answered from nothing
    answer = assistant.ask("what did the court decide in the malik case")
    assert not any("Personal details" in n for n in answer.notices), answer.notices
    assert "Malik" in answer.sentences[0].text, answer.text


@pytest.mark.parametrize(
    "question",
    [
        # quoted who can apply for an SPO ("terms apply" read as "apply for")
        "do spo terms apply if he goes abroad",
        # quoted the territorial rule, the one paragraph that spelled out "AP"
        "if the AP goes to spain can he contact her from there without breaching",
    ],
)
def test_terms_abroad_are_answered_with_what_the_notes_say_of_them(
    assistant: Assistant, question: str
) -> None:
    answer = assistant.ask(question)
    assert "outside the United Kingdom" in answer.sentences[0].text, answer.text


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        # each opened with the sentence that answers the second ask, which fits both
        ("what does FOUR stand for and what is the s-dash used for", "FOUR"),
        ("can btp apply for an spo and does the area limit apply to them", "can apply"),
    ],
)
def test_the_first_line_answers_the_first_ask(
    assistant: Assistant, question: str, opening: str
) -> None:
    first = assistant.ask(question).text.splitlines()[0]
    assert opening in first, first


def test_a_sentence_announcing_conditions_is_quoted_with_them() -> None:
    chunk = make_chunk(
        "c",
        "1.1",
        "An SPO can be sought where three conditions are met. The three conditions are: "
        "acts, risk and necessity. The court decides.",
    )
    units = units_of(Passage(chunk, 1.0, 1.0, 0), sibling=False)
    assert [len(u.sentences) for u in units] == [2, 1]


def test_a_glossary_entrys_sentences_that_do_not_name_its_term_lean_on_its_first() -> None:
    chunk = make_chunk(
        "glossary",
        "4.7",
        "SASH — Screening Assessment for Stalking and Harassment. A brief triage tool. "
        "SASH separates cases needing a standard response from others.",
    )
    units = units_of(Passage(chunk, 1.0, 1.0, 0), sibling=False)
    assert [len(u.sentences) for u in units] == [2, 1]


@pytest.mark.parametrize(
    ("question", "opening"),
    [
        ("what does OIC stand for?", "OIC — Officer in the case."),
        ("whats VS-DASH, is that one the victim does", "VS-DASH — Victim self-completion"),
    ],
)
def test_asking_what_a_term_means_opens_with_its_glossary_entry(
    assistant: Assistant, question: str, opening: str
) -> None:
    # The ranking holds glossary paragraphs back, so a paragraph that merely used the term
    # ("the OIC should gather evidence ...") answered what it means.
    assert assistant.ask(question).text.startswith(opening)


def test_a_definition_nobody_asked_for_is_not_quoted(assistant: Assistant) -> None:
    """paragraphs.yaml asked_for: definitions are quoted when the question asks what a term
    means, like case reports and background."""
    answer = assistant.ask(str(_gold("D054")["question"]))  # first response at the scene
    assert not answer.refused
    # it quoted what SASH is for, a screening tool the question never named
    assert "SASH" not in answer.text, answer.text
    assert "definition" in paragraph_vocabulary().asked_kinds("what does DASH stand for?")


def _scripted_unit(doc: str, para: str, text: str, p: float, kind: str = "rule") -> Unit:
    chunk = make_chunk(doc, para, text, kind)
    features = {"type_needs": 2.0, "type_match": 0.0, "kind_asked": float(kind == "case")}
    return Unit([text], Passage(chunk, 1.0, 1.0, 0), 0, False, [features], [p])


def test_further_quotes_from_another_note_must_fit_better() -> None:
    """A scripted scorer (fixed probabilities) drives each branch of the fill rule in
    answers.yaml, which the real model cannot be steered into one at a time: a quote from a
    note not yet quoted needs `elsewhere_floor`, unless it is a case report the question asks
    for; the rest of a quoted paragraph needs only `same_paragraph_floor`."""
    lead = _scripted_unit("duration", "1.1", "A full SPO lasts at least two years.", 0.9)
    units = [
        lead,
        _scripted_unit("breach", "2.1", "Breach is an offence.", 0.3),
        _scripted_unit("appeals", "2.1", "Appeals go to the Crown Court.", 0.45),
        _scripted_unit("cases", "1.1", "A court made a ten-year SPO.", 0.25, kind="case"),
        _scripted_unit("duration", "1.2", "The minimum runs from the day it is made.", 0.25),
        _scripted_unit("duration", "1.1", "The court chooses which applies.", 0.15),
    ]
    units[-1].passage = lead.passage  # the lead paragraph's second sentence
    vectors = np.eye(len(units))
    chosen = ExtractiveAnswerer(Settings(answer_max_sentences=6)).select(units, vectors)
    texts = [u.text for u in chosen]
    assert "Breach is an offence." not in texts  # another note, under elsewhere_floor
    assert "Appeals go to the Crown Court." in texts  # another note, above it
    assert "A court made a ten-year SPO." in texts  # a case report asked for: floor only
    assert "The minimum runs from the day it is made." in texts  # a note quoted: floor
    assert "The court chooses which applies." in texts  # same paragraph, under the floor


def test_sentences_of_one_paragraph_are_quoted_together_in_its_order() -> None:
    """Picked third, second and first, three sentences of one paragraph were quoted as two:
    the first and second joined, the third left alone, and the direct answer ("is an
    either-way offence") came second."""
    chunk = make_chunk("breach", "2.1", "Either way. On indictment, 5 years. Summarily, less.")
    passage = Passage(chunk, 1.0, 1.0, 0)
    said = ["Either way.", "On indictment, 5 years.", "Summarily, less."]
    picked = [Unit([said[i]], passage, i, False) for i in (2, 0, 1)]
    joined = _join_neighbours(picked)
    assert [u.sentences for u in joined] == [said]


def test_an_answer_does_not_pad_with_other_notes(assistant: Assistant) -> None:
    # "AP got acquited at crown last week. is it too late ...?" was answered with the rule
    # that an SPO can be sought at any stage, then with a quote from the overview note that
    # an SPO supplements an investigation
    answer = assistant.ask(str(_gold("D049")["question"]))
    assert not answer.refused
    assert len({c.doc_id for c in answer.citations}) == 1, answer.text


def test_the_question_search_reads_the_question_as_typed(assistant: Assistant) -> None:
    """The questions written beside a paragraph use officers' shorthand: with the
    "(SPO: Stalking Protection Order)" expansion, "do I have to hand the order to him
    personally?" was not among the 30 nearest, and this paragraph ranked tenth."""
    retriever = assistant.retriever()
    query = retriever.query("does the spo have to be served personally on him")
    assert "Stalking Protection Order" in query.searched[0]
    assert "Stalking Protection Order" not in query.typed
    found = retriever.candidates(query, *retriever.encode(query))
    best = max(found, key=lambda c: c.probability).chunk
    assert (best.doc_id, best.para_label) == ("service-and-management", "1.3")
    # the refusal gate, calibrated on the expanded search, reads the closer of the two
    assert all(c.closest_ask >= c.features["ask"] for c in found)


def test_what_the_assistant_covers_is_answered_from_the_scope_note(assistant: Assistant) -> None:
    answer = assistant.ask("what sort of questions wont you answer? dont want to waste my time")
    assert not answer.refused, answer.text
    assert answer.citations[0].doc_id == "scope-and-limits", answer.text
