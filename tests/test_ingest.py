"""Incremental, atomic ingestion against real Chroma and the real bundled model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT
from fixtures_docs import change_of, markdown_doc, numbered_sections, pdf_bytes

from assistant import cli
from assistant.embedding import get_embedder
from assistant.errors import IndexNotReady, StoreUnavailable
from assistant.indexing import ingest
from assistant.settings import Settings
from assistant.store import COMPLETE, POINTER, open_snapshot, versions_dir

SettingsFor = Callable[..., Settings]


def _small_corpus() -> dict[str, str | bytes]:
    return {
        "a.md": markdown_doc("a-doc", "Alpha Note", [
            ("1 Zephyrine registers", ["1.1 The zephyrine register lists every cautioned person.",
                                       "1.2 Officers update the zephyrine register weekly."]),
            ("2 Alpha review", ["2.1 Alpha reviews happen each quarter."]),
        ]),
        "b.md": markdown_doc("b-doc", "Beta Note", numbered_sections("beta", 2, 2)),
        "c.md": markdown_doc("c-doc", "Gamma Note", numbered_sections("gamma", 2, 2)),
    }


def _pointer_version(settings: Settings) -> str:
    return str(json.loads((settings.data_dir / POINTER).read_text())["version"])


def _ids(hits: list[tuple[str, float]]) -> list[str]:
    return [chunk_id for chunk_id, _ in hits]


def test_incremental_reingest_rename_delete_duplicate(
    make_corpus: Callable[..., Path], settings_for: SettingsFor
) -> None:
    corpus = make_corpus(_small_corpus())
    settings = settings_for(corpus)
    embedder = get_embedder(settings)

    first = ingest(settings)
    assert first.published and first.count("added") == 3
    assert first.chunks_embedded == first.chunks_total == 11
    # and each paragraph's sentences, standing in for the questions nobody wrote beside it
    assert first.questions_embedded == open_snapshot(settings).manifest["ask_count"] >= 11
    v1 = _pointer_version(settings)
    saved = json.loads((settings.data_dir / "versions" / v1 / "report.json").read_text())
    assert saved["chunks_embedded"] == 11 and saved["seconds"] > 0  # the Library page shows these

    # nothing changed: nothing embedded, nothing published
    again = ingest(settings)
    assert not again.published and again.chunks_embedded == 0
    assert again.count("unchanged") == 3
    assert _pointer_version(settings) == v1
    assert [p.name for p in versions_dir(settings).iterdir()] == [v1]

    # one paragraph of one document edited
    b = corpus / "b.md"
    b.write_text(b.read_text().replace("2.1 The beta rule 2.1", "2.1 The amended beta rule 2.1"))
    before = embedder.embedded
    edited = ingest(settings)
    assert edited.published and edited.version != v1
    changed = change_of(edited, "b-doc")
    assert changed.status == "changed" and changed.changed_sections == ["2 Beta topic 2"]
    assert {c.doc_id for c in edited.changes if c.status == "changed"} == {"b-doc"}
    assert edited.count("unchanged") == 2
    assert edited.chunks_embedded == 1 and edited.questions_embedded == 1  # and its sentence
    assert embedder.embedded - before == 2
    v2 = _pointer_version(settings)
    assert v2 == edited.version

    # a reader that opened v2 keeps answering from v2 after later ingests
    old_reader = open_snapshot(settings)
    zephyr_vec = embedder.encode(["The zephyrine register lists every cautioned person."])[0]

    # renamed identical file: reported as renamed, nothing embedded
    (corpus / "c.md").rename(corpus / "c-renamed.md")
    before = embedder.embedded
    renamed = ingest(settings)
    moved = change_of(renamed, "c-doc")
    assert (moved.status, moved.previous_path, moved.path) == ("renamed", "c.md", "c-renamed.md")
    assert embedder.embedded == before and renamed.chunks_embedded == 0

    # deleted document and a duplicate copy of another in one run
    (corpus / "a.md").unlink()
    shutil.copy(corpus / "b.md", corpus / "b-copy.md")
    deleted = ingest(settings)
    assert change_of(deleted, "a-doc").status == "removed"
    assert deleted.failures == ["b-copy.md: identical to b.md"]
    snap = open_snapshot(settings)
    assert snap.version == deleted.version
    assert not any(c.doc_id == "a-doc" for c in snap.chunks)
    assert sum(c.doc_id == "b-doc" for c in snap.chunks) == 4  # not indexed twice
    assert snap.keyword_search("zephyrine", 5) == []
    assert not any(i.startswith("a-doc#") for i in _ids(snap.dense_search(zephyr_vec, 10)))

    # the reader opened earlier still sees its own version
    assert old_reader.version == v2
    assert _ids(old_reader.keyword_search("zephyrine register", 2))[0].startswith("a-doc#1.")
    assert _ids(old_reader.dense_search(zephyr_vec, 1))[0].startswith("a-doc#1.1#")
    # old versions beyond keep_versions are collected, the live one kept
    kept = sorted(p.name for p in versions_dir(settings).iterdir())
    assert len(kept) == settings.keep_versions and deleted.version in kept


def test_bad_inputs_are_reported_and_good_files_ingested(
    make_corpus: Callable[..., Path], settings_for: SettingsFor, tmp_path: Path
) -> None:
    from fixtures_docs import write_encrypted_pdf

    files = _small_corpus()
    files.update({
        "empty.md": b"",
        "binary.txt": b"\x00\xff\x00\x10 not text",
        "corrupt.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage\n",
        "notes.rtf": b"{\\rtf1 text}",
        "bad-front.md": "---\ntitle: [oops\n---\n# X\n\n1.1 Text.\n",
    })
    corpus = make_corpus(files)
    write_encrypted_pdf(corpus / "locked.pdf", [["1.1 Locked text."]])
    settings = settings_for(corpus)
    report = ingest(settings)
    assert report.published and report.count("added") == 3
    bad = {"empty.md": "empty", "binary.txt": "binary", "corrupt.pdf": "pdf",
           "notes.rtf": "unsupported", "bad-front.md": "front matter", "locked.pdf": "encrypted"}
    assert len(report.failures) == len(bad), report.render()
    for line in report.failures:
        assert "\n" not in line
        name = line.split(":", 1)[0]
        assert bad[name] in line.lower(), line
    snap = open_snapshot(settings)
    assert {c.doc_id for c in snap.chunks} == {"a-doc", "b-doc", "c-doc"}

    # a good document that becomes corrupt keeps its old chunks, marked failed
    old_a = sorted(c.chunk_id for c in snap.chunks if c.doc_id == "a-doc")
    (corpus / "a.md").write_bytes(b"\x00\x00 broken \x00")
    report = ingest(settings)
    failed = change_of(report, "a-doc")
    assert failed.status == "failed" and "binary" in (failed.error or "")
    assert any(line.startswith("a.md:") for line in report.failures)
    snap = open_snapshot(settings)
    assert sorted(c.chunk_id for c in snap.chunks if c.doc_id == "a-doc") == old_a
    assert _ids(snap.keyword_search("zephyrine", 3))[0].startswith("a-doc#")


def test_strict_cli_exits_1_and_publishes_nothing(
    make_corpus: Callable[..., Path], tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    files = _small_corpus()
    files["broken.pdf"] = b"%PDF-1.4 nonsense"
    corpus = make_corpus(files)
    data = tmp_path / "strict-data"
    proc = subprocess.run(
        [PYTHON, "ingest.py", "--strict", "--quiet", "--corpus", str(corpus), "--data", str(data)],
        cwd=ROOT, env=subprocess_env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "broken.pdf" in proc.stdout and "--strict" in proc.stdout
    assert not (data / POINTER).exists()
    versions = data / "versions"
    assert not versions.exists() or not any(versions.iterdir())


def test_cli_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    parser = cli.ingest_parser()
    code = cli.main(["--corpus", str(tmp_path / "nope"), "--data", str(tmp_path / "d")], parser)
    err = capsys.readouterr().err.strip()
    assert code != 0 and "\n" not in err and "nope" in err and "does not exist" in err

    monkeypatch.setenv("SPO_CHUNK_MAX_TOKENS", "5")
    code = cli.main(["--corpus", str(tmp_path), "--data", str(tmp_path / "d")], cli.ingest_parser())
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "chunk_max_tokens" in err


def _synthetic_corpus(n_docs: int = 6, paras: int = 50) -> dict[str, str | bytes]:
    """~300 numbered paragraphs of varied one-sentence text, none of it in any cache."""
    nouns = ["warrant", "harbour", "lantern", "meadow", "granite", "orchard", "compass", "ledger",
             "beacon", "quarry", "thistle", "saddle", "furnace", "ribbon", "anchor", "violet"]
    files: dict[str, str | bytes] = {}
    for d in range(n_docs):
        sections = []
        for s in range(1, paras // 10 + 1):
            body = []
            for p in range(1, 11):
                i = d * 1000 + s * 100 + p
                a, b = (nouns[(i * k) % len(nouns)] for k in (1, 3))
                body.append(f"{s}.{p} Case {i}: the {a} near the {b} was logged by unit {i % 97}.")
            sections.append((f"{s} Synthetic heading {d}-{s}", body))
        files[f"synthetic-{d}.md"] = markdown_doc(f"synthetic-{d}", f"Synthetic Note {d}", sections)
    return files


def test_sigkill_mid_embedding_keeps_old_version(
    make_corpus: Callable[..., Path], settings_for: SettingsFor, tmp_path: Path,
    subprocess_env: dict[str, str],
) -> None:
    corpus = make_corpus(_small_corpus())
    settings = settings_for(corpus)
    old = ingest(settings)
    assert old.published

    # a corpus big enough that embedding (all new text) takes several seconds
    for name, content in _synthetic_corpus().items():
        (corpus / name).write_text(str(content), encoding="utf-8")
    env = dict(subprocess_env, SPO_DATA_DIR=str(settings.data_dir), SPO_CORPUS_DIR=str(corpus))
    proc = subprocess.Popen([PYTHON, "ingest.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        building = None
        while time.monotonic() < deadline and proc.poll() is None:
            partial = [p for p in versions_dir(settings).iterdir()
                       if p.name != old.version and not (p / COMPLETE).exists()]
            if partial:
                building = partial[0]
                break
            time.sleep(0.05)
        assert building is not None, (
            f"ingest never started building a version (exit {proc.poll()}): "
            f"{proc.stderr.read().decode()[-2000:] if proc.poll() is not None and proc.stderr else ''}"
        )
        time.sleep(0.5)  # well inside the embedding of ~300 chunks
        assert proc.poll() is None, "ingest finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert not (building / COMPLETE).exists()

    # the old version still serves, with the old content
    assert _pointer_version(settings) == old.version
    snap = open_snapshot(settings)
    assert snap.version == old.version
    assert not any(c.doc_id.startswith("synthetic") for c in snap.chunks)
    assert _ids(snap.keyword_search("zephyrine", 2))[0].startswith("a-doc#")
    vec = get_embedder(settings).encode(["Officers update the zephyrine register weekly."])[0]
    assert _ids(snap.dense_search(vec, 1))[0].startswith("a-doc#1.2#")

    # a rerun completes, publishes, and leaves no debris
    rerun = ingest(settings)
    assert rerun.published and rerun.count("added") == 6
    assert rerun.chunks_embedded < rerun.chunks_total  # the killed run's cached batches reused
    assert _pointer_version(settings) == rerun.version
    folders = sorted(p.name for p in versions_dir(settings).iterdir())
    assert folders == sorted([old.version, rerun.version])
    assert all((versions_dir(settings) / f / COMPLETE).exists() for f in folders)
    assert not list(settings.data_dir.glob(".*.tmp"))


def test_unwritable_versions_dir_raises_store_unavailable(
    make_corpus: Callable[..., Path], settings_for: SettingsFor
) -> None:
    corpus = make_corpus(_small_corpus())
    settings = settings_for(corpus)
    first = ingest(settings)
    (corpus / "a.md").unlink()
    folder = versions_dir(settings)
    if os.geteuid() == 0:  # root ignores chmod; the immutable flag stops even root
        locked = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
        unlock = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        locked, unlock = True, []
    if not locked:
        pytest.skip("cannot make a directory read-only for root here (no chattr)")
    try:
        with pytest.raises(StoreUnavailable, match="cannot write index version") as info:
            ingest(settings)
        assert "\n" not in str(info.value) and "unchanged" in str(info.value)
    finally:
        if unlock:
            subprocess.run(unlock, check=True)
        else:
            folder.chmod(0o755)
    assert _pointer_version(settings) == first.version
    snap = open_snapshot(settings)
    assert any(c.doc_id == "a-doc" for c in snap.chunks)
    assert [p.name for p in folder.iterdir()] == [first.version]


def test_corrupt_pointer_is_not_ready_and_ingest_rebuilds(
    make_corpus: Callable[..., Path], settings_for: SettingsFor
) -> None:
    corpus = make_corpus({"a.md": str(_small_corpus()["a.md"])})
    settings = settings_for(corpus)
    ingest(settings)
    (settings.data_dir / POINTER).write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexNotReady, match="corrupt") as info:
        open_snapshot(settings)
    assert "\n" not in str(info.value) and "ingest" in str(info.value)
    report = ingest(settings)
    assert report.published and report.chunks_embedded == 0  # vectors come from the cache
    assert any("corrupt" in note and "rebuild" in note for note in report.notes)
    assert open_snapshot(settings).version == report.version


def test_pdf_in_corpus_is_indexed_with_pages(
    make_corpus: Callable[..., Path], settings_for: SettingsFor
) -> None:
    pages = [["1 Start", "1.1 Quillwort appears on page one."], ["2 End", "2.1 Page two text."]]
    corpus = make_corpus({"p.pdf": pdf_bytes(pages, title="Paged", doc_id="paged")})
    settings = settings_for(corpus)
    assert ingest(settings).published
    snap = open_snapshot(settings)
    hit = snap.by_id[_ids(snap.keyword_search("quillwort", 1))[0]]
    assert (hit.paragraphs, hit.page) == (("1.1",), 1)


def test_garbage_collection_keeps_the_newest_versions_even_within_one_second(
    make_corpus: Callable[..., Path], settings_for: SettingsFor
) -> None:
    """Versions published in quick succession must still sort in publish order."""
    settings = settings_for(make_corpus(_small_corpus()))
    published = [ingest(settings, force=True).version for _ in range(4)]
    kept = sorted(p.name for p in versions_dir(settings).iterdir())
    assert kept == sorted(published[-settings.keep_versions :]), (published, kept)
    assert published == sorted(published)


def test_unchanged_files_are_not_parsed_again_unless_chunking_changes(
    make_corpus: Callable[..., Path], settings_for: SettingsFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the edited file is read and chunked again; a new chunk size re-reads them all."""
    from assistant import planning

    corpus = make_corpus(_small_corpus())
    settings = settings_for(corpus)
    ingest(settings)
    parsed: list[str] = []
    real_load = planning.load_document

    def recording_load(path: Path, corpus_dir: Path, *options):  # type: ignore[no-untyped-def]
        parsed.append(path.name)
        return real_load(path, corpus_dir, *options)

    monkeypatch.setattr(planning, "load_document", recording_load)
    (corpus / "b.md").write_text(
        markdown_doc("b-doc", "Beta Note", numbered_sections("beta", 2, 3)), encoding="utf-8"
    )
    edited = ingest(settings)
    assert parsed == ["b.md"]
    assert edited.count("unchanged") == 2 and change_of(edited, "b-doc").status == "changed"
    reused = {c.chunk_id for c in open_snapshot(settings).chunks if c.doc_id != "b-doc"}
    assert len(reused) == 7  # a-doc's 3 and c-doc's 4 chunks carried over as they were

    parsed.clear()
    resized = settings.model_copy(update={"chunk_max_tokens": 64})
    ingest(resized, force=True)
    assert sorted(parsed) == ["a.md", "b.md", "c.md"]


def test_a_version_built_with_questions_and_paragraphs_in_one_collection_is_still_read(
    make_corpus: Callable[..., Path], settings_for: SettingsFor
) -> None:
    """Data directories published before the questions got their own collection hold both in
    one, told apart by metadata: rebuild one such version from a new one (move the questions,
    drop the flag from the manifest) and read it as an upgraded app would."""
    import hashlib

    from assistant.store import ask_collection_name, chroma_client, collection_name

    noted = (
        "---\ndoc_id: noted\ntitle: Noted\n---\n# Noted\n\n## 1 Footage\n\n"
        "1.1 Body-worn video of a breach should be kept with the case file.\n"
        "<!--\nkind: rule\nasks:\n  - where do we keep bodycam of a breach?\n-->\n"
        "1.2 Officers update the zephyrine register weekly.\n"
    )
    settings = settings_for(make_corpus({"noted.md": noted}))
    version = str(ingest(settings).version)
    client = chroma_client(settings, version)
    asks = client.get_collection(ask_collection_name(settings, version), embedding_function=None)
    moved = asks.get(include=["embeddings", "metadatas", "documents"])
    paragraphs = client.get_collection(collection_name(settings, version), embedding_function=None)
    paragraphs.add(
        ids=moved["ids"],
        embeddings=moved["embeddings"],
        metadatas=moved["metadatas"],
        documents=moved["documents"],
    )
    client.delete_collection(ask_collection_name(settings, version))
    manifest_path = versions_dir(settings) / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["asks_apart"]
    manifest_text = json.dumps(manifest, indent=1)
    manifest_path.write_text(manifest_text, encoding="utf-8")
    pointer = json.loads((settings.data_dir / POINTER).read_text(encoding="utf-8"))
    pointer["manifest_sha256"] = hashlib.sha256(manifest_text.encode("utf-8")).hexdigest()
    (settings.data_dir / POINTER).write_text(json.dumps(pointer), encoding="utf-8")

    snapshot = open_snapshot(settings)
    vector = get_embedder(settings).encode(["where do we keep bodycam of a breach?"])[0]
    paragraph_hits = snapshot.dense_search(vector, 5)
    assert all("?ask" not in chunk_id for chunk_id, _ in paragraph_hits)  # questions filtered out
    assert len(paragraph_hits) == 2
    (best, score), stand_in = snapshot.ask_search(vector, 5)  # 1.2 has its sentence there
    assert best.startswith("noted#1.1#") and score > 0.99
    assert stand_in[0].startswith("noted#1.2#") and stand_in[1] < score


def test_a_paragraph_nobody_wrote_questions_for_is_searched_by_its_own_sentences(
    make_corpus: Callable[..., Path], settings_for: SettingsFor
) -> None:
    """A maintainer's new document has no questions beside its paragraphs; its sentences
    stand in for them in the question search (not the glossary's, which has its own)."""
    noted = (
        "---\ndoc_id: noted\ntitle: Noted\n---\n# Noted\n\n## 1 Footage\n\n"
        "1.1 Body-worn video of a breach should be kept with the case file.\n"
        "<!--\nkind: rule\nasks:\n  - where do we keep bodycam of a breach?\n-->\n"
        "1.2 Officers update the zephyrine register weekly. Sergeants audit it monthly.\n"
    )
    glossary = (
        "---\ndoc_id: glossary\ntitle: Terms\n---\n# Terms\n\n## 1 T\n\n1.1 ZQX — Zed.\n"
    )
    settings = settings_for(make_corpus({"noted.md": noted, "glossary.md": glossary}))
    ingest(settings)
    snapshot = open_snapshot(settings)
    assert snapshot.manifest["ask_count"] == 3 and snapshot.manifest["ask_paragraphs"] == 2
    assert snapshot.asks_per_paragraph == 2
    vector = get_embedder(settings).encode(["how often do sergeants audit the register?"])[0]
    hits = snapshot.ask_search(vector, 5)
    assert hits[0][0].startswith("noted#1.2#")
    assert not any(chunk_id.startswith("glossary#") for chunk_id, _ in hits)
    (whole,) = [s for c, s in snapshot.dense_search(vector, 5) if c.startswith("noted#1.2#")]
    assert hits[0][1] > whole  # the sentence asked about, not the paragraph around it
