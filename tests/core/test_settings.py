"""``[settings]`` of a connectors file: validated like every other table, and ``store`` honoured.

``store = "redis://…"`` names the shared store every worker uses for replay markers and for the
discovery/JWKS cache; ``load()`` and the CLI build it from the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import idpbridge
from idpbridge import ConfigurationError, ContinuationKeys, FlowError, Method
from idpbridge.cli import _app, app
from idpbridge.config import Settings, build_settings
from idpbridge.redis_cache import RedisCache
from idpbridge.registry import Registry
from idpbridge.replay import MemoryReplayStore

CONNECTOR = (
    "\n[connectors.d]\nprovider = 'demo'\ndomain = 'd.example'\nclient_id = 'c'\nclient_secret = 's'\n"
)


def _file(tmp_path: Path, settings: str) -> Path:
    path = tmp_path / "idpbridge.toml"
    path.write_text(f"[settings]\n{settings}\n{CONNECTOR}")
    return path


def _load_error(tmp_path: Path, registry: Registry, settings: str) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        idpbridge.load(_file(tmp_path, settings), registry=registry, env={"PW": "hunter2-redis-pw"})
    return caught.value


def test_settings_model_is_frozen_and_strict() -> None:
    settings = build_settings({})
    assert settings == Settings()
    assert settings.store is None
    assert settings.continuation_keys == ()
    with pytest.raises(Exception):  # noqa: B017, PT011 - pydantic's frozen-instance error
        settings.store = "redis://x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("continuation_keys = 5", "continuation_keys"),  # was a raw TypeError
        ("continuation_key = []", "continuation_key"),
        ("colour = 'blue'", "colour"),
        ("store = 'http://127.0.0.1:6379'", "store"),
        ("store = 5", "store"),
        ("store = ''", "store"),
        ("store = 'redis://:${PW}@127.0.0.1:6379/0'\nstore_prefix = ''", "store_prefix"),
        ("store_prefix = 'x:'", "store_prefix"),  # a prefix without a store
    ],
)
def test_bad_settings_are_typed_errors(tmp_path: Path, registry: Registry, line: str, field: str) -> None:
    exc = _load_error(tmp_path, registry, line)
    assert exc.field == field
    assert exc.code == "config.invalid"
    assert exc.connector is None
    assert str(exc).startswith("[settings]: invalid configuration")
    assert "hunter2" not in str(exc)


def test_store_url_is_a_secret() -> None:
    settings = build_settings({"store": "redis://:hunter2-redis-pw@127.0.0.1:6379/0"})
    assert "hunter2" not in repr(settings) + str(settings)
    assert settings.store_url == "redis://:hunter2-redis-pw@127.0.0.1:6379/0"
    assert build_settings({"store": "memory"}).store_url is None


def test_store_url_password_is_never_echoed(tmp_path: Path, registry: Registry) -> None:
    exc = _load_error(tmp_path, registry, "store = 'redis://:${PW}@127.0.0.1:6379/0 junk'")
    assert exc.field == "store"
    assert "hunter2" not in str(exc) + repr(exc)


async def test_store_memory_is_an_explicit_single_worker_choice(tmp_path: Path, registry: Registry) -> None:
    key = ContinuationKeys.new_key()
    async with idpbridge.load(
        _file(tmp_path, f"continuation_keys = ['{key}']\nstore = 'memory'"), registry=registry
    ) as connectors:
        conn = connectors["d"]
        assert isinstance(conn.replay_store, MemoryReplayStore)
        assert (await conn.check()).ok


@pytest.mark.peer("redis")
async def test_load_honours_a_shared_store(tmp_path: Path, registry: Registry, redis_url: str) -> None:
    """Two ``load()`` of one file are two workers: a step used on one is refused on the other."""
    key = ContinuationKeys.new_key()
    path = _file(tmp_path, f"continuation_keys = ['{key}']\nstore = '{redis_url}'\nstore_prefix = 'ts1:'")
    async with idpbridge.load(path, registry=registry) as w1, idpbridge.load(path, registry=registry) as w2:
        a, b = w1["d"], w2["d"]
        assert isinstance(a.cache, RedisCache)
        token, _ = a.seal(Method.OIDC, {})
        await a.consume_continuation(a.continuations.open(token))
        with pytest.raises(FlowError) as caught:
            await b.consume_continuation(b.continuations.open(token))
        assert caught.value.code == "flow.reused"
        await a.cache.set("shared", b"1", 30)
        assert await b.cache.get("shared") == b"1"
        report = await a.check()
        assert report.ok, report.as_dict()
        assert [r.name for r in report.results] == ["configuration", "replay_store"]


@pytest.mark.peer("redis")
async def test_check_reports_an_unreachable_store(tmp_path: Path, registry: Registry) -> None:
    from tests.peers._proc import free_port

    key = ContinuationKeys.new_key()
    path = _file(
        tmp_path, f"continuation_keys = ['{key}']\nstore = 'redis://:${{PW}}@127.0.0.1:{free_port()}/0'"
    )
    async with idpbridge.load(path, registry=registry, env={"PW": "hunter2-redis-pw"}) as connectors:
        report = await connectors["d"].check()
    assert not report.ok
    [probe] = [r for r in report.results if r.name == "replay_store"]
    assert not probe.ok
    assert "hunter2" not in json.dumps(report.as_dict())


@pytest.mark.peer("redis")
def test_cli_check_uses_the_files_store(
    tmp_path: Path, registry: Registry, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_app, "default_registry", lambda: registry)
    from idpbridge import _api

    monkeypatch.setattr(_api, "default_registry", lambda: registry)
    key = ContinuationKeys.new_key()
    shared = _file(tmp_path, f"continuation_keys = ['{key}']\nstore = '{redis_url}'")
    result = CliRunner().invoke(app, ["check", "d", "--config", str(shared), "--json"])
    assert result.exit_code == 0, result.output
    names = {r["name"]: r["ok"] for r in json.loads(result.stdout)["results"]}
    assert names == {"configuration": True, "replay_store": True}

    alone = tmp_path / "alone.toml"
    alone.write_text(f"[settings]\ncontinuation_keys = ['{key}']\n{CONNECTOR}")
    result = CliRunner().invoke(app, ["check", "d", "--config", str(alone), "--json"])
    assert result.exit_code == 1, result.output
    [probe] = [r for r in json.loads(result.stdout)["results"] if r["name"] == "replay_store"]
    assert "store" in probe["detail"]


def test_explicit_arguments_win_over_the_file(tmp_path: Path, registry: Registry) -> None:
    store = MemoryReplayStore()
    key = ContinuationKeys.new_key()
    path = _file(tmp_path, f"continuation_keys = ['{key}']\nstore = 'redis://127.0.0.1:1/0'")
    connectors: Any = idpbridge.load(path, registry=registry, replay_store=store)
    assert connectors["d"].replay_store is store
    assert isinstance(connectors["d"].cache, RedisCache)  # cache not given: the file's store
