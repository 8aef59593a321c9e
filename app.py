"""Streamlit entry point: a thin router over the pages in :mod:`assistant.ui`.

Run with ``streamlit run app.py``; settings come from ``SPO_*`` environment variables.
"""

from __future__ import annotations

import streamlit as st

from assistant.ui import common

st.set_page_config(
    page_title="SPO guidance assistant",
    page_icon=":material/gavel:",
    layout="centered",
)

pages = [
    st.Page(common.ASK_PAGE, title="Ask", icon=":material/chat:", url_path="ask", default=True),
    st.Page(common.SOURCES_PAGE, title="Sources", icon=":material/menu_book:", url_path="sources"),
]
if common.may_open("quality"):
    pages.append(
        st.Page(common.QUALITY_PAGE, title="Quality", icon=":material/fact_check:", url_path="quality")
    )
if common.may_open("library"):
    pages.append(
        st.Page(common.LIBRARY_PAGE, title="Library", icon=":material/library_books:", url_path="library")
    )
common.sign_in_box()
st.navigation(pages).run()
