"""End to end in a real browser: `streamlit run serve.py` driven by Playwright with Chromium.

Uses the system Chromium (/usr/bin/chromium); browsers are never downloaded. The server runs
on a free loopback port over a copy of the session's ingested index, and is killed afterwards.
Every request the browser makes, on every page, is recorded and must go to that server.
Timings are printed and written to test-artifacts/browser-timings.json, never asserted (the
machine is shared); screenshots go to test-artifacts/ too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from assistant.policy.texts import product_texts
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTION = "What is the maximum penalty for breach of an SPO?"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PAGES = {"/": "Ask", "/ask": "Ask", "/briefing": "Briefing", "/sources": "Sources",
         "/quality": "Quality", "/library": "Library"}  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (apt-get install -y chromium)",
    ),
]


@dataclass
class Server:
    url: str
    feedback_db: Path
    conversations_db: Path
    timings: dict[str, float] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.3)
    pytest.fail(f"streamlit did not become healthy in {timeout:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(live_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running app over a copy of the ingested index, started the way `make run` starts it."""
    work = tmp_path_factory.mktemp("browser")
    data = work / "data"
    shutil.copytree(live_settings.data_dir, data, ignore=shutil.ignore_patterns("ingest.lock"))
    running = Server("", work / "feedback.sqlite", work / "conversations.sqlite")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPO_")}
    env.update(
        SPO_DATA_DIR=str(data),
        SPO_CORPUS_DIR=str(live_settings.corpus_dir),
        SPO_FEEDBACK_DB=str(running.feedback_db),
        SPO_CONVERSATIONS_DB=str(running.conversations_db),
        PYTHONUNBUFFERED="1",
    )
    port = _free_port()
    log = work / "streamlit.log"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "serve.py",
                "--server.headless", "true",
                "--server.address", "127.0.0.1",
                "--server.port", str(port),
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    running.url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(running.url, proc, log, timeout=300)
        # the model and the index load before the server answers: start-up includes them
        running.timings["server_start_to_healthy_s"] = time.monotonic() - started
        yield running
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        server_log = log.read_text(errors="replace")
        assert "penalty for breach" not in server_log, "a question reached the server log"
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "browser-timings.json").write_text(json.dumps(running.timings, indent=1))
        print("\nbrowser timings (s):", json.dumps(running.timings, indent=1))


class Requests:
    """Every URL a browser context asks for, websockets included."""

    def __init__(self, context: Any) -> None:
        self.urls: list[str] = []
        context.on("request", lambda request: self.urls.append(request.url))
        context.on("page", self.watch)

    def watch(self, page: Any) -> None:
        page.on("websocket", lambda socket_: self.urls.append(socket_.url))

    def outside(self, url: str) -> list[str]:
        ours = urllib.parse.urlsplit(url).netloc
        return [u for u in self.urls if urllib.parse.urlsplit(u).netloc != ours]


def idle(page: Any) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def ask(page: Any, question: str, n: int) -> float:
    """Type a question and wait for its whole answer; returns the seconds it took."""
    from playwright.sync_api import expect

    chat = page.get_by_test_id("stChatInputTextArea")
    begin = time.monotonic()
    chat.fill(question)
    chat.press("Enter")
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(2 * n, timeout=60_000)
    answer = messages.nth(2 * n - 1)
    expect(answer.locator("a.spo-marker").first).to_be_visible(timeout=60_000)
    expect(answer.get_by_test_id("stFeedback")).to_be_visible(timeout=60_000)
    seconds = time.monotonic() - begin
    idle(page)
    return seconds


def between_header_and_input(page: Any, locator: Any) -> bool:
    """Whether ``locator`` is on screen, below the header and above the chat box."""
    box = locator.bounding_box()
    header = page.get_by_test_id("stHeader").bounding_box()
    chat = page.get_by_test_id("stChatInput").bounding_box()
    return bool(box and box["y"] >= header["y"] + header["height"] - 1 and box["y"] < chat["y"])


def test_phone_conversation_roles_reload_and_nothing_leaves_the_machine(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    timings = server.timings
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(**PHONE)
            requests = Requests(context)
            page = context.new_page()
            start = time.monotonic()
            page.goto(server.url)
            expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=60_000)
            timings["phone_page_ready_s"] = time.monotonic() - start
            expect(page).to_have_title("Ask · SPO guidance assistant")
            title = page.get_by_role("heading", name="Ask about SPOs")
            assert title.bounding_box()["height"] < 50  # one line on a phone, not four
            idle(page)
            shot(page, "phone-start.png")

            # the role, from the header menu; its label then names the role
            page.get_by_test_id("stPopover").get_by_role("button").click()
            page.get_by_test_id("stPopoverBody").get_by_text("Investigating officer").click()
            idle(page)
            page.keyboard.press("Escape")
            expect(page.get_by_test_id("stPopover")).to_contain_text("Investigating officer")

            timings["phone_first_answer_s"] = ask(page, QUESTION, 1)
            answer = page.get_by_test_id("stChatMessage").nth(1)
            first_sentence = answer.get_by_test_id("stMarkdownContainer").first.locator("p").first
            expect(first_sentence).to_contain_text("[1]")
            page.wait_for_function(
                "() => { const e = document.querySelector('.spo-answer');"
                " return e && e.getBoundingClientRect().top < window.innerHeight / 3; }",
                timeout=15_000,
            )
            page.wait_for_timeout(2000)  # and it stays there: Streamlit does not pull it down
            assert between_header_and_input(page, first_sentence), first_sentence.bounding_box()
            shot(page, "phone-answer.png")

            # a marker opens its citation and brings it into view
            markers = answer.locator("a.spo-marker")
            last = markers.nth(markers.count() - 1)
            number = re.sub(r"\D", "", last.inner_text())
            last.click()
            cited = answer.locator(f".st-key-cite-1-{number}")
            expect(cited.locator("details")).to_have_attribute("open", "", timeout=10_000)
            expect(cited.locator("blockquote")).to_be_in_viewport()
            expect(cited.locator("summary")).to_contain_text(f"[{number}]")
            shot(page, "phone-citation.png")

            # thumbs down, with a phone number in the comment, saved redacted
            answer.get_by_test_id("stFeedback").locator("button").nth(1).click()
            comment = answer.get_by_label("Comment (optional)")
            expect(comment).to_be_visible(timeout=15_000)
            comment.fill("Wrong penalty, call me on 07700 900123")
            comment.press("Enter")
            idle(page)
            answer.get_by_role("button", name=re.compile("Save feedback")).click()
            expect(answer.get_by_text("your feedback was saved")).to_be_visible(timeout=15_000)

            timings["phone_second_answer_s"] = ask(page, "Who can apply for an SPO?", 2)
            assert re.search(r"[?&]c=[A-Za-z0-9_-]{22}\b", page.url), page.url

            # the transcript: time, index version, citations quoted, the notice.  The page
            # scrolls the new answer into view first; the popover opens once it has settled.
            idle(page)
            page.get_by_test_id("stPopover").get_by_role("button").click()
            download = page.get_by_test_id("stPopoverBody").get_by_role(
                "button", name=re.compile("Download transcript")
            )
            expect(download).to_be_in_viewport(timeout=15_000)
            with page.expect_download() as download_info:
                download.click()
            page.keyboard.press("Escape")
            transcript = Path(download_info.value.path()).read_text(encoding="utf-8")
            assert QUESTION in transcript and "Who can apply for an SPO?" in transcript
            assert re.search(r"Downloaded: \d{1,2} \w+ 20\d\d, \d\d:\d\d \w+", transcript)
            assert re.search(r"Guidance index version: \d{8}T\d{6}-", transcript)
            assert "Answers prefer guidance for: Investigating officer" in transcript
            assert "[1] " in transcript and "\n> " in transcript
            assert product_texts().not_official in transcript and "07700" not in transcript

            # a reload brings the conversation back, role and all
            page.reload()
            expect(page.get_by_test_id("stChatMessage")).to_have_count(4, timeout=60_000)
            expect(page.get_by_test_id("stChatMessage").nth(0)).to_contain_text(QUESTION)
            expect(page.get_by_text("your feedback was saved")).to_be_visible()
            expect(page.get_by_test_id("stPopover")).to_contain_text("Investigating officer")
            idle(page)
            shot(page, "phone-reload.png")

            # a new tab remembers the role: the briefing opens on the checklist
            other = context.new_page()
            other.goto(f"{server.url}/briefing")
            expect(other).to_have_title("Briefing · SPO guidance assistant")
            expect(other.get_by_text("Court application checklist")).to_be_visible(timeout=60_000)
            role = other.get_by_role("combobox", name="Your role")
            expect(role).to_have_value("Investigating officer")
            steps = other.get_by_test_id("stCheckbox")
            expect(steps.nth(1)).to_be_visible(timeout=60_000)  # rendered after the heading
            expect(other.get_by_role("link", name=re.compile(r"^\[1\] ")).first).to_be_visible()
            idle(other)
            shot(other, "phone-briefing.png")
            other.close()

            # on a phone the sidebar closes once a page is chosen
            page.get_by_test_id("stExpandSidebarButton").click()
            nav = page.get_by_test_id("stSidebarNav")
            expect(nav).to_be_in_viewport()
            nav.get_by_text("Sources").click()
            page.wait_for_url(re.compile(r"/sources"))
            expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible(timeout=10_000)
            expect(nav).not_to_be_in_viewport()
            idle(page)
            shot(page, "phone-sources.png")

            # every page by its own URL, each with its own title
            for path, name in PAGES.items():
                page.goto(server.url + path)
                expect(page).to_have_title(f"{name} · SPO guidance assistant", timeout=30_000)
                idle(page)
                expect(page.get_by_text("Page not found")).to_have_count(0)
                heading = "Ask about SPOs" if name == "Ask" else name
                expect(page.get_by_role("heading", name=heading).first).to_be_visible()
            shot(page, "phone-library.png")
            outside = requests.outside(server.url)
            assert requests.urls and not outside, outside
        finally:
            browser.close()

    with sqlite3.connect(server.feedback_db) as conn:
        rows = conn.execute("SELECT rating, comment, question FROM feedback").fetchall()
    assert len(rows) == 1
    rating, saved_comment, question = rows[0]
    assert rating == -1 and question == QUESTION
    assert "07700" not in saved_comment and "removed" in saved_comment
    assert b"07700" not in server.conversations_db.read_bytes()


def test_laptop_citation_opens_its_paragraph_in_sources(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            requests = Requests(context)
            page = context.new_page()
            page.goto(f"{server.url}/ask")
            expect(page).to_have_title("Ask · SPO guidance assistant", timeout=60_000)
            expect(page.get_by_test_id("stChatInputTextArea")).to_be_visible(timeout=60_000)
            server.timings["laptop_answer_s"] = ask(page, QUESTION, 1)
            answer = page.get_by_test_id("stChatMessage").nth(1)
            answer.locator("a.spo-marker").first.click()
            expander = answer.locator(".st-key-cite-1-1")
            expect(expander.locator("summary")).to_contain_text(re.compile(r"\[1\] Breach"))
            quote = expander.locator("blockquote")
            expect(quote).to_be_visible(timeout=10_000)
            expect(quote).to_contain_text(re.compile("maximum penalty", re.IGNORECASE))
            expect(expander.get_by_text("Edition:")).to_be_visible()
            shot(page, "laptop-answer.png")
            link = expander.get_by_role("link", name=re.compile("Open this section in Sources"))
            link.click()
            page.wait_for_url(re.compile(r"/sources\?doc=breach"))
            expect(page).to_have_title("Sources · SPO guidance assistant")
            highlighted = page.locator(".spo-para.spo-hit")
            expect(highlighted).to_have_count(1, timeout=30_000)
            expect(highlighted).to_be_in_viewport()
            shot(page, "laptop-sources.png")
            outside = requests.outside(server.url)
            assert requests.urls and not outside, outside
        finally:
            browser.close()
