"""Sources page: one guidance document as indexed, paragraph by paragraph.

Query parameters ``doc`` (a doc_id) and ``para`` (a paragraph number) select the document
and highlight that paragraph; every paragraph carries the HTML anchor ``para-<n>``, so a
link ending ``#para-4.2`` lands on it too.
"""

from __future__ import annotations

import html
import json
from itertools import groupby
from typing import Any

import streamlit as st

from assistant.schema import Chunk
from assistant.ui import common

DOC_KEY = "sources_doc"

STYLE = """
<style>
.spo-para { padding: 0.35rem 0.6rem; margin: 0.2rem 0 0.5rem 0; border-left: 3px solid transparent;
            scroll-margin-top: 5rem; }
.spo-para .spo-num { font-weight: 600; margin-right: 0.4rem; color: #1d4e89; }
.spo-para.spo-hit { background: #fff3bf; border-left-color: #f08c00; border-radius: 0.25rem; }
</style>
"""


def anchor(number: str) -> str:
    return f"para-{number}"


def paragraph_html(chunk: Chunk, highlight: str | None, fallback: int) -> str:
    number = chunk.para_label or str(fallback)
    first = chunk.paragraphs[0] if chunk.paragraphs else str(fallback)
    hit = highlight is not None and highlight in chunk.paragraphs
    classes = "spo-para spo-hit" if hit else "spo-para"
    page = f' <span class="spo-page">(p. {chunk.page})</span>' if chunk.page else ""
    return (
        f'<div class="{classes}" id="{html.escape(anchor(first))}">'
        f'<span class="spo-num">{html.escape(number)}</span>{html.escape(chunk.text)}{page}</div>'
    )


def front_matter(info: dict[str, Any]) -> None:
    facts = []
    if info.get("edition"):
        facts.append(f"**Edition:** {info['edition']}")
    if info.get("effective_date"):
        facts.append(f"**Effective date:** {info['effective_date']}")
    if info.get("audience"):
        facts.append(f"**Audience:** {info['audience']}")
    if info.get("path"):
        facts.append(f"**File:** `{info['path']}` ({info.get('format', '?')})")
    st.markdown("  \n".join(facts))
    if info.get("status"):
        st.info(info["status"], icon=":material/gavel:")
    sources = info.get("sources") or []
    if sources:
        with st.expander(f"Sources this note draws on ({len(sources)})"):
            st.markdown("\n".join(f"- {html.escape(str(s))}" for s in sources))


def _choose_doc(docs: dict[str, dict[str, Any]]) -> str:
    """The doc_id to show: the query parameter wins when it names a known document."""
    ids = sorted(docs, key=lambda d: str(docs[d].get("title", d)).lower())
    wanted = st.query_params.get("doc")
    if wanted in docs and st.session_state.get("_sources_param") != (
        wanted,
        st.query_params.get("para"),
    ):
        st.session_state[DOC_KEY] = wanted
        st.session_state["_sources_param"] = (wanted, st.query_params.get("para"))
    if st.session_state.get(DOC_KEY) not in docs:
        st.session_state[DOC_KEY] = ids[0]

    def picked() -> None:
        st.query_params["doc"] = st.session_state[DOC_KEY]
        if "para" in st.query_params:
            del st.query_params["para"]

    choice = st.selectbox(
        "Document",
        ids,
        key=DOC_KEY,
        format_func=lambda d: str(docs[d].get("title") or d),
        on_change=picked,
    )
    return str(choice)


def render() -> None:
    st.title("Sources")
    st.caption("The guidance notes exactly as the assistant has indexed them.")
    snapshot = common.live_snapshot_or_explain()
    if snapshot is None:
        return
    docs: dict[str, dict[str, Any]] = snapshot.manifest.get("documents", {})
    if not docs:
        st.warning("The live index holds no documents.")
        return
    doc_id = _choose_doc(docs)
    info = docs[doc_id]
    highlight = st.query_params.get("para") if st.query_params.get("doc") == doc_id else None
    st.header(str(info.get("title") or doc_id))
    front_matter(info)
    st.caption(f"Index version {snapshot.version}")
    st.html(STYLE)
    chunks = sorted((c for c in snapshot.chunks if c.doc_id == doc_id), key=lambda c: c.position)
    fallback = 0
    for heading, group in groupby(chunks, key=lambda c: c.heading_path):
        if heading:
            st.subheader(" › ".join(heading), anchor=False)
        parts = []
        for chunk in group:
            fallback += 1
            parts.append(paragraph_html(chunk, highlight, fallback))
        st.markdown("\n".join(parts), unsafe_allow_html=True)
    if highlight:
        target = json.dumps(anchor(highlight))
        script = (
            "<script>setTimeout(function () {"
            f"var e = document.getElementById({target});"
            "if (e) { e.scrollIntoView({block: 'center'}); }"
            "}, 400);</script>"
        )
        st.html(script, unsafe_allow_javascript=True)


if __name__ == "__main__":
    if common.require("sources"):
        render()
