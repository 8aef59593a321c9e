"""End to end in a real browser: `streamlit run app.py` driven by Playwright with Chromium.

Uses the system Chromium (/usr/bin/chromium); browsers are never downloaded. The server runs
on a free loopback port over a copy of the session's ingested index, and is killed afterwards.
Timings and a screenshot go to test-artifacts/.
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
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is not installed (apt-get install -y chromium)",
    ),
]


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
def server(
    live_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """(base URL, feedback database) of a running app over a copy of the ingested index."""
    work = tmp_path_factory.mktemp("browser")
    data = work / "data"
    shutil.copytree(live_settings.data_dir, data, ignore=shutil.ignore_patterns("ingest.lock"))
    feedback_db = work / "feedback.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPO_")}
    env.update(
        SPO_DATA_DIR=str(data),
        SPO_CORPUS_DIR=str(live_settings.corpus_dir),
        SPO_FEEDBACK_DB=str(feedback_db),
        PYTHONUNBUFFERED="1",
    )
    port = _free_port()
    log = work / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
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
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log, timeout=60)
        yield url, feedback_db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        server_log = log.read_text(errors="replace")
        assert "penalty for breach" not in server_log, "a question reached the server log"


def idle(page: Any) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)


def test_ask_cite_feedback_in_chromium(server: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, feedback_db = server
    ARTIFACTS.mkdir(exist_ok=True)
    timings: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1500})
            start = time.monotonic()
            page.goto(url)
            chat = page.get_by_test_id("stChatInputTextArea")
            expect(chat).to_be_visible(timeout=60_000)
            timings["page_ready_s"] = time.monotonic() - start

            def ask(question: str, n: int) -> float:
                begin = time.monotonic()
                chat.fill(question)
                chat.press("Enter")
                expect(page.get_by_test_id("stChatMessage")).to_have_count(2 * n, timeout=30_000)
                answer = page.get_by_test_id("stChatMessage").nth(2 * n - 1)
                expect(answer).to_contain_text("[1]", timeout=30_000)
                expect(answer.get_by_test_id("stExpander").first).to_be_visible(timeout=30_000)
                return time.monotonic() - begin

            timings["first_answer_s"] = ask(QUESTION, 1)  # includes the rest of the warm-up
            timings["start_to_first_answer_s"] = time.monotonic() - start
            answer = page.get_by_test_id("stChatMessage").nth(1)
            expect(page.get_by_test_id("stChatMessage").nth(0)).to_contain_text(QUESTION)

            # open the first citation: its quoted passage becomes visible
            expander = answer.get_by_test_id("stExpander").first
            expect(expander.locator("summary")).to_contain_text(re.compile(r"\[1\] Breach"))
            expander.locator("summary").click()
            quote = expander.locator("blockquote")
            expect(quote).to_be_visible()
            expect(quote).to_contain_text("Stalking Protection Order")
            expect(expander.get_by_text("Edition:")).to_be_visible()

            # thumbs down, a comment with a phone number, save
            answer.get_by_test_id("stFeedback").locator("button").nth(1).click()
            comment = answer.get_by_label("Comment (optional)")
            expect(comment).to_be_visible(timeout=15_000)
            comment.fill("Wrong penalty, call me on 07700 900123")
            comment.press("Enter")
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "ask.png"))
            answer.get_by_role("button", name=re.compile("Save feedback")).click()
            expect(answer.get_by_text("your feedback was saved")).to_be_visible(timeout=15_000)

            # a later answer, then the transcript download
            timings["second_answer_s"] = ask("Who can apply for an SPO?", 2)
            with page.expect_download() as download_info:
                page.get_by_test_id("stDownloadButton").get_by_role("button").click()
            transcript = Path(download_info.value.path()).read_text(encoding="utf-8")
            assert QUESTION in transcript and "[1] " in transcript and "\n> " in transcript

            timings["total_browser_s"] = time.monotonic() - start
            page.screenshot(path=str(ARTIFACTS / "ask-conversation.png"))

            # the citation link opens Sources with the cited paragraph highlighted
            idle(page)
            expander = answer.get_by_test_id("stExpander").first
            if expander.locator("details").get_attribute("open") is None:
                expander.locator("summary").click()
            link = expander.get_by_role("link", name=re.compile("Open this section in Sources"))
            expect(link).to_be_visible()
            link.click()
            page.wait_for_url(re.compile(r"/sources\?doc=breach"))
            highlighted = page.locator(".spo-para.spo-hit")
            try:
                expect(highlighted).to_have_count(1, timeout=30_000)
            except AssertionError:
                page.screenshot(path=str(ARTIFACTS / "failure.png"))
                raise AssertionError(page.url) from None
            expect(highlighted).to_be_in_viewport()
            assert re.search(r"doc=breach", page.url), page.url
            page.screenshot(path=str(ARTIFACTS / "sources.png"))
        finally:
            browser.close()

    with sqlite3.connect(feedback_db) as conn:
        rows = conn.execute("SELECT rating, comment, question FROM feedback").fetchall()
    assert len(rows) == 1
    rating, saved_comment, question = rows[0]
    assert rating == -1 and question == QUESTION
    assert "07700" not in saved_comment and "removed" in saved_comment
    (ARTIFACTS / "browser-timings.json").write_text(json.dumps(timings, indent=1))
    # 10 s is the target on an idle machine; the bound here leaves room for a loaded CI runner
    assert timings["start_to_first_answer_s"] < 30, timings
