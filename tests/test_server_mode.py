"""Server mode: a real `chroma run` on loopback, ingest and query through HttpClient."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fixtures_docs import change_of, markdown_doc, numbered_sections

from assistant.embedding import get_embedder
from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import ask_collection_name, chroma_client, collection_name, open_snapshot


def _collections(settings: Settings) -> set[str]:
    client = chroma_client(settings)
    return {c if isinstance(c, str) else c.name for c in client.list_collections()}


def test_ingest_query_reingest_and_gc_on_server(
    chroma_server: int, make_corpus: Callable[..., Path], settings_for: Callable[..., Settings]
) -> None:
    corpus = make_corpus({
        "a.md": markdown_doc("a-doc", "Alpha", [("1 Kestrels", ["1.1 Kestrel patrols log every visit."])]),
        "b.md": markdown_doc("b-doc", "Beta", numbered_sections("beta", 1, 2)),
    })
    settings = settings_for(corpus, chroma_host="127.0.0.1", chroma_port=chroma_server,
                            keep_versions=2)
    assert settings.server_mode
    embedder = get_embedder(settings)

    first = ingest(settings)
    assert first.published and first.chunks_total == 3
    assert collection_name(settings, str(first.version)) in _collections(settings)
    assert not (settings.data_dir / "versions" / str(first.version) / "chroma").exists()
    snap = open_snapshot(settings)
    vec = embedder.encode(["Kestrel patrols log every visit."])[0]
    assert snap.dense_search(vec, 1)[0][0].startswith("a-doc#1.1#")
    assert snap.keyword_search("kestrel", 1)[0][0].startswith("a-doc#1.1#")

    versions = [str(first.version)]
    for word in ("Falcon", "Osprey"):
        (corpus / "a.md").write_text(
            markdown_doc("a-doc", "Alpha", [("1 Kestrels", [f"1.1 {word} patrols log every visit."])]),
            encoding="utf-8",
        )
        report = ingest(settings)
        assert report.published and change_of(report, "a-doc").status == "changed"
        assert report.chunks_embedded == 1
        versions.append(str(report.version))

    names = {n for n in _collections(settings) if n.startswith(f"{settings.collection_prefix}-")}
    # each version keeps its paragraphs and its questions apart; the oldest is collected whole
    assert names == {
        name(settings, v) for v in versions[-2:] for name in (collection_name, ask_collection_name)
    }
    latest = open_snapshot(settings)
    assert latest.version == versions[-1]
    assert latest.keyword_search("osprey", 1)[0][0].startswith("a-doc#1.1#")
    assert latest.keyword_search("falcon", 1) == []
    # the previous version is still served by its own collection for readers that hold it
    previous = open_snapshot(settings, {"version": versions[-2]})
    assert previous.keyword_search("falcon", 1)[0][0].startswith("a-doc#1.1#")
    assert previous.dense_search(vec, 1)[0][0].startswith("a-doc#1.1#")
