"""Structure-aware chunking: a chunk is one paragraph, numbered or not, with what hangs on it.

Citations name paragraphs, so a numbered paragraph is never merged with its neighbours and
never split except, when it is too long for the embedding model, between sentences.  An
unnumbered paragraph of prose (a maintainer's bare briefing) is a chunk of its own too: the
answerer quotes the rest of a chunk readily, taking it for the rest of the paragraph, so two
paragraphs on different matters packed together came out as one quote.  What is not prose
on its own, a list item or a table row, packs with the paragraph before it (a lead-in
ending in ":" opens a chunk for its list) under one heading and on one page, up to the
token budget.  No chunk crosses a heading, and no chunk cuts a sentence.  A paragraph the
loader rejoined across a page break keeps both pages, so its citation names them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .schema import Chunk, Document, Paragraph, compose_embed_text, sha256_text
from .text import split_sentences

TokenCounter = Callable[[str], int]


def estimate_tokens(text: str) -> int:
    """Word-piece count estimate for when no tokenizer is at hand (about 1.3 per word)."""
    return int(len(text.split()) * 1.3) + 1


def chunk_document(
    document: Document, max_tokens: int, count_tokens: TokenCounter = estimate_tokens
) -> list[Chunk]:
    meta = document.meta
    chunks: list[Chunk] = []
    for group in _groups(document.paragraphs, meta.title, max_tokens, count_tokens):
        first = group[0]
        text = " ".join(p.text for p in group)
        numbers = tuple(dict.fromkeys(p.number for p in group if p.number))
        last_page = max((p.page_end or p.page or 0 for p in group), default=0)
        page_end = last_page if first.page and last_page > first.page else None
        for piece in _fit(text, first, meta.title, max_tokens, count_tokens):
            position = len(chunks)
            embed = compose_embed_text(meta.title, first.heading_path, piece)
            content_hash = sha256_text(embed)
            anchor = numbers[0] if numbers else f"p{position}"
            chunks.append(
                Chunk(
                    chunk_id=f"{meta.doc_id}#{anchor}#{content_hash[:10]}",
                    doc_id=meta.doc_id,
                    title=meta.title,
                    edition=meta.edition,
                    effective_date=meta.effective_date,
                    heading_path=first.heading_path,
                    paragraphs=numbers,
                    page=first.page,
                    source_path=document.source_path,
                    text=piece,
                    content_hash=content_hash,
                    audience=",".join(_audiences(group)) or meta.audience,
                    position=position,
                    kind=next((p.notes.kind for p in group if p.notes.kind), ""),
                    asks=tuple(dict.fromkeys(a for p in group for a in p.notes.asks)),
                    page_end=page_end,
                )
            )
    return chunks


def _audiences(group: list[Paragraph]) -> list[str]:
    """The roles a chunk serves: the union of its paragraphs' roles, none if any serves all."""
    if any(not p.notes.audience for p in group):
        return []
    return list(dict.fromkeys(r for p in group for r in p.notes.audience))


def _groups(
    paragraphs: Iterable[Paragraph], title: str, max_tokens: int, count: TokenCounter
) -> Iterable[list[Paragraph]]:
    """Numbered paragraphs and unnumbered prose stand alone; lists and rows pack."""
    group: list[Paragraph] = []
    for para in paragraphs:
        if para.number is not None:
            if group:
                yield group
                group = []
            yield [para]
            continue
        if group:
            same_place = group[0].heading_path == para.heading_path and group[0].page == para.page
            combined = " ".join(p.text for p in [*group, para])
            if (
                not same_place
                or _opens_chunk(para, group[-1])
                or count(compose_embed_text(title, para.heading_path, combined)) > max_tokens
            ):
                yield group
                group = []
        group.append(para)
    if group:
        yield group


_LIST_ITEM = re.compile(r"^(?:[-*+\u2022\u25aa\u2013]|\(?(?:\d+|[a-z]|[ivx]+)[.)])\s")
_SENTENCE_END = re.compile(r"[.!?:][\"'\u201d\u2019)\]]*$")


def _opens_chunk(para: Paragraph, before: Paragraph) -> bool:
    """Full sentences, or a lead-in to a list, that no lead-in introduces: a new chunk."""
    text = para.text.strip()
    return (
        _SENTENCE_END.search(text) is not None
        and not _LIST_ITEM.match(text)
        and not before.text.rstrip().endswith(":")
    )


def _fit(
    text: str, first: Paragraph, title: str, max_tokens: int, count: TokenCounter
) -> list[str]:
    """Split text between sentences into pieces that fit the budget with their prefix."""
    if count(compose_embed_text(title, first.heading_path, text)) <= max_tokens:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    for sentence in split_sentences(text):
        trial = " ".join([*current, sentence])
        if current and count(compose_embed_text(title, first.heading_path, trial)) > max_tokens:
            pieces.append(" ".join(current))
            current = [sentence]
        else:
            current.append(sentence)
    if current:
        pieces.append(" ".join(current))
    return pieces
