"""Settings and wiring of the store and the envelope keys: read from the environment, a Secret file,
a log line when the key is per-process, and secrets never printed."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from curation.settings import Settings
from curation.store import MemoryStore, RedisStore
from curation.wiring import build_envelopes, build_runtime

SECRET = "s" * 32


def test_settings_read_the_store_and_signing_variables(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CURATION_STORE_MEMORY_BYTES": "1000",
            "CURATION_STORE_REDIS_BYTES": "2000",
            "CURATION_CACHE_SIGNING_KEYS": f"k1:{SECRET}",
            "CURATION_CACHE_SIGNING_KEYS_FILE": str(tmp_path / "keys"),
        }
    )
    assert (settings.store_memory_bytes, settings.store_redis_bytes) == (1000, 2000)
    assert settings.cache_signing_keys_file == str(tmp_path / "keys")
    assert SECRET not in repr(settings)


async def test_the_runtime_builds_the_configured_store() -> None:
    memory = build_runtime(Settings(store_memory_bytes=4096))
    assert isinstance(memory.store, MemoryStore) and memory.store.max_bytes == 4096
    assert memory.ops.store is memory.store
    await memory.close()
    redis = build_runtime(Settings(redis_url="redis://127.0.0.1:1/0", store_redis_bytes=8192))
    assert isinstance(redis.store, RedisStore) and redis.store.max_bytes == 8192
    await redis.close()


def test_signing_keys_from_a_file_and_the_per_process_key_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys = tmp_path / "keys"
    keys.write_text(f"new:{SECRET}\nold:{'o' * 32}\n")
    with caplog.at_level(logging.INFO, logger="curation.wiring"):
        envelopes = build_envelopes(Settings(cache_signing_keys_file=str(keys)))
    assert envelopes.keys.ids == ("new", "old") and envelopes.signing_key_id == "new"
    assert SECRET not in caplog.text and "random" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="curation.wiring"):
        ephemeral = build_envelopes(Settings())
    assert ephemeral.keys.ephemeral
    assert "random key of this process" in caplog.text
    with pytest.raises(ValueError, match="at least 16"):
        build_envelopes(Settings(cache_signing_keys="k1:short"))
    with pytest.raises(FileNotFoundError):
        build_envelopes(Settings(cache_signing_keys_file=str(tmp_path / "missing")))
