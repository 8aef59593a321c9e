"""Lint of the guidance corpus (corpus/*.md and corpus/glossary.docx).

Only stdlib, PyYAML and python-docx are used. Every failure message names the
file and the line (Markdown) or paragraph (docx) it concerns.
Run from the repository root:  python -m pytest tests/test_corpus.py -q
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from docx import Document

from assistant.text import STOPWORDS, split_sentences

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GLOSSARY_SRC = ROOT / "corpus-src" / "glossary.yaml"
GLOSSARY_DOCX = CORPUS / "glossary.docx"
BUILD_SCRIPT = ROOT / "scripts" / "build_corpus_docs.py"
GOLD = ROOT / "eval" / "questions.jsonl"

AUDIENCES = {"frontline", "investigator", "authorising officer", "all"}
REQUIRED_FIELDS = ("doc_id", "title", "audience", "edition", "effective_date", "status", "sources")
MAX_WORDS = 120
DOC_ID_RE = re.compile(r"^[a-z0-9-]+$")
SECTION_RE = re.compile(r"^## (\d+) \S")
PARA_RE = re.compile(r"^(\d+)\.(\d+) \S")
GLOSSARY_ENTRY_RE = re.compile(r"^\d+\.\d+ .+ \u2014 .+")
# Abbreviations officers use that the retrieval code must be able to expand.
REQUIRED_GLOSSARY_TERMS = (
    "SPO", "ISPO", "AP", "PHA 1997", "PHA 97", "s2A", "s4A", "S-DASH", "DASH", "VS-DASH",
    "SRP", "SAM", "SASH", "FOUR", "MAPPA", "ViSOR", "PDP", "BTP", "MDP", "CPS", "DVPN",
    "DVPO", "DAPO", "DAPN", "NMO", "RO", "ISAC", "SPOC", "PNC", "PIN", "IOPC", "HMICFRS",
    "NSH", "MASIP", "OIC", "ASB", "CJA", "FLA 1996", "SOA 2003", "NPCC", "PNLD", "APP",
)

MD_FILES = sorted(CORPUS.glob("*.md"))


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_corpus_docs", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def split_front_matter(path: Path):
    """Return (front matter dict or None, body lines with 1-based line numbers, errors)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    errors = []
    if not lines or lines[0].strip() != "---":
        return None, [], [f"{path.name}:1: file must start with a '---' front-matter line"]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return None, [], [f"{path.name}:1: front matter has no closing '---' line"]
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: impossible date such as 2026-13-01
        return None, [], [f"{path.name}:2-{end}: front matter is not valid YAML: {exc}"]
    if not isinstance(meta, dict):
        errors.append(f"{path.name}:2-{end}: front matter must be a mapping")
        meta = None
    body = [(i + 1, lines[i]) for i in range(end + 1, len(lines))]
    return meta, body, errors


def check_metadata(name: str, meta: dict, where: str) -> list[str]:
    errors = []
    for field in REQUIRED_FIELDS:
        value = meta.get(field)
        if value is None or (isinstance(value, (str, list)) and not value):
            errors.append(f"{where}: required field '{field}' is missing or empty")
    audience = meta.get("audience")
    if audience is not None and audience not in AUDIENCES:
        errors.append(f"{where}: audience {audience!r} not one of {sorted(AUDIENCES)}")
    date = meta.get("effective_date")
    if date is not None and not isinstance(date, dt.date):
        try:
            dt.date.fromisoformat(str(date))
        except ValueError:
            errors.append(f"{where}: effective_date {date!r} is not a valid ISO date")
    status = meta.get("status")
    if status and "not official guidance" not in str(status):
        errors.append(f"{where}: status must contain 'not official guidance'")
    sources = meta.get("sources")
    if sources is not None and (not isinstance(sources, list) or not all(str(s).strip() for s in sources)):
        errors.append(f"{where}: sources must be a non-empty list of non-empty strings")
    doc_id = meta.get("doc_id")
    if doc_id and not DOC_ID_RE.match(str(doc_id)):
        errors.append(f"{where}: doc_id {doc_id!r} must match [a-z0-9-]+")
    if doc_id and str(doc_id) != name:
        errors.append(f"{where}: doc_id {doc_id!r} must equal the file stem {name!r}")
    return errors


def parse_body(path: Path, body) -> tuple[list[str], dict[str, str]]:
    """Check the body structure; return (errors, {"N.M": paragraph text})."""
    errors: list[str] = []
    paras: dict[str, str] = {}
    titles = [ln for ln, text in body if text.startswith("# ")]
    if len(titles) != 1:
        errors.append(f"{path.name}:{titles[1] if len(titles) > 1 else 1}: expected exactly one '# ' title line, found {len(titles)}")
    section = 0
    expected_para = 0
    current = None  # (line, key, [text lines])

    def close():
        if current is None:
            return
        line, key, chunks = current
        text = " ".join(chunks)
        paras[key] = text
        words = len(text.split())
        if words > MAX_WORDS:
            errors.append(f"{path.name}:{line}: paragraph {key} has {words} words (limit {MAX_WORDS})")

    seen_title = False
    comment_from = None  # line where an open <!-- ... --> comment started
    for line, text in body:
        stripped = text.strip()
        # A comment (such as a paragraph annotation) is not quoted text: its lines are
        # neither paragraph words nor bullets.
        if comment_from is not None or stripped.startswith("<!--"):
            comment_from = comment_from or line
            if "-->" in stripped:
                comment_from = None
            continue
        if not stripped:
            close()
            current = None
            continue
        if text.startswith("# "):
            seen_title = True
            continue
        if text.startswith("#"):
            close()
            current = None
            m = SECTION_RE.match(text)
            if not m or not text.startswith("## "):
                errors.append(f"{path.name}:{line}: heading must be '## N Section title' (no other heading levels): {text!r}")
                continue
            n = int(m.group(1))
            if n != section + 1:
                errors.append(f"{path.name}:{line}: section {n} out of sequence (expected {section + 1})")
            section = n
            expected_para = 0
            continue
        if stripped.startswith(("- ", "* ", "+ ", "|")) or re.match(r"^\d+\) ", stripped):
            errors.append(f"{path.name}:{line}: bullet lists and tables are not allowed: {stripped[:40]!r}")
            continue
        m = PARA_RE.match(text)
        if m:
            close()
            n, para_no = int(m.group(1)), int(m.group(2))
            key = f"{n}.{para_no}"
            if section == 0:
                errors.append(f"{path.name}:{line}: paragraph {key} appears before the first section")
            elif n != section:
                errors.append(f"{path.name}:{line}: paragraph {key} is inside section {section}")
            if para_no != expected_para + 1:
                errors.append(f"{path.name}:{line}: paragraph {key} out of sequence (expected {section}.{expected_para + 1})")
            expected_para = para_no
            if key in paras:
                errors.append(f"{path.name}:{line}: paragraph {key} is duplicated")
            current = (line, key, [text[m.end(2) + 1:].strip()])
            continue
        if current is not None:
            current[2].append(stripped)  # continuation of a wrapped paragraph
        else:
            where = "before the title" if not seen_title else "outside a numbered paragraph"
            errors.append(f"{path.name}:{line}: text {where}: {stripped[:40]!r}")
    close()
    if comment_from is not None:
        errors.append(f"{path.name}:{comment_from}: comment opened with '<!--' is never closed")
    if section == 0:
        errors.append(f"{path.name}: no '## N' sections found")
    return errors, paras


def parse_all_markdown():
    result = {}
    for path in MD_FILES:
        meta, body, errors = split_front_matter(path)
        paras = {}
        if meta is not None:
            errors += check_metadata(path.stem, meta, f"{path.name}:front matter")
            body_errors, paras = parse_body(path, body)
            errors += body_errors
        result[path.name] = (meta, paras, errors)
    return result


PARSED = parse_all_markdown()


def test_corpus_has_notes():
    assert len(MD_FILES) >= 15, f"corpus/: expected at least 15 notes, found {len(MD_FILES)}"


@pytest.mark.parametrize("name", sorted(PARSED))
def test_markdown_note(name):
    errors = PARSED[name][2]
    assert not errors, "\n".join(errors)


LEANS_ON_THE_SENTENCE_BEFORE = re.compile(
    r"\b(?:instead|nevertheless|nonetheless|therefore)\b", re.I
)


def test_every_sentence_can_be_quoted_alone():
    """The answerer quotes single sentences: one that contrasts with the sentence before it
    ("An SPO subject is instead bound by ...") reads as a different rule without it, and one
    that concludes from it ("... is therefore 12 months") points back to what is not quoted."""
    leaning = [
        f"{name} {key}: {sentence[:70]!r}"
        for name, (_, paras, _) in PARSED.items()
        for key, text in paras.items()
        for sentence in split_sentences(text)
        if LEANS_ON_THE_SENTENCE_BEFORE.search(sentence)
    ]
    assert not leaning, "\n".join(leaning)


def test_annotation_comments_are_not_paragraph_text():
    """An annotation after a paragraph is neither its words nor a bullet list; an unclosed
    comment is reported with the line it opens on."""
    lines = ["# T", "", "## 1 S", "", "1.1 Text of the rule.", "<!--", "kind: rule",
             "asks:", "  - a question?", "-->", "", "1.2 Next."]
    body = list(enumerate(lines, 10))
    errors, paras = parse_body(Path("note.md"), body)
    assert not errors and paras == {"1.1": "Text of the rule.", "1.2": "Next."}
    errors, _ = parse_body(Path("note.md"), body[:-3])
    assert errors == ["note.md:15: comment opened with '<!--' is never closed"]


def test_doc_ids_unique():
    seen: dict[str, str] = {}
    errors = []
    for name, (meta, _, _) in PARSED.items():
        if not meta or not meta.get("doc_id"):
            continue
        doc_id = str(meta["doc_id"])
        if doc_id in seen:
            errors.append(f"{name}:front matter: doc_id {doc_id!r} already used by {seen[doc_id]}")
        seen[doc_id] = name
    glossary = yaml.safe_load(GLOSSARY_SRC.read_text(encoding="utf-8"))
    if glossary.get("doc_id") in seen:
        errors.append(f"{GLOSSARY_SRC.name}: doc_id {glossary['doc_id']!r} already used by {seen[glossary['doc_id']]}")
    assert not errors, "\n".join(errors)


# --- glossary ---------------------------------------------------------------

def _docx_snapshot(path: Path):
    doc = Document(str(path))
    cp = doc.core_properties
    props = {
        "identifier": cp.identifier,
        "title": cp.title,
        "version": cp.version,
        "content_status": cp.content_status,
        "category": cp.category,
        "created": cp.created,
        "comments": cp.comments,
    }
    paras = [(p.style.name, p.text) for p in doc.paragraphs]
    return props, paras


def test_glossary_docx_metadata():
    assert GLOSSARY_DOCX.exists(), f"{GLOSSARY_DOCX.name}: missing; run python scripts/build_corpus_docs.py"
    props, _ = _docx_snapshot(GLOSSARY_DOCX)
    meta = {
        "doc_id": props["identifier"],
        "title": props["title"],
        "audience": props["category"],
        "edition": props["version"],
        "effective_date": props["created"].date() if props["created"] else None,
        "status": props["content_status"],
        "sources": [s for s in (props["comments"] or "").splitlines() if s.strip()],
    }
    errors = check_metadata("glossary", meta, f"{GLOSSARY_DOCX.name}:core properties")
    assert not errors, "\n".join(errors)


def test_glossary_docx_structure():
    _, paras = _docx_snapshot(GLOSSARY_DOCX)
    errors = []
    headings1 = [i for i, (style, _) in enumerate(paras, 1) if style == "Heading 1"]
    if len(headings1) != 1:
        errors.append(f"{GLOSSARY_DOCX.name}: expected exactly one Heading 1 paragraph, found {len(headings1)}")
    section, expected = 0, 0
    for i, (style, text) in enumerate(paras, 1):
        where = f"{GLOSSARY_DOCX.name}:paragraph {i}"
        if style == "Heading 1" or not text.strip():
            continue
        if style == "Heading 2":
            m = re.match(r"^(\d+) \S", text)
            if not m or int(m.group(1)) != section + 1:
                errors.append(f"{where}: Heading 2 must be '{section + 1} Title', got {text!r}")
            section, expected = section + 1, 0
            continue
        if not GLOSSARY_ENTRY_RE.match(text):
            errors.append(f"{where}: entry must look like 'N.M TERM \u2014 Expansion. Explanation', got {text[:50]!r}")
            continue
        n, m_ = (int(x) for x in text.split(" ", 1)[0].split("."))
        if n != section or m_ != expected + 1:
            errors.append(f"{where}: entry {n}.{m_} out of sequence (expected {section}.{expected + 1})")
        expected = m_
        if len(text.split()) > MAX_WORDS:
            errors.append(f"{where}: entry {n}.{m_} has {len(text.split())} words (limit {MAX_WORDS})")
    assert not errors, "\n".join(errors)


def test_glossary_docx_up_to_date(tmp_path):
    builder = _load_builder()
    fresh = builder.build(GLOSSARY_SRC, tmp_path / "glossary.docx")
    want_props, want_paras = _docx_snapshot(fresh)
    have_props, have_paras = _docx_snapshot(GLOSSARY_DOCX)
    hint = "run: python scripts/build_corpus_docs.py"
    errors = [
        f"{GLOSSARY_DOCX.name}:core property {k}: {have_props[k]!r} != {want_props[k]!r} ({hint})"
        for k in want_props if have_props[k] != want_props[k]
    ]
    for i in range(max(len(want_paras), len(have_paras))):
        have = have_paras[i] if i < len(have_paras) else None
        want = want_paras[i] if i < len(want_paras) else None
        if have != want:
            errors.append(f"{GLOSSARY_DOCX.name}:paragraph {i + 1}: {have!r} != built {want!r} ({hint})")
            break
    assert not errors, "\n".join(errors)


def test_glossary_has_required_terms():
    _, paras = _docx_snapshot(GLOSSARY_DOCX)
    terms = set()
    for _, text in paras:
        if GLOSSARY_ENTRY_RE.match(text):
            terms.add(text.split(" ", 1)[1].split(" \u2014 ", 1)[0].strip())
    missing = [t for t in REQUIRED_GLOSSARY_TERMS if t not in terms]
    assert not missing, f"{GLOSSARY_DOCX.name}: glossary has no entry for: {', '.join(missing)}"


# --- gold set ---------------------------------------------------------------

def test_gold_set_points_at_real_paragraphs():
    if not GOLD.exists():
        pytest.skip("eval/questions.jsonl not present")
    paras = {meta["doc_id"]: p for meta, p, _ in PARSED.values() if meta and meta.get("doc_id")}
    errors = []
    for n, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{GOLD.name}:{n}: invalid JSON: {exc}")
            continue
        refs = item.get("expected_sections")
        if not isinstance(refs, list):
            errors.append(f"{GOLD.name}:{n}: expected_sections missing or not a list")
            continue
        if item.get("answerable") and not refs:
            errors.append(f"{GOLD.name}:{n}: answerable item {item.get('id')} has no expected_sections")
        if not item.get("answerable") and refs:
            errors.append(f"{GOLD.name}:{n}: unanswerable item {item.get('id')} must have empty expected_sections")
        for ref in refs:
            doc_id, para = ref.get("doc_id"), ref.get("para")
            if doc_id not in paras or para not in paras[doc_id]:
                errors.append(f"{GOLD.name}:{n}: {item.get('id')} points at missing paragraph {doc_id} {para}")
    assert not errors, "\n".join(errors)


def _alike(a: str, b: str) -> bool:
    """Two questions are one written from the other when they share 60% of their words and
    60% of their content words (Jaccard): "what does DASH stand for" does not copy "what does
    FOUR stand for?", though most of their words are the same."""
    mine, theirs = (set(re.findall(r"[a-z0-9]+", s.lower())) for s in (a, b))
    content = mine - STOPWORDS, theirs - STOPWORDS
    return all(len(x & y) >= 0.6 * len(x | y) > 0 for x, y in ((mine, theirs), content))


def _written_questions() -> list[tuple[str, str]]:
    """(note file name, question) for each question written beside a paragraph."""
    return [
        (path.name, ask)
        for path in sorted(CORPUS.glob("*.md"))
        for block in re.findall(r"\nasks:\n((?:[ \t]+- .*\n)+)", path.read_text(encoding="utf-8"))
        for ask in re.findall(r"- (.*)", block)
    ]


def test_no_written_question_copies_a_gold_question() -> None:
    """The questions written beside a paragraph come from what it answers, never from the gold
    set: a copied one scores the gold item, not the retrieval, and hides what officers' other
    wordings would get."""
    if not GOLD.exists():
        pytest.skip("eval/questions.jsonl not present")
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    asks = _written_questions()
    assert len(asks) > 1000, "the asks blocks were not found"
    copies = [
        f"{name}: {ask!r} copies {item['id']}"
        for name, ask in asks
        for item in gold
        if _alike(ask, item["question"])
    ]
    assert copies == []


def test_paragraph_questions_point_at_real_paragraphs_and_copy_no_written_question() -> None:
    """eval/paragraph_questions.jsonl fits the retriever's weights (its dev half) and checks
    them (its test half): each label must name a paragraph of the notes, and a question
    copying one written beside a paragraph would measure the question search on itself."""
    path = ROOT / "eval" / "paragraph_questions.jsonl"
    paras = {meta["doc_id"]: p for meta, p, _ in PARSED.values() if meta and meta.get("doc_id")}
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(items) >= 400 and {i["split"] for i in items} == {"dev", "test"}
    assert len({i["id"] for i in items}) == len(items), "duplicate ids"
    missing = [i["id"] for i in items if i["para"] not in paras.get(i["doc_id"], {})]
    assert missing == [], f"{path.name}: labels name missing paragraphs: {missing}"
    asks = [ask for _, ask in _written_questions()]
    copies = [i["id"] for i in items if any(_alike(i["question"], ask) for ask in asks)]
    assert copies == [], f"{path.name}: questions copying a written question: {copies}"


def test_copies_are_told_from_questions_on_one_topic() -> None:
    assert _alike(
        "order says until further order, is he stuck with it forever?",
        "Order says 'until further order'. Is he stuck with it forever?",
    )
    assert _alike("does an SPO go on PNC", "does an SPO go on PNC?")
    assert not _alike("what does DASH stand for", "what does FOUR stand for?")
    assert not _alike(
        "which court made the first SPO", "when and where was the first ever SPO made?"
    )


def test_no_sentence_points_to_another_paragraph_by_number() -> None:
    """A quoted sentence stands alone in an answer, where "(see 1.2)" or "the station named
    in 3.3" points nowhere: the notes state the point instead."""
    pointer = re.compile(r"\(see \d+\.\d+\)|\b(?:named|set out|described|listed) in \d+\.\d+\b")
    found = [
        f"{path.name}: {line[:60]}"
        for path in sorted(CORPUS.glob("*.md"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"\d+\.\d+ ", line) and pointer.search(line)
    ]
    assert found == []
