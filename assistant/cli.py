"""Command line: ``python -m assistant ingest|ask|chat|purge`` (``ingest.py`` is ``ingest``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .errors import AssistantError
from .schema import Answer
from .settings import ENV_PREFIX, Settings, describe_fields, load_settings


def _settings_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help=f"TOML settings file (or {ENV_PREFIX}CONFIG)")
    parser.add_argument("--profile", help=f"profile in the settings file (or {ENV_PREFIX}PROFILE)")
    parser.add_argument("--corpus", dest="corpus_dir", help="corpus folder (default: corpus)")
    parser.add_argument("--data", dest="data_dir", help="data folder (default: data)")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        k: getattr(args, k) for k in ("corpus_dir", "data_dir") if getattr(args, k, None)
    }
    return load_settings(args.config, args.profile, **overrides)


def _settings_epilog() -> str:
    rows = "\n".join(
        f"  {env:<28} default {default}: {doc}" for env, default, doc in describe_fields()
    )
    return f"settings (environment variables, or the same names in lower case in --config):\n{rows}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Stalking Protection Order guidance assistant.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_settings_epilog(),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ingest_parser(commands.add_parser("ingest", help="index the corpus folder"))
    ask = commands.add_parser("ask", help="answer one question and print its sources")
    _settings_options(ask)
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.set_defaults(handler=run_ask)
    chat = commands.add_parser("chat", help="interactive conversation with follow-ups")
    _settings_options(chat)
    chat.set_defaults(handler=run_chat)
    check = commands.add_parser(
        "check-corpus",
        help="list statements in the notes that another paragraph contradicts (exit 1 if any)",
    )
    _settings_options(check)
    check.set_defaults(handler=run_check_corpus)
    purge_parser(
        commands.add_parser(
            "purge", help="delete stored feedback and conversations: expired, older, or all"
        )
    )
    return parser


_DATED = ("Edition", "Effective date")


def render_answer(answer: Answer) -> str:
    """Plain-text answer with its sources, as the terminal shows it."""
    lines = [f"note: {n}" for n in answer.notices]
    lines.append(answer.text)
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            known = dict(c.details)
            said = [f"{name.lower()} {known[name]}" for name in _DATED if name in known]
            if c.paragraphs and c.section:  # without a paragraph, the label names the section
                said.insert(0, c.section)
            lines.append(f"[{c.marker}] {c.label}" + (f" ({'; '.join(said)})" if said else ""))
            lines.append(f'    "{c.quote}"')
    return "\n".join(lines)


def run_ask(args: argparse.Namespace) -> int:
    from .answering import Assistant

    answer = Assistant(_settings(args)).ask(args.question)
    print(json.dumps(answer.to_json(), indent=1) if args.json else render_answer(answer))
    return 0


def run_check_corpus(args: argparse.Namespace) -> int:
    from .chunking import chunk_document
    from .consistency import find_conflicts
    from .embedding import get_embedder
    from .errors import LoadError
    from .loading import iter_corpus_files, load_document

    settings = _settings(args)
    chunks = []
    for path in iter_corpus_files(settings.corpus_dir):
        try:
            document = load_document(path, settings.corpus_dir)
        except LoadError as exc:
            print(f"skipped {exc}", file=sys.stderr)
            continue
        chunks += chunk_document(document, settings.chunk_max_tokens)
    embedder = get_embedder(settings)
    conflicts = find_conflicts(chunks, embedder.embed_cached, settings.glossary_doc_id)
    for conflict in conflicts:
        print(conflict.render())
    print(f"{len(conflicts)} possible contradiction(s) in {len(chunks)} paragraphs")
    return 1 if conflicts else 0


def run_chat(args: argparse.Namespace) -> int:
    from .answering import Assistant

    assistant = Assistant(_settings(args))
    history: list[str] = []
    print("Ask about Stalking Protection Orders. 'new' starts a new conversation; Ctrl-D quits.")
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            print()
            return 0
        if question.lower() == "new":
            history.clear()
            print("(new conversation)")
            continue
        if not question:
            continue
        answer = assistant.ask(question, history)
        history.append(answer.question)
        print(render_answer(answer))


def purge_parser(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Delete officers' stored text. With no option: what is older than SPO_RETENTION_DAYS "
        "(the app also does this on every use). Exit status: 0 done, 1 a store failed, "
        "2 bad usage or settings."
    )
    _settings_options(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--before", metavar="DATE", help="delete what was stored before DATE (YYYY-MM-DD, UTC)"
    )
    which.add_argument("--all", action="store_true", help="delete everything (needs --yes)")
    parser.add_argument("--yes", action="store_true", help="confirm --all")
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would go, delete nothing"
    )
    parser.set_defaults(handler=run_purge)


def run_purge(args: argparse.Namespace) -> int:
    from .conversations import ConversationStore
    from .feedback import FeedbackStore
    from .retention import Purgeable, cutoff, parse_before, utc_now

    settings = _settings(args)
    if args.all and not args.yes and not args.dry_run:
        print("error: --all deletes every stored record; add --yes to confirm", file=sys.stderr)
        return 2
    if args.before is not None:
        try:
            before: str | None = parse_before(args.before)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        scope = f"stored before {before}"
    elif args.all:
        before, scope = None, "of every age"
    else:
        before = cutoff(settings.retention_days, utc_now())
        if before is None:
            print("retention_days is 0 (keep until purged): nothing expires; use --before or --all")
            return 0
        scope = f"older than {settings.retention_days} days (stored before {before})"
    stores: list[Purgeable] = [
        FeedbackStore.from_settings(settings),
        ConversationStore.from_settings(settings),
    ]
    for store in stores:
        if args.dry_run:
            print(f"{store.what}: {store.count(before)} record(s) {scope} would be deleted")
        else:
            print(f"{store.what}: deleted {store.purge(before)} record(s) {scope}")
    return 0


def ingest_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(
        prog="ingest.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_settings_epilog(),
    )
    parser.description = (
        "Index the guidance notes in the corpus folder. Only changed documents are embedded; "
        "the new index is published atomically, so the previous one serves until it is ready. "
        "Exit status: 0 done, 1 some files failed under --strict, 2 bad usage or settings, "
        "3 the index could not be written."
    )
    _settings_options(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help="report what would change, write nothing"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 1) if any file cannot be loaded or lacks an effective date or edition",
    )
    parser.add_argument(
        "--force", action="store_true", help="publish a new version even if nothing changed"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run_ingest)
    return parser


def run_ingest(args: argparse.Namespace) -> int:
    from .indexing import ingest

    settings = _settings(args)
    bar = None
    progress = None
    if not args.quiet and not args.dry_run:
        from tqdm import tqdm

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit="chunk", desc="indexing", file=sys.stderr)
            bar.update(done - bar.n)

    try:
        report = ingest(
            settings, dry_run=args.dry_run, strict=args.strict, force=args.force, progress=progress
        )
    finally:
        if bar is not None:
            bar.close()
    print(json.dumps(report.to_json(), indent=1) if args.json else report.render())
    if report.published and not args.json:
        for line in _gold_to_review(settings):
            print(line)
    return 1 if (args.strict and (report.failures or report.incomplete)) else 0


def _gold_to_review(settings: Settings) -> list[str]:
    """Gold items whose expected paragraphs this ingest changed, for trainers to re-check."""
    from .evaluation import stale_gold_items

    if not settings.eval_questions.is_file():
        return []
    try:
        stale = stale_gold_items(settings, settings.eval_questions)
    except AssistantError as exc:
        return [f"  note      gold set not checked: {exc}"]
    return [
        f"  review    gold item {item} ({doc} para {para} {why})" for item, doc, para, why in stale
    ]


def main(argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except AssistantError as exc:
        from .errors import IndexError_, SettingsError

        print(f"error: {exc}", file=sys.stderr)
        if isinstance(exc, SettingsError):
            return 2
        return 3 if isinstance(exc, IndexError_) else 1
    except KeyboardInterrupt:
        return 130
