"""Sealed continuation tokens: multi-step flow state that survives between HTTP requests.

A continuation is AES-256-GCM encrypted and authenticated JSON, so the caller can hand it to
the browser, a queue or another worker and get it back unchanged — or get a
:class:`~idpbridge.FlowError`. It is versioned, bound to a connector instance and a method,
carries its own expiry, and can be opened with any key of a rotating key set (new tokens are
sealed with the first key).

Wire format: ``v1.`` + base64url(``kid`` (4 bytes) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from .errors import ConfigurationError, FlowError

__all__ = ["Continuation", "ContinuationKeys", "Continuations"]

log = logging.getLogger("idpbridge")

_PREFIX = "v1."
_AAD = b"idpbridge.continuation.v1"
_KID_LEN = 4
_NONCE_LEN = 12
#: Sealed tokens stay well under the 4 KB a cookie or a form field comfortably carries.
MAX_TOKEN_SIZE = 3584
_MAX_INPUT = 8192

Clock = Callable[[], float]
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def _b64d(text: str) -> bytes:
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_KEY_TEXT = re.compile(r"[A-Za-z0-9_-]{43}=?")
_KEY_HELP = "generate one with `python -c 'import idpbridge; print(idpbridge.ContinuationKeys.new_key())'`"


def _key_error(problem: str) -> ConfigurationError:
    # Never the value: a key is a secret, and so may be whatever was passed instead of one.
    return ConfigurationError(f"{problem}; {_KEY_HELP}", field="continuation_keys")


def weak_key_reason(raw: bytes) -> str | None:
    """Why 32 key bytes do not look random, or ``None``.

    A key from a CSPRNG fails one of these with a probability below 1e-12: fewer than 16
    distinct byte values; a repeated pattern (period of 16 bytes or less); fewer than 8
    distinct steps between neighbouring bytes (ramps such as ``bytes(range(32))``); all
    printable ASCII (a passphrase or a text key used as raw bytes).
    """
    if len(set(raw)) < 16:
        return "too few distinct byte values"
    if any(raw[p:] == raw[:-p] for p in range(1, 17)):
        return "a repeated pattern"
    if len({(b - a) % 256 for a, b in itertools.pairwise(raw)}) < 8:
        return "a regular sequence"
    if all(0x20 <= b < 0x7F for b in raw):
        return "printable text, not random bytes"
    return None


def _coerce_key(key: object) -> bytes:
    if isinstance(key, SecretStr):
        key = key.get_secret_value()
    if isinstance(key, str):
        text = key.strip()
        if not _KEY_TEXT.fullmatch(text):
            raise _key_error("a continuation key must be 32 random bytes, base64url-encoded (43 characters)")
        raw = _b64d(text.rstrip("="))
        if _b64e(raw) != text.rstrip("="):  # spare bits set: not the canonical encoding of a key
            raise _key_error("a continuation key must be 32 random bytes, base64url-encoded (43 characters)")
    elif type(key) is bytes:
        raw = key
    else:  # never coerce: bytes(32) is 32 zero bytes, bytes([..]) whatever a list holds
        raise _key_error(
            "a continuation key must be base64url text (or, in Python, exactly 32 bytes); "
            f"got {type(key).__name__}"
        )
    if len(raw) != 32:
        raise _key_error("a continuation key must be exactly 32 bytes (AES-256)")
    reason = weak_key_reason(raw)
    if reason is not None:
        raise _key_error(f"a continuation key must be 32 random bytes; this one is {reason}")
    return raw


class ContinuationKeys:
    """An ordered set of AES-256 keys: seal with the first, open with any.

    Keys are base64url text (``ContinuationKeys.new_key()`` makes one), a ``SecretStr`` of it, or
    exactly 32 random ``bytes``; pass a list (or one key). Anything else — numbers, lists of
    numbers, ``bytearray``, all-zero or patterned keys — is a
    :class:`~idpbridge.ConfigurationError` (``field="continuation_keys"``) that never shows the
    value. To rotate, put the new key first and keep the old one until the longest flow has
    expired.
    """

    __slots__ = ("_ephemeral", "_keys")

    def __init__(self, keys: Sequence[bytes | str | SecretStr] | bytes | str | SecretStr) -> None:
        if isinstance(keys, bytes | str | SecretStr):
            keys = [keys]
        if not isinstance(keys, list | tuple):
            raise _key_error(f"continuation keys must be a list of keys; got {type(keys).__name__}")
        if not keys:
            raise ConfigurationError("at least one continuation key is required", field="continuation_keys")
        self._keys: tuple[tuple[bytes, AESGCM], ...] = tuple(
            (hashlib.sha256(k).digest()[:_KID_LEN], AESGCM(k)) for k in map(_coerce_key, keys)
        )
        self._ephemeral = False

    @staticmethod
    def new_key() -> str:
        """Generate a new random key as base64url text (for configuration files)."""
        while True:  # a CSPRNG key fails weak_key_reason() with a probability below 1e-12
            raw = secrets.token_bytes(32)
            if weak_key_reason(raw) is None:
                return _b64e(raw)

    @classmethod
    def generate(cls) -> ContinuationKeys:
        """A set with one fresh random key that only this process knows (see :attr:`ephemeral`)."""
        keys = cls([new_raw_key()])
        keys._ephemeral = True
        return keys

    @property
    def ephemeral(self) -> bool:
        """Whether the keys were generated by this process (no other worker can hold them).

        Flows sealed with them resume only here, so an in-process replay store suffices.
        """
        return self._ephemeral

    @property
    def primary(self) -> tuple[bytes, AESGCM]:
        """The ``(kid, cipher)`` new tokens are sealed with."""
        return self._keys[0]

    def find(self, kid: bytes) -> AESGCM | None:
        """The cipher for a key id, or ``None``."""
        for k, aead in self._keys:
            if secrets.compare_digest(k, kid):
                return aead
        return None

    def __repr__(self) -> str:
        return f"ContinuationKeys(<{len(self._keys)} keys>)"


def new_raw_key() -> bytes:
    """32 random bytes that pass :func:`weak_key_reason`."""
    return _b64d(ContinuationKeys.new_key())


_process_keys: ContinuationKeys | None = None
_process_lock = threading.Lock()


def process_keys() -> ContinuationKeys:
    """The ephemeral per-process key set used when none is configured.

    Nothing is logged here: a connector that never starts a multi-step flow (a single-step
    password login, a ``check``) never needs a key. The first continuation sealed with an
    ephemeral key set warns once per process (see :meth:`Continuations.seal`).
    """
    global _process_keys  # noqa: PLW0603 - one ephemeral key set per process, by design
    with _process_lock:
        if _process_keys is None:
            _process_keys = ContinuationKeys.generate()
        return _process_keys


_warned_ephemeral = threading.Event()


def _warn_ephemeral_once() -> None:
    """Log, once per process, that a multi-step flow started without configured keys."""
    with _process_lock:
        if _warned_ephemeral.is_set():
            return
        _warned_ephemeral.set()
    log.warning(
        "idpbridge: no continuation keys configured; using an ephemeral per-process key. "
        "Multi-step flows will not resume on another worker or after a restart. "
        "Set continuation_keys (see ContinuationKeys.new_key())."
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Continuation:
    """An opened continuation: the state a connector sealed, verified and unexpired."""

    connector: str
    method: str
    issued_at: float
    expires_at: float
    id: str
    data: Mapping[str, Any]

    def __repr__(self) -> str:
        return (
            f"Continuation(connector={self.connector!r}, method={self.method!r}, "
            f"id={self.id!r}, data=<{len(self.data)} fields>)"
        )


class Continuations:
    """Seals and opens continuations for one connector instance."""

    __slots__ = ("_clock", "_connector", "_keys")

    def __init__(self, keys: ContinuationKeys, *, connector: str, clock: Clock = time.time) -> None:
        self._keys = keys
        self._connector = connector
        self._clock = clock

    def seal(self, method: str, data: Mapping[str, Any], *, ttl: float) -> tuple[str, dt.datetime]:
        """Seal ``data`` for ``method``; return the token and when it expires.

        The first seal with the per-process key set (no keys configured, :func:`process_keys`)
        logs a one-time warning.
        """
        if self._keys is _process_keys:
            _warn_ephemeral_once()
        now = self._clock()
        exp = now + ttl
        payload = {
            "c": self._connector,
            "m": str(method),
            "iat": int(now),
            "exp": int(exp),
            "jti": _b64e(secrets.token_bytes(12)),
            "d": dict(data),
        }
        plaintext = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        kid, aead = self._keys.primary
        nonce = os.urandom(_NONCE_LEN)
        token = _PREFIX + _b64e(kid + nonce + aead.encrypt(nonce, plaintext, _AAD))
        if len(token) > MAX_TOKEN_SIZE:
            raise FlowError("continuation state too large to seal", code="flow.too_large")
        return token, dt.datetime.fromtimestamp(int(exp), tz=dt.UTC)

    def open(self, token: str | SecretStr, *, method: str | Sequence[str] | None = None) -> Continuation:
        """Open and check a continuation.

        Raises :class:`~idpbridge.FlowError` for anything but a valid, unexpired token sealed for
        this connector (and for ``method``, when given).
        """
        if isinstance(token, SecretStr):
            token = token.get_secret_value()
        if not isinstance(token, str) or len(token) > _MAX_INPUT or not token.startswith(_PREFIX):
            raise FlowError("continuation is malformed", code="flow.malformed")
        body = token[len(_PREFIX) :]
        # Strict and canonical: the stdlib decoder skips stray characters and ignores spare
        # bits, which would let many strings open as the same token.
        if not _B64URL.fullmatch(body):
            raise FlowError("continuation is malformed", code="flow.malformed")
        try:
            raw = _b64d(body)
        except (binascii.Error, ValueError) as exc:
            raise FlowError("continuation is malformed", code="flow.malformed") from exc
        if _b64e(raw) != body:
            raise FlowError("continuation is malformed", code="flow.malformed")
        if len(raw) < _KID_LEN + _NONCE_LEN + 16:
            raise FlowError("continuation is malformed", code="flow.malformed")
        kid, nonce, sealed = (
            raw[:_KID_LEN],
            raw[_KID_LEN : _KID_LEN + _NONCE_LEN],
            raw[_KID_LEN + _NONCE_LEN :],
        )
        aead = self._keys.find(kid)
        if aead is None:
            raise FlowError("continuation was sealed with an unknown key", code="flow.unknown_key")
        try:
            plaintext = aead.decrypt(nonce, sealed, _AAD)
        except InvalidTag as exc:
            raise FlowError("continuation was tampered with", code="flow.tampered") from exc
        try:
            payload = json.loads(plaintext)
            connector, m = payload["c"], payload["m"]
            iat, exp, jti, data = payload["iat"], payload["exp"], payload["jti"], payload["d"]
            if not (
                isinstance(connector, str)
                and isinstance(m, str)
                and isinstance(data, dict)
                and isinstance(iat, int)
                and isinstance(exp, int)
                and isinstance(jti, str)
            ):
                raise TypeError
        except (ValueError, KeyError, TypeError) as exc:  # pragma: no cover - needs a valid tag
            raise FlowError("continuation is malformed", code="flow.malformed") from exc
        if connector != self._connector:
            raise FlowError("continuation belongs to another connector", code="flow.wrong_connector")
        if method is not None:
            allowed = {method} if isinstance(method, str) else set(method)
            if m not in allowed:
                raise FlowError("continuation belongs to another method", code="flow.wrong_method")
        if self._clock() >= exp:
            raise FlowError("continuation has expired", code="flow.expired")
        return Continuation(
            connector=connector, method=m, issued_at=iat, expires_at=exp, id=jti, data=MappingProxyType(data)
        )
