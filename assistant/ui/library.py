"""Library page (maintainers): what is indexed, what is wrong with it, and re-ingest on demand.

"Preview changes" runs the ingest plan as a dry run (nothing is written) and lists, per
document, the sections a re-ingest would add, change or remove, so a maintainer sees what
officers' answers will quote before it happens.  Re-ingest runs
:func:`assistant.indexing.ingest` in this session's thread; the pipeline builds a new version
beside the live one and publishes it with an atomic pointer swap, so other sessions keep
answering throughout and switch to the new version on their next question.

Problems (files that failed, documents without an effective date or edition, warnings) come
from the status the last ingest saved, so they stay listed after a reload until fixed.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import streamlit as st

from assistant.errors import AssistantError, IndexNotReady
from assistant.indexing import IngestReport, ingest
from assistant.ingest_report import CorpusStatus, load_status
from assistant.loading import missing
from assistant.store import live_snapshot, versions_dir
from assistant.ui import common

LAST_RUN = "library_last_run"
PREVIEW = "library_preview"


def documents_table(docs: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for doc_id, info in sorted(docs.items()):
        lacking = missing(info)
        rows.append(
            {
                "doc_id": doc_id,
                "title": info.get("title", ""),
                "edition": info.get("edition", ""),
                "effective date": info.get("effective_date", ""),
                "format": info.get("format", ""),
                "chunks": len(info.get("chunks", [])),
                "file": info.get("path", ""),
                "flags": ("no " + " or ".join(lacking)) if lacking else "",
            }
        )
    return rows


def changes_table(report: IngestReport) -> list[dict[str, Any]]:
    """One row per document that a run changed (or a preview would change)."""
    return [
        {
            "status": c.status,
            "doc_id": c.doc_id,
            "file": c.path + (f" (was {c.previous_path})" if c.previous_path else ""),
            "chunks": c.chunks,
            "sections added": "; ".join(c.added_sections),
            "changed sections": "; ".join(c.changed_sections),
            "sections removed": "; ".join(c.removed_sections),
            "error": c.error or "",
        }
        for c in report.changes
        if c.status != "unchanged"
    ]


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
    st.caption(report.quality.render().capitalize())
    changed = changes_table(report)
    if changed:
        st.dataframe(changed, hide_index=True)
    else:
        st.write("No document changed in this run.")
    for note in report.notes:
        st.info(note, icon=":material/info:")
    with st.expander("Full report (text)"):
        st.code(report.render(), language=None)


def show_problems(status: CorpusStatus | None) -> None:
    """Failed files, missing dates or editions and warnings, as the last ingest found them."""
    if status is None or not (status.failures or status.incomplete or status.warnings):
        return
    st.subheader("Needs a maintainer")
    st.caption(f"As found by the ingest of {status.checked_at.replace('T', ' ')}")
    for failure in status.failures:
        st.error(f"Not loaded: {failure}", icon=":material/error:")
    if status.incomplete:
        st.warning(
            "Cited without an effective date or edition (add them to the document or its "
            "sidecar `NAME.meta.yaml`; `ingest.py --strict` fails on these):\n\n"
            + "\n".join(f"- {item}" for item in status.incomplete),
            icon=":material/event_busy:",
        )
    if status.warnings:
        with st.expander(f"Warnings ({len(status.warnings)})"):
            st.markdown("\n".join(f"- {w}" for w in status.warnings))


def preview() -> None:
    """A dry run: what a re-ingest would add, change and remove; nothing is written."""
    try:
        report = ingest(common.settings(), dry_run=True)
    except AssistantError as exc:
        st.session_state[PREVIEW] = ("error", str(exc).splitlines()[0])
        return
    st.session_state[PREVIEW] = ("report", report.to_json())


def show_preview() -> None:
    kind, value = st.session_state[PREVIEW]
    st.subheader("Preview of a re-ingest")
    if kind == "error":
        st.error(f"Preview failed: {value}", icon=":material/error:")
        return
    report = IngestReport.from_json(value)
    st.caption("A dry run: nothing has been written. " + report.render().splitlines()[0])
    rows = changes_table(report)
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.write("Re-ingest would change nothing: the index matches the corpus folder.")
    for failure in report.failures:
        st.error(f"Would not load: {failure}", icon=":material/error:")


def reingest() -> None:
    """Run ingest with a progress bar, then point the cached assistant at the new version."""
    st.session_state.pop(PREVIEW, None)
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

    left, right = st.columns(2)
    if left.button("Re-ingest now", type="primary", icon=":material/sync:"):
        reingest()
    if right.button("Preview changes", icon=":material/preview:"):
        preview()
    if PREVIEW in st.session_state:
        show_preview()
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
    show_problems(load_status(settings))
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
    flagged = [d for d, info in docs.items() if missing(info)]
    if flagged:
        st.caption(
            f"{len(flagged)} cited without an effective date or edition (see **flags**): "
            + ", ".join(sorted(flagged))
        )
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
