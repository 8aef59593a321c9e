"""The Streamlit app driven headless with AppTest: Ask, Briefing, Sources and Library pages.

Every test points the app at its own folders through ``SPO_*`` variables; the real corpus is
ingested once per session by ``live_settings`` (tests/conftest.py) and only read here.  The
Quality page has its own file (test_quality_page.py); what only a browser can show (scrolling,
the page script, cookies, tab titles) is in test_browser.py.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.conversations import ConversationStore
from assistant.loading import iter_corpus_files, load_document
from assistant.settings import Settings
from assistant.store import read_pointer
from assistant.ui.answer_view import md_escape

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 90  # the first run of a process loads the model and the index
QUESTION = "What is the maximum penalty for breach of an SPO?"

Runner = Callable[..., AppTest]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def corpus_text(live_settings: Settings) -> str:
    """Every corpus file's raw text (Markdown) or parsed text (other formats), squashed."""
    parts = []
    for path in iter_corpus_files(live_settings.corpus_dir):
        if path.suffix in (".md", ".txt"):
            parts.append(path.read_text(encoding="utf-8"))
        else:
            document = load_document(path, live_settings.corpus_dir)
            parts.extend(p.text for p in document.paragraphs)
    return _squash("\n".join(parts))


@pytest.fixture
def app(
    live_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., AppTest]:
    """``app(data_dir=..., corpus_dir=..., feedback_db=...)`` -> a run AppTest on the Ask page."""

    def start(
        data_dir: Path | None = None,
        corpus_dir: Path | None = None,
        feedback_db: Path | None = None,
        page: str | None = None,
        query: dict[str, str] | None = None,
        conversations_db: Path | None = None,
    ) -> AppTest:
        monkeypatch.setenv("SPO_DATA_DIR", str(data_dir or live_settings.data_dir))
        monkeypatch.setenv("SPO_CORPUS_DIR", str(corpus_dir or live_settings.corpus_dir))
        monkeypatch.setenv("SPO_FEEDBACK_DB", str(feedback_db or tmp_path / "feedback.sqlite"))
        monkeypatch.setenv(
            "SPO_CONVERSATIONS_DB", str(conversations_db or tmp_path / "conversations.sqlite")
        )
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.run()
        if page or query:
            at.query_params.update(query or {})
            at.switch_page(page or "assistant/ui/ask.py")
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return start


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def turns(at: AppTest) -> list[object]:
    value = at.session_state["ask_turns"]
    assert isinstance(value, list)
    return value


def test_answer_has_markers_and_citations_quoting_the_corpus(app: Runner, corpus_text: str) -> None:
    at = ask(app(), QUESTION)
    user, assistant = at.chat_message[0], at.chat_message[1]
    assert user.name == "user" and QUESTION in user.markdown[0].value
    assert assistant.name == "assistant"
    answer_text = assistant.markdown[0].value
    assert "[1]" in answer_text
    labels = [e.label for e in at.expander]
    assert labels and labels[0].startswith("[1] ")
    for expander in at.expander:
        quote = expander.markdown[0].value
        assert quote.startswith("> ")
        body = _squash(re.sub(r"^>\s?", "", quote, flags=re.M).replace("\\$", "$"))
        assert body in corpus_text, body
        facts = expander.markdown[1].value
        assert "**Document:**" in facts and "**Paragraph:**" in facts and "**Edition:**" in facts
    links = at.get("page_link")
    assert links and "doc=" in str(links[0].proto)  # link to the cited section in Sources
    assert len(at.feedback) == 1  # feedback offered on the answer
    assert not at.warning  # a real answer is not styled as a refusal


def test_out_of_scope_question_is_refused_with_warning_styling(app: Runner) -> None:
    at = ask(app(), "how do I carry out a roadside drug wipe?")
    warnings = at.chat_message[1].warning
    assert warnings, "a refusal is drawn as a warning box"
    answer = turns(at)[0].answer  # type: ignore[attr-defined]
    assert answer.refused and answer.refusal_reason
    assert warnings[0].value == md_escape(answer.text)  # the refusal's own words, in the box
    assert at.warning[0].proto.icon == ":material/block:"
    assert len(at.expander) <= 1  # at most the scope note is cited


def test_user_bubble_shows_redacted_question_and_notice(app: Runner) -> None:
    at = ask(app(), "Who can apply for an SPO? Call me on 07700 900123.")
    bubble = at.chat_message[0].markdown[0].value
    assert "07700" not in bubble and "removed" in bubble
    assert any("Personal details" in i.value for i in at.info)
    assert "07700" not in str(at.session_state["ask_turns"])


def test_feedback_saved_with_personal_details_redacted(app: Runner, tmp_path: Path) -> None:
    db = tmp_path / "fb" / "feedback.sqlite"
    at = ask(app(feedback_db=db), QUESTION)
    at.feedback[0].set_value(0).run()  # thumbs down
    at.text_input(key="comment-1").input("Wrong: ring me on 07700 900123").run()
    at.text_area(key="correction-1").input("It is 5 years on indictment.").run()
    at.button(key="save-1").click().run()
    assert not at.exception
    assert not at.error
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT rating, comment, correction, question FROM feedback").fetchall()
    assert len(rows) == 1
    rating, comment, correction, question = rows[0]
    assert rating == -1
    assert "07700" not in comment and "removed" in comment
    assert correction == "It is 5 years on indictment."
    assert question == QUESTION
    assert any("feedback was saved" in c.value for c in at.caption)


def test_feedback_error_is_shown_and_answers_keep_working(app: Runner, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    at = ask(app(feedback_db=blocker / "feedback.sqlite"), QUESTION)
    at.feedback[0].set_value(1).run()
    at.button(key="save-1").click().run()
    assert at.error and "Feedback not saved" in at.error[0].value
    assert "\n" not in at.error[0].value.split(": ", 1)[1]
    ask(at, "Who can apply for an SPO?")
    assert len(turns(at)) == 2 and not turns(at)[1].answer.refused  # type: ignore[attr-defined]


def test_follow_up_uses_history_and_new_conversation_clears_it(
    app: Runner, tmp_path: Path
) -> None:
    at = ask(app(), "How long does an SPO last?")
    ask(at, "Can it be renewed?")
    assert len(turns(at)) == 2
    assert len(at.chat_message) == 4
    follow_up = turns(at)[1].answer  # type: ignore[attr-defined]
    assert "How long does an SPO last?" in follow_up.retrieval_query  # history was passed
    new = at.button(key="new_conversation")
    assert not new.disabled and new.label == "New conversation"
    stored = ConversationStore(tmp_path / "conversations.sqlite", 30)
    key = at.query_params["c"]
    assert stored.load(key) is not None
    new.click().run()
    assert turns(at) == []
    assert len(at.chat_message) == 0
    assert stored.load(key) is None and "c" not in at.query_params  # forgotten, not just hidden


def test_index_not_ready_tells_the_user_to_ingest(app: Runner, tmp_path: Path) -> None:
    at = app(data_dir=tmp_path / "empty-data")
    assert at.error and "ingest" in at.error[0].value


@pytest.mark.parametrize("page", ["assistant/ui/sources.py", "assistant/ui/briefing.py"])
def test_pages_reading_the_index_say_in_one_line_that_there_is_none(
    app: Runner, tmp_path: Path, page: str
) -> None:
    at = app(data_dir=tmp_path / "empty-data", page=page)
    if page.endswith("briefing.py"):  # the briefing asks for a role before reading the index
        at.selectbox(key="briefing_role").set_value("investigating").run()
    assert [e.value for e in at.error] == [
        "No guidance index has been published yet: run `python ingest.py` first."
    ]


def test_sources_page_shows_paragraphs_and_highlights_the_linked_one(app: Runner) -> None:
    at = app(page="assistant/ui/sources.py", query={"doc": "breach", "para": "2.1"})
    assert at.selectbox[0].value == "breach"
    assert any(h.value == "Breach of an SPO and Penalties" for h in at.header)
    html = "\n".join(m.value for m in at.markdown)
    assert 'id="para-1.1"' in html and 'id="para-2.2"' in html
    hit = re.search(r'<div class="spo-para spo-hit" id="para-2\.1">', html)
    assert hit, "the linked paragraph is highlighted"
    assert html.count("spo-hit") == 1
    assert "**Edition:** 2026.1" in html
    # choosing another document shows that one instead
    at.selectbox[0].set_value("appeals").run()
    assert any(h.value == "Appeals Against SPO Decisions" for h in at.header)
    assert "spo-hit" not in "\n".join(m.value for m in at.markdown)


def test_library_reingest_publishes_new_version_used_by_chat(
    app: Runner, live_settings: Settings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(live_settings.corpus_dir, corpus)
    data = tmp_path / "data"  # a copy of the live index and its embedding cache: fast ingest
    shutil.copytree(live_settings.data_dir, data, ignore=shutil.ignore_patterns("ingest.lock"))
    breach = corpus / "breach.md"
    text = breach.read_text(encoding="utf-8")
    edited = text.replace(
        "maximum penalty for breach of an SPO or an ISPO is 5 years' imprisonment",
        "maximum penalty for breach of an SPO or an ISPO is 5 years' imprisonment (edited for the test)",
    )
    assert edited != text
    breach.write_text(edited, encoding="utf-8")

    at = app(data_dir=data, corpus_dir=corpus, page="assistant/ui/library.py")
    assert "library_last_run" not in at.session_state
    old_version = str(read_pointer(live_settings)["version"])  # type: ignore[index]
    assert any("runs open on localhost" in i.value for i in at.info)
    assert at.dataframe[0].value.shape[0] >= 19  # the documents table
    at.button[0].click().run()
    assert not at.exception and not at.error
    new_version = str(read_pointer(live_settings.model_copy(update={"data_dir": data}))["version"])  # type: ignore[index]
    assert new_version != old_version
    assert at.success and new_version in at.success[0].value
    assert any(f"**Version:** `{new_version}`" in m.value for m in at.markdown)
    changes = at.dataframe[1].value
    row = changes[changes["doc_id"] == "breach"].iloc[0]
    assert row["status"] == "changed" and "2 Maximum penalties for breach" in row["changed sections"]

    at.switch_page("assistant/ui/ask.py").run()
    ask(at, "What is the maximum penalty for breach of an SPO on indictment?")
    answer = turns(at)[0].answer  # type: ignore[attr-defined]
    assert answer.corpus_version == new_version


def test_with_sign_in_configured_pages_need_a_signed_in_user(
    live_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPO_DATA_DIR", str(live_settings.data_dir))
    monkeypatch.setenv("SPO_FEEDBACK_DB", str(tmp_path / "feedback.sqlite"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-secret",
        "client_id": "spo",
        "client_secret": "x",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    at.secrets["roles"] = {"maintainers": ["lead@example.org"]}
    at.run()
    assert not at.exception
    assert at.warning and "sign in" in at.warning[0].value.lower()
    assert not at.chat_input  # nothing to ask until signed in
    assert any(b.label == "Sign in" for b in at.sidebar.button)
    with pytest.raises(ValueError):  # Library is not even routed for a signed-out user
        at.switch_page("assistant/ui/library.py")


# --- phone-first Ask page: markers, the stored conversation, roles -------------------------


def sidebar_scripts(at: AppTest) -> str:
    return "\n".join(str(h.proto.body) for h in at.sidebar.get("html"))


def scrolls_to(at: AppTest) -> list[str]:
    """The answers this run asks the page script to bring into view."""
    return re.findall(r'window\.spo\.showAnswer\("([^"]+)"\)', sidebar_scripts(at))


def test_markers_link_to_their_citations_and_the_view_moves_to_the_answer(app: Runner) -> None:
    at = ask(app(), "How long does an interim SPO last?")
    body = at.chat_message[1].markdown[0].value
    assert body.startswith('<span class="spo-answer" id="answer-1"></span>')
    answer = turns(at)[0].answer  # type: ignore[attr-defined]
    markers = sorted({int(m) for m in re.findall(r"\[(\d+)\]", answer.text)})
    assert markers and markers == sorted(c.marker for c in answer.citations)
    keys = {e.key for e in at.chat_message[1].expander}
    for marker in markers:
        link = f'href="#cite-1-{marker}" data-cite="cite-1-{marker}"'
        assert link in body, marker  # every [n] in the text is a link ...
        assert f"cite-1-{marker}" in keys  # ... to the expander of its citation
    assert "[" not in re.sub(r"<a [^>]*>\[\d+\]</a>", "", body.split("</span>", 1)[1])
    assert scrolls_to(at) == ["answer-1"]
    at.run()  # a rerun that gives no new answer leaves the reader where they are
    assert scrolls_to(at) == []
    ask(at, "Can it be renewed?")
    assert scrolls_to(at) == ["answer-2"]


def test_the_conversation_survives_a_reload(app: Runner, tmp_path: Path) -> None:
    at = app()
    at.radio(key="ask_role").set_value("investigating").run()
    ask(at, "Who can apply for an SPO? Call me on 07700 900123.")
    at.feedback[0].set_value(1).run()
    at.button(key="save-1").click().run()
    key = at.query_params["c"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", key)
    raw = (tmp_path / "conversations.sqlite").read_bytes()
    assert b"07700" not in raw and b"phone number removed" in raw

    again = app(query={"c": key})  # a new session: what a reload is
    assert len(again.chat_message) == 2
    restored = turns(again)[0]
    assert restored.answer.question == turns(at)[0].answer.question  # type: ignore[attr-defined]
    assert restored.feedback_saved  # type: ignore[attr-defined]
    assert not again.feedback  # not asked for feedback twice
    assert again.session_state["reader_role"] == "investigating"  # the role came back too
    ask(again, "and how long does it last?")
    follow_up = turns(again)[1].answer  # type: ignore[attr-defined]
    assert "Who can apply for an SPO?" in follow_up.retrieval_query
    assert follow_up.audience == "investigating"
    assert again.query_params["c"] == key
    back = ConversationStore(tmp_path / "conversations.sqlite", 30).load(key)
    assert back is not None and len(back.turns) == 2


def test_a_bad_or_expired_link_starts_a_new_conversation_with_one_line(app: Runner) -> None:
    at = app(query={"c": "../../etc/passwd"})
    assert "could not be opened" in at.info[0].value and "\n" not in at.info[0].value
    assert "c" not in at.query_params and not turns(at)
    at = app(query={"c": "A" * 22})
    assert "expired or was deleted" in at.info[0].value
    ask(at, "Who can apply for an SPO?")
    assert at.query_params["c"] != "A" * 22  # a fresh id, never the one from the link


def test_a_broken_conversation_store_costs_only_the_reload(app: Runner, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    at = ask(app(conversations_db=blocker / "conversations.sqlite"), QUESTION)
    assert not at.error and len(turns(at)) == 1
    assert any("will not survive a reload" in c.value for c in at.caption)
    ask(at, "Who can apply for an SPO?")
    assert len(turns(at)) == 2 and len(at.chat_message) == 4


def test_role_choice_shapes_answers_and_follows_the_reader_between_pages(app: Runner) -> None:
    at = app()
    assert at.radio(key="ask_role").value == ""  # no choice yet: no preference
    at.radio(key="ask_role").set_value("authorising").run()
    ask(at, "Who approves an SPO application before it goes to court?")
    assert turns(at)[0].answer.audience == "authorising"  # type: ignore[attr-defined]
    assert 'window.spo.remember("spo_role", "authorising")' in sidebar_scripts(at)
    at.switch_page("assistant/ui/briefing.py").run()
    assert at.selectbox(key="briefing_role").value == "authorising"
    at.selectbox(key="briefing_role").set_value("frontline").run()
    at.switch_page("assistant/ui/ask.py").run()
    assert at.radio(key="ask_role").value == "frontline"


def test_transcript_and_actions_sit_in_the_header_menu(app: Runner) -> None:
    at = app()
    assert at.button(key="new_conversation").disabled
    assert at.get("download_button")[0].proto.disabled
    ask(at, QUESTION)
    menu = at.main.children[0]  # the header row: title, then the menu
    labels = [b.label for b in menu.button] + [b.proto.label for b in menu.get("download_button")]
    assert labels == ["New conversation", "Download transcript"]
    assert not at.get("download_button")[0].proto.disabled


def test_briefing_page_shows_each_roles_briefing_and_cited_checklist(
    app: Runner, live_settings: Settings
) -> None:
    from assistant.briefing import briefing, checklist
    from assistant.store import live_snapshot

    chunks = live_snapshot(live_settings).chunks
    at = app(page="assistant/ui/briefing.py")
    assert at.info and "Choose your role" in at.info[0].value
    for role in ("frontline", "investigating", "authorising"):
        at.selectbox(key="briefing_role").set_value(role).run()
        assert not at.exception, [e.value for e in at.exception]
        subheaders = [h.value for h in at.subheader]
        steps = checklist(chunks, role)
        view = briefing(chunks, role)
        assert view.title in subheaders
        ticks = [c for c in at.checkbox if str(c.key).startswith("tick-")]
        links = [str(link.proto.page) for link in at.get("page_link")]
        if steps is None:
            assert not ticks
            assert len(links) == len(view.items)
        else:
            assert steps.title in subheaders
            assert len(ticks) == len(steps.items)
            for tick, item in zip(ticks, steps.items, strict=True):
                assert item.chunk.text.split()[-1] in tick.label  # the step's own words
            assert len(links) == len(steps.items) + len(view.items)
        params = [str(link.proto.query_string) for link in at.get("page_link")]
        assert all("doc=" in p and "para=" in p for p in params)  # every line cited
