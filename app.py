"""Streamlit entry point: a thin router over the pages in :mod:`assistant.ui`.

``streamlit run serve.py`` (what ``make run`` does) loads the model and the index as the
server starts; ``streamlit run app.py`` also works and loads them on the first page view.
Settings come from ``SPO_*`` environment variables.

The Ask page is the default page, so it lives at ``/``; a hidden second entry for the same
page answers at ``/ask`` too, so a bookmarked link to it works.
"""

from __future__ import annotations

import streamlit as st

from assistant.policy.texts import product_texts
from assistant.ui import common, frontend, roles

# No page has an icon: Streamlit would make a page's icon the tab's icon, and a
# ``:material/...:`` one is fetched from a font host.  The tab shows the local favicon.
pages = [
    st.Page(common.ASK_PAGE, title="Ask", url_path="home", default=True),
    st.Page(common.ASK_PAGE, title="Ask", url_path="ask", visibility="hidden"),
    st.Page(common.BRIEFING_PAGE, title="Briefing", url_path="briefing"),
    st.Page(common.SOURCES_PAGE, title="Sources", url_path="sources"),
]
if common.may_open("quality"):
    pages.append(st.Page(common.QUALITY_PAGE, title="Quality", url_path="quality"))
if common.may_open("library"):
    pages.append(st.Page(common.LIBRARY_PAGE, title="Library", url_path="library"))
common.sign_in_box()
page = st.navigation(pages)
st.set_page_config(
    page_title=f"{page.title} · {product_texts().app_name}",
    page_icon=str(frontend.FAVICON),
    layout="centered",
)
frontend.install(roles.current())
page.run()
