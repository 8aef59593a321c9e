"""Briefing page: what the reader's role must know, and its steps to court, every line cited.

Built by :mod:`assistant.briefing` from the live index; the ticks on the checklist are the
officer's own, for this visit only, and nothing about them is stored.
"""

from __future__ import annotations

from itertools import groupby

import streamlit as st

from assistant.briefing import Item, RoleView, briefing, checklist
from assistant.ui import common, roles
from assistant.ui.answer_view import md_escape


def source_link(item: Item) -> None:
    citation = item.citation
    params = {"doc": citation.doc_id}
    if citation.paragraphs:
        params["para"] = citation.paragraphs.split("-")[0]
    st.page_link(
        common.SOURCES_PAGE,
        label=f"[{citation.marker}] {citation.label}",
        icon=":material/menu_book:",
        query_params=params,
    )


def show_checklist(view: RoleView, version: str) -> None:
    st.subheader(view.title, anchor=False)
    st.caption(
        "Steps from the guidance notes in the order the notes give them; tick them off as you "
        "go (ticks are not saved)."
    )
    for item in view.items:
        with st.container(border=True, key=f"step-{version}-{view.role}-{item.citation.marker}"):
            st.checkbox(
                f"**Step {item.citation.marker}.** {md_escape(item.chunk.text)}",
                key=f"tick-{version}-{view.role}-{item.citation.marker}",
            )
            source_link(item)


def show_briefing(view: RoleView) -> None:
    """One closed section per note, so a phone shows the list of notes, not a long scroll."""
    st.subheader(view.title, anchor=False)
    st.caption("Paragraphs written for your role, note by note; open a note to read them.")
    for title, group in groupby(view.items, key=lambda i: i.chunk.title):
        items = list(group)
        with st.expander(f"{title} ({len(items)})"):
            for item in items:
                st.markdown(f"{md_escape(item.chunk.text)} [{item.citation.marker}]")
                source_link(item)


def render() -> None:
    st.title("Briefing", anchor=False)
    st.caption(
        "What your role must know and, for investigating and authorising officers, the steps "
        "to court: drawn from the guidance notes, each line cited."
    )
    role = roles.picker("briefing_role", compact=True)
    if not role:
        st.info("Choose your role to see its briefing.", icon=":material/badge:")
        return
    snapshot = common.live_snapshot_or_explain()
    if snapshot is None:
        return
    steps = checklist(snapshot.chunks, role)
    if steps is not None:
        if steps.items:
            show_checklist(steps, snapshot.version)
        else:
            st.warning(f"The guidance notes give no steps for this role yet ({steps.title}).")
    view = briefing(snapshot.chunks, role)
    if view.items:
        show_briefing(view)
    else:
        st.warning("No paragraph of the guidance notes is marked for this role yet.")
    st.caption(f"Index version {snapshot.version}")


if __name__ == "__main__":
    if common.require("briefing"):
        render()
