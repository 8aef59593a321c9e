"""Serve the app with a warm start: ``streamlit run serve.py`` (what ``make run`` does).

The embedding model and the live index load while the server starts, before it accepts the
first page view, so an officer's first question is answered as fast as any other.  A missing
or damaged index does not stop the server: the pages say what is wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import streamlit as st

from assistant.settings import load_settings
from assistant.ui import common


@asynccontextmanager
async def warm_start(_app: Any) -> AsyncIterator[None]:
    await asyncio.to_thread(common.start_warm_up(load_settings()).result)
    yield


app = st.App("app.py", lifespan=warm_start)
