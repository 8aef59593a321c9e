"""The app's threads never trip over each other in :func:`ast.parse`.

Streamlit parses a page on its script thread while the warm-up thread parses signatures as
it loads the models; on CPython 3.11 that can fail a page with "AST constructor recursion
depth mismatch". To make the collision happen on demand, a garbage-collector callback
yields the interpreter to another thread in the middle of building a tree, and three
threads at different stack depths parse the same source.
"""

from __future__ import annotations

import ast
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from assistant.answering import Assistant
from assistant.settings import Settings
from assistant.ui import common, parsing

SOURCE = "rows = [[[[1, 2], [3]], {'a': (4,)}]]\n" * 40


def collisions(parse: Callable[..., Any], rounds: int = 30) -> list[str]:
    """Parse from three threads, yielding the interpreter at every collection."""
    errors: list[str] = []

    def work(depth: int) -> None:
        if depth:
            return work(depth - 1)
        for _ in range(rounds):
            try:
                parse(SOURCE)
            except SystemError as exc:
                errors.append(str(exc))

    def yield_now(phase: str, info: dict[str, int]) -> None:
        time.sleep(0)

    threshold = gc.get_threshold()
    gc.callbacks.append(yield_now)
    gc.set_threshold(50)
    try:
        threads = [threading.Thread(target=work, args=(5 * k,)) for k in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(yield_now)
    return errors


def test_parsing_from_several_threads_is_serialised() -> None:
    if not collisions(parsing.unguarded_parse):
        pytest.skip("this Python parses safely from several threads; nothing to guard")
    parsing.serialise_parsing()
    assert ast.parse is not parsing.unguarded_parse
    assert collisions(ast.parse) == []
    assert ast.literal_eval("{'a': (1, 2)}") == {"a": (1, 2)}  # looks parse up on the module


def test_the_warm_up_guards_parsing_before_its_thread_starts(
    live_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ast, "parse", parsing.unguarded_parse)
    assert isinstance(common.start_warm_up(live_settings).result(), Assistant)
    assert ast.parse is not parsing.unguarded_parse
