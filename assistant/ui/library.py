"""Library page (maintainers): what is indexed, the last ingest, and re-ingest on demand.

Re-ingest runs :func:`assistant.indexing.ingest` in this session's thread; the pipeline builds a
new version beside the live one and publishes it with an atomic pointer swap, so other
sessions keep answering throughout and switch to the new version on their next question.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import streamlit as st

from assistant.errors import AssistantError, IndexNotReady
from assistant.indexing import IngestReport, ingest
from assistant.store import live_snapshot, versions_dir
from assistant.ui import common

LAST_RUN = "library_last_run"


def documents_table(docs: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for doc_id, info in sorted(docs.items()):
        rows.append(
            {
                "doc_id": doc_id,
                "title": info.get("title", ""),
                "edition": info.get("edition", ""),
                "effective date": info.get("effective_date", ""),
                "format": info.get("format", ""),
                "chunks": len(info.get("chunks", [])),
                "file": info.get("path", ""),
            }
        )
    return rows


def report_of(version: str) -> IngestReport | None:
    path = versions_dir(common.settings()) / version / "report.json"
    try:
        return IngestReport.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def show_report(report: IngestReport) -> None:
    counts = {s: report.count(s) for s in ("added", "changed", "removed", "renamed", "unchanged")}
    cols = st.columns(6)
    for col, (status, count) in zip(cols, counts.items(), strict=False):
        col.metric(status.capitalize(), count)
    cols[5].metric("Failed", len(report.failures))
    st.caption(f"Started {report.started_at}; {report.chunks_total} chunks in this version")
    changed = [c for c in report.changes if c.status != "unchanged"]
    if changed:
        st.dataframe(
            [
                {
                    "status": c.status,
                    "doc_id": c.doc_id,
                    "file": c.path + (f" (was {c.previous_path})" if c.previous_path else ""),
                    "chunks": c.chunks,
                    "changed sections": "; ".join(c.changed_sections),
                    "error": c.error or "",
                }
                for c in changed
            ],
            hide_index=True,
        )
    else:
        st.write("No document changed in this run.")
    for failure in report.failures:
        st.error(failure, icon=":material/error:")
    for note in report.notes:
        st.info(note, icon=":material/info:")
    with st.expander("Full report (text)"):
        st.code(report.render(), language=None)


def reingest() -> None:
    """Run ingest with a progress bar, then point the cached assistant at the new version."""
    bar = st.progress(0.0, text="Reading the corpus and working out what changed…")

    def progress(done: int, total: int) -> None:
        bar.progress(
            done / total if total else 1.0, text=f"Embedding and storing chunks: {done}/{total}"
        )

    try:
        report = ingest(common.settings(), progress=progress)
    except AssistantError as exc:
        bar.empty()
        st.session_state[LAST_RUN] = ("error", str(exc).splitlines()[0])
        return
    bar.progress(1.0, text="Done")
    if report.published:
        message = f"Published version {report.version}. " + report.render().splitlines()[0]
        st.session_state[LAST_RUN] = ("success", message)
        with contextlib.suppress(AssistantError):  # reopen the index for every session now
            common.refresh_after_ingest()
    else:
        st.session_state[LAST_RUN] = ("info", report.render())


def render() -> None:
    st.title("Library")
    st.caption("For maintainers: the indexed guidance notes and the ingest pipeline.")
    st.info(common.sign_in_status(), icon=":material/shield_person:")

    if st.button("Re-ingest now", type="primary", icon=":material/sync:"):
        reingest()
    last = st.session_state.get(LAST_RUN)
    if last:
        kind, message = last
        if kind == "error":
            st.error(f"Re-ingest failed: {message}", icon=":material/error:")
        elif kind == "success":
            st.success(message, icon=":material/check_circle:")
        else:
            st.info(f"Nothing was published.\n\n```\n{message}\n```", icon=":material/info:")

    settings = common.settings()
    try:
        snapshot = live_snapshot(settings)
    except IndexNotReady as exc:
        st.warning(
            f"No index is published yet ({exc}). Press **Re-ingest now** or run `python ingest.py`.",
            icon=":material/database_off:",
        )
        return
    except AssistantError as exc:
        st.error(f"The index cannot be opened: {exc}", icon=":material/error:")
        return

    st.subheader("Live version")
    published = str(snapshot.pointer.get("published_at", "?")).replace("T", " ")
    st.markdown(
        f"**Version:** `{snapshot.version}`  \n**Published:** {published}  \n"
        f"**Previous version:** `{snapshot.pointer.get('previous') or '-'}`"
    )
    st.caption(f"Corpus folder `{settings.corpus_dir}`; data folder `{settings.data_dir}`")

    docs: dict[str, Any] = snapshot.manifest.get("documents", {})
    st.subheader(f"Indexed documents ({len(docs)})")
    st.dataframe(documents_table(docs), hide_index=True)

    st.subheader("Last ingest report")
    report = report_of(snapshot.version)
    if report is None:
        st.write("No report was saved with this version.")
    else:
        show_report(report)


if __name__ == "__main__":
    if common.require("library"):
        render()
