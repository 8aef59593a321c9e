"""One typed settings object for every stage, read from the environment and an optional file.

Precedence, highest first: keyword overrides passed to :func:`load_settings`, environment
variables prefixed ``SPO_`` (``SPO_CHUNK_MAX_TOKENS=200``), the selected profile of the TOML
config file, the file's top level, then the defaults below.  The config file is named by
``SPO_CONFIG`` or the ``config_file`` argument; a profile (``[profiles.server]``) by
``SPO_PROFILE`` or the ``profile`` argument, so one file can hold a laptop and a server setup.
"""

from __future__ import annotations

import contextvars
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from .errors import SettingsError

ENV_PREFIX = "SPO_"

_file_choice: contextvars.ContextVar[tuple[str | None, str | None]] = contextvars.ContextVar(
    "spo_settings_file", default=(None, None)
)


class Settings(BaseSettings):
    """Every tunable of the assistant; each field is documented because it is the manual."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    # --- where things live ---
    corpus_dir: Path = Field(Path("corpus"), description="Folder of guidance notes to ingest.")
    data_dir: Path = Field(
        Path("data"),
        description="Folder for index versions, the embedding cache and the publish pointer.",
    )

    # --- vector store ---
    chroma_host: str | None = Field(
        None, description="Chroma server host; unset means embedded Chroma on disk in data_dir."
    )
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port.")
    collection_prefix: str = Field(
        "spo",
        pattern=r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,40}$",
        description=(
            "Prefix of the Chroma collection names: two per index version, its paragraphs "
            "and the questions written beside them."
        ),
    )
    keep_versions: int = Field(
        2, ge=2, le=20, description="Published versions kept; readers may still hold the previous."
    )

    # --- embeddings and chunking ---
    embedding_model: str | None = Field(
        None,
        description="Path of a sentence-transformers model; unset uses the bundled all-MiniLM-L6-v2.",
    )
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Chunks embedded per batch.")
    chunk_max_tokens: int = Field(
        200,
        ge=32,
        le=512,
        description="Most word-piece tokens in one chunk, title prefix included "
        "(the bundled model reads at most 256).",
    )

    # --- loading ---
    ocr: bool = Field(
        True,
        description="Read image-only PDF pages with Tesseract OCR; off reports such a file as "
        "'scanned: needs OCR'.",
    )
    ocr_language: str = Field(
        "eng",
        pattern=r"^[a-z_]{3,20}(\+[a-z_]{3,20})*$",
        description="Tesseract language(s) for OCR, e.g. 'eng' or 'eng+cym' "
        "(each needs its tesseract-ocr-LANG package).",
    )
    ocr_dpi: int = Field(
        300, ge=100, le=600, description="Resolution at which scanned pages are rendered for OCR."
    )

    # --- retrieval ---
    retrieve_k: int = Field(6, ge=1, le=50, description="Passages returned to the answerer.")
    candidate_k: int = Field(
        30, ge=1, le=500, description="Candidates taken from each of BM25 and dense search."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    search_ef: int = Field(
        2000,
        ge=10,
        le=5000,
        description=(
            "Candidates the vector index examines per search, fixed when a version is built. "
            "The collections hold about two thousand entries, so a search this wide reads "
            "nearly all of them and is exact; at Chroma's default of 100 a question's "
            "closest written question was missed in some processes and found in others, "
            "and at 500 one search in about forty missed its 20th-nearest paragraph."
        ),
    )
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion.")
    bm25_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion.")
    ask_weight: float = Field(
        1.0,
        ge=0,
        description="Weight in fusion of the ranking by the questions each paragraph answers "
        "(written beside the paragraph in the notes).",
    )
    glossary_doc_id: str = Field(
        "glossary",
        description="doc_id of the glossary whose 'TERM — Expansion.' entries expand queries.",
    )
    context_passages: int = Field(
        2,
        ge=0,
        le=10,
        description="Best passages whose sibling paragraphs (same section) are offered to the "
        "answerer, because one fact often spans a section.",
    )
    scope_doc_id: str = Field(
        "scope-and-limits",
        description="doc_id of the note stating what the guidance does not cover; "
        "a question best answered by it is refused with that note cited.",
    )
    audience_weight: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Factor on the fused scores of paragraphs written only for roles other "
        "than the reader's, so the reader's own guidance is quoted first.",
    )
    history_turns: int = Field(
        2, ge=0, le=10, description="Earlier user turns folded into a follow-up's query."
    )

    # --- answering ---
    answer_max_sentences: int = Field(
        4, ge=1, le=20, description="Most quotes in an extractive answer."
    )
    answer_max_words: int = Field(
        105,
        ge=10,
        le=1000,
        description="Most words in an extractive answer; quotes after the first are added only "
        "while they fit, so answers stay short enough to read on a phone.",
    )
    refusal_threshold: float = Field(
        0.33,
        ge=-1,
        le=1,
        description="Least cosine similarity between the question and its best passage "
        "for the assistant to answer rather than refuse (calibrated on the gold set).",
    )
    max_question_chars: int = Field(
        2000, ge=100, le=100_000, description="Longer questions are cut to this many characters."
    )

    # --- optional generative mode ---
    llm_backend: Literal["none", "ollama", "openai", "gguf"] = Field(
        "none", description="Generative backend; 'none' answers extractively with no LLM."
    )
    llm_model: str = Field("", description="Model name for ollama/openai backends.")
    llm_base_url: str | None = Field(None, description="Server URL for ollama/openai backends.")
    llm_api_key: str | None = Field(None, description="API key for an OpenAI-compatible server.")
    llm_gguf_path: Path | None = Field(None, description="GGUF file for the 'gguf' backend.")
    llm_max_tokens: int = Field(256, ge=16, le=4096, description="Most tokens the LLM may write.")
    support_threshold: float = Field(
        0.73,
        ge=0,
        le=1,
        description="Least support score for a generated sentence to stand unflagged.",
    )

    # --- evaluation ---
    eval_questions: Path = Field(
        Path("eval/questions.jsonl"), description="Gold question set used by evaluation."
    )
    eval_runs: Path = Field(
        Path("eval/runs"), description="Folder where evaluation runs write their reports."
    )
    eval_thresholds: Path = Field(
        Path("eval/thresholds.json"),
        description="Quality floors and ceilings: the test gate checks them and the Quality "
        "page draws them on its charts.",
    )

    # --- feedback and conversations ---
    feedback_db: Path = Field(
        Path("data/feedback.sqlite"), description="SQLite file holding officers' feedback."
    )
    feedback_url: str | None = Field(
        None,
        pattern=r"^postgres(ql)?://",
        description="PostgreSQL URL of a feedback database shared by several app replicas "
        "(postgresql://user@host:5432/db); unset uses the SQLite file feedback_db.",
    )
    conversations_db: Path | None = Field(
        None,
        description="SQLite file keeping conversations so that a reload brings them back; "
        "unset keeps it in data_dir as conversations.sqlite.",
    )
    retention_days: int = Field(
        30,
        ge=0,
        le=3650,
        description="Days that officers' feedback and stored conversations are kept before "
        "they expire; 0 keeps them until a maintainer purges them.",
    )

    @model_validator(mode="after")
    def _llm_needs_model(self) -> Settings:
        if self.llm_backend in ("ollama", "openai") and not self.llm_model:
            raise ValueError(f"llm_backend={self.llm_backend} needs llm_model")
        if self.llm_backend == "gguf" and self.llm_gguf_path is None:
            raise ValueError("llm_backend=gguf needs llm_gguf_path")
        return self

    @property
    def server_mode(self) -> bool:
        return self.chroma_host is not None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlProfileSource(settings_cls))


class _TomlProfileSource(PydanticBaseSettingsSource):
    """Reads the optional TOML file, with the chosen profile layered over its top level."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        chosen_file, chosen_profile = _file_choice.get()
        file = chosen_file or os.environ.get(f"{ENV_PREFIX}CONFIG")
        profile = chosen_profile or os.environ.get(f"{ENV_PREFIX}PROFILE")
        if not file:
            if profile:
                raise SettingsError(f"profile {profile!r} chosen but no config file given")
            return {}
        try:
            data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"config file {file}: {exc}") from exc
        profiles = data.pop("profiles", {})
        if profile:
            if profile not in profiles:
                raise SettingsError(f"config file {file}: no profile {profile!r}")
            data.update(profiles[profile])
        return data


def load_settings(
    config_file: str | Path | None = None, profile: str | None = None, **overrides: Any
) -> Settings:
    """Build :class:`Settings`; every invalid value becomes one :class:`SettingsError` line."""
    token = _file_choice.set((str(config_file) if config_file else None, profile))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
    finally:
        _file_choice.reset(token)


def describe_fields() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every field, for --help and the docs."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "unset" if default is None else str(default)
        rows.append((f"{ENV_PREFIX}{name.upper()}", shown, field.description or ""))
    return rows
