"""Continuation keys: only well-formed, random-looking 32-byte keys enter, by every path.

``continuation_keys = [32]`` used to become ``bytes(32)`` (32 zero bytes: anyone could forge or
read continuations, some of which carry a password). Every way a key enters is checked here:
``ContinuationKeys()``, a connector's config field, ``[settings]`` of a file, and ``connect()``.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import idpbridge
from idpbridge import ConfigurationError, ContinuationKeys
from idpbridge.continuation import Continuations
from idpbridge.registry import Registry


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


GOOD = secrets.token_bytes(32)

#: Keys that decode to 32 bytes but are not random: all zero, one value, few values, a period,
#: a ramp, a passphrase.
WEAK_RAW = {
    "zeros": bytes(32),
    "ones": b"\xff" * 32,
    "two-values": b"\x00\x01" * 16,
    "few-values": bytes(i % 12 for i in range(32)),
    "period-16": secrets.token_bytes(16) * 2,
    "period-8": secrets.token_bytes(8) * 4,
    "ramp": bytes(range(32)),
    "ramp-step-7": bytes((7 * i) % 256 for i in range(32)),
    "passphrase": b"correct horse battery staple!!!?",
}

#: Values that are not keys at all (the old code coerced ``32`` and ``[0] * 32`` to bytes).
NOT_KEYS: list[Any] = [
    32,
    0,
    True,
    3.5,
    None,
    [0] * 32,
    bytearray(GOOD),
    memoryview(GOOD),
    {"k": b64(GOOD)},
    GOOD[:31],
    GOOD + b"x",
    b64(GOOD)[:20] + "+/" + b64(GOOD)[22:],  # the standard alphabet, not base64url
    b64(GOOD)[:-1] + "!",
    " ".join(b64(GOOD)),
    b64(GOOD) + "==",  # over-padded
    b64(GOOD)[:42] + "B",  # non-canonical: spare bits set in the last character
]


def _error(fn: Any, *args: Any, **kwargs: Any) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        fn(*args, **kwargs)
    return caught.value


def _never_echoes(exc: ConfigurationError, *values: object) -> None:
    text = str(exc) + repr(exc) + str(exc.__cause__ or "") + str(exc.__context__ or "")
    for value in values:
        for form in (str(value), repr(value)):
            if len(form) >= 8:
                assert form not in text


# -- ContinuationKeys() ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", NOT_KEYS, ids=lambda k: type(k).__name__)
def test_not_a_key_is_refused(key: Any) -> None:
    exc = _error(ContinuationKeys, [key])
    assert exc.field == "continuation_keys"
    assert exc.code == "config.invalid"
    _never_echoes(exc, key)


@pytest.mark.parametrize("bad", [32, None, 3.5, iter([b64(GOOD)]), {b64(GOOD)}])
def test_not_a_key_list_is_refused(bad: Any) -> None:
    exc = _error(ContinuationKeys, bad)
    assert exc.field == "continuation_keys"


def test_the_zero_key_of_the_report_is_refused() -> None:
    """``ContinuationKeys([32])`` was 32 zero bytes; so were ``[bytes(32)]`` and its text."""
    for form in ([32], [bytes(32)], [b64(bytes(32))], [SecretStr(b64(bytes(32)))]):
        exc = _error(ContinuationKeys, form)
        assert exc.field == "continuation_keys"


@pytest.mark.parametrize("name", sorted(WEAK_RAW))
def test_low_entropy_keys_are_refused(name: str) -> None:
    raw = WEAK_RAW[name]
    assert len(raw) == 32
    for form in (raw, b64(raw), SecretStr(b64(raw))):
        exc = _error(ContinuationKeys, [form])
        assert exc.field == "continuation_keys"
        assert "random" in exc.message
        _never_echoes(exc, b64(raw), raw)


def test_a_weak_key_anywhere_in_the_set_is_refused() -> None:
    exc = _error(ContinuationKeys, [b64(GOOD), b64(bytes(32))])
    assert exc.field == "continuation_keys"


def test_good_keys_in_every_accepted_form() -> None:
    reference = Continuations(ContinuationKeys([GOOD]), connector="c")
    token, _ = reference.seal("oidc", {"x": 1}, ttl=60)
    for form in (GOOD, b64(GOOD), SecretStr(b64(GOOD)), b64(GOOD) + "=", f"  {b64(GOOD)}\n"):
        assert Continuations(ContinuationKeys([form]), connector="c").open(token).data == {"x": 1}
        assert Continuations(ContinuationKeys((form,)), connector="c").open(token).data == {"x": 1}
    # a single key (not in a list) is accepted too
    assert Continuations(ContinuationKeys(b64(GOOD)), connector="c").open(token).data == {"x": 1}


def test_generated_keys_always_pass() -> None:
    for _ in range(200):
        ContinuationKeys([ContinuationKeys.new_key()])
        ContinuationKeys.generate()


# -- a connector's config field ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [[32], 32, [b64(bytes(32))], [b64(WEAK_RAW["ramp"])], ["short"], [[0] * 32], [GOOD], b64(GOOD)],
    ids=["list-of-int", "int", "zero-key", "ramp-key", "short", "list-of-list", "raw-bytes", "bare-string"],
)
def test_config_field_refuses(registry: Registry, demo_fields: dict[str, Any], value: Any) -> None:
    cls = registry.get("demo")
    exc = _error(cls, {**demo_fields, "continuation_keys": value})
    assert exc.field == "continuation_keys"
    assert exc.connector == "demo"
    _never_echoes(exc, value)


def test_config_field_accepts_text(registry: Registry, demo_fields: dict[str, Any]) -> None:
    conn = registry.get("demo")({**demo_fields, "continuation_keys": [b64(GOOD)]})
    assert conn.continuations.open(conn.continuations.seal("oidc", {}, ttl=60)[0]).method == "oidc"


# -- connect(continuation_keys=...) -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [[32], 32, [bytes(32)], [b64(bytes(32))], [bytearray(GOOD)], "x" * 43],
    ids=["list-of-int", "int", "zero-bytes", "zero-key", "bytearray", "patterned-string"],
)
def test_connect_refuses(registry: Registry, demo_fields: dict[str, Any], value: Any) -> None:
    exc = _error(idpbridge.connect, "demo", registry=registry, continuation_keys=value, **demo_fields)
    assert exc.field == "continuation_keys"
    _never_echoes(exc, value)


def test_connect_accepts_raw_bytes_and_text(registry: Registry, demo_fields: dict[str, Any]) -> None:
    a = idpbridge.connect("demo", registry=registry, continuation_keys=[GOOD], **demo_fields)
    b = idpbridge.connect("demo", registry=registry, continuation_keys=[b64(GOOD)], **demo_fields)
    token, _ = a.continuations.seal("oidc", {}, ttl=60)
    assert b.continuations.open(token).method == "oidc"


# -- [settings] of a file ------------------------------------------------------------------------


def _file(tmp_path: Path, settings: str) -> Path:
    path = tmp_path / "idpbridge.toml"
    path.write_text(
        f"[settings]\n{settings}\n\n[connectors.d]\nprovider = 'demo'\ndomain = 'd.example'\n"
        "client_id = 'c'\nclient_secret = 's'\n"
    )
    return path


@pytest.mark.parametrize(
    "line",
    [
        "continuation_keys = [32]",
        "continuation_keys = 32",
        "continuation_keys = 5",
        "continuation_keys = [0, 0, 0]",
        f"continuation_keys = ['{b64(bytes(32))}']",
        f"continuation_keys = ['{b64(WEAK_RAW['period-16'])}']",
        f"continuation_keys = '{b64(GOOD)}'",
        "continuation_keys = [{ key = 'x' }]",
    ],
    ids=["list-of-int", "int", "int-5", "list-of-ints", "zero-key", "periodic-key", "bare-string", "table"],
)
def test_settings_refuse(tmp_path: Path, registry: Registry, line: str) -> None:
    exc = _error(idpbridge.load, _file(tmp_path, line), registry=registry)
    assert exc.field == "continuation_keys"
    assert "[settings]" in exc.message
    assert b64(GOOD) not in str(exc)


async def test_settings_accept_a_good_key(tmp_path: Path, registry: Registry) -> None:
    key = ContinuationKeys.new_key()
    async with idpbridge.load(
        _file(tmp_path, f"continuation_keys = ['{key}']\nstore = 'memory'"), registry=registry
    ) as c:
        token, _ = c["d"].continuations.seal("oidc", {}, ttl=60)
        assert Continuations(ContinuationKeys([key]), connector="d").open(token).method == "oidc"
