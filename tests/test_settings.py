"""Settings precedence (overrides > env > profile > file > defaults) and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REAL_CORPUS

from assistant.errors import SettingsError
from assistant.settings import Settings, load_settings
from assistant.store import open_snapshot


def test_defaults_and_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().chunk_max_tokens == 200
    monkeypatch.setenv("SPO_CHUNK_MAX_TOKENS", "150")
    monkeypatch.setenv("SPO_CHROMA_HOST", "10.0.0.5")
    settings = load_settings()
    assert settings.chunk_max_tokens == 150 and settings.server_mode
    assert load_settings(chunk_max_tokens=100).chunk_max_tokens == 100  # keyword wins


def test_config_file_and_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "spo.toml"
    config.write_text(
        'retrieve_k = 4\nchunk_max_tokens = 180\n\n[profiles.server]\nchroma_host = "db"\nretrieve_k = 9\n',
        encoding="utf-8",
    )
    base = load_settings(config)
    assert (base.retrieve_k, base.chunk_max_tokens, base.chroma_host) == (4, 180, None)
    server = load_settings(config, "server")
    assert (server.retrieve_k, server.chunk_max_tokens, server.chroma_host) == (9, 180, "db")
    monkeypatch.setenv("SPO_CONFIG", str(config))
    monkeypatch.setenv("SPO_PROFILE", "server")
    monkeypatch.setenv("SPO_RETRIEVE_K", "12")
    from_env = load_settings()
    assert (from_env.retrieve_k, from_env.chroma_host) == (12, "db")  # env beats the profile


@pytest.mark.parametrize(
    ("kwargs", "env", "needle"),
    [
        ({}, {"SPO_CHUNK_MAX_TOKENS": "5"}, "chunk_max_tokens"),
        ({}, {"SPO_KEEP_VERSIONS": "lots"}, "keep_versions"),
        ({"llm_backend": "openai"}, {}, "llm_model"),
        ({"collection_prefix": "bad prefix!"}, {}, "collection_prefix"),
        ({"no_such_setting": 1}, {}, "no_such_setting"),
    ],
)
def test_invalid_values_give_one_line_error(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, object], env: dict[str, str], needle: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(info.value) and needle in str(info.value)


def test_bad_config_file_and_missing_profile(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("retrieve_k = = 3\n", encoding="utf-8")
    for args in ((broken, None), (tmp_path / "missing.toml", None)):
        with pytest.raises(SettingsError) as info:
            load_settings(*args)
        assert "\n" not in str(info.value) and str(args[0]) in str(info.value)
    good = tmp_path / "good.toml"
    good.write_text("retrieve_k = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="no profile 'nope'"):
        load_settings(good, "nope")


def test_live_settings_fixture_serves_the_real_corpus(live_settings: Settings) -> None:
    assert live_settings.corpus_dir == REAL_CORPUS and REAL_CORPUS.is_absolute()
    snapshot = open_snapshot(live_settings)
    files = {p.name for p in REAL_CORPUS.iterdir() if not p.name.startswith((".", "_"))}
    assert {c.source_path for c in snapshot.chunks} == files
