"""JSON Web Key Sets: fetch, cache, select a verification key.

:class:`JWKSManager` keeps one parsed key index per ``jwks_uri`` (never a merged key ring, so a
key of provider B can never verify a token for provider A). Key sets are cached like discovery
documents (see :mod:`._cached`). Unusable entries — encryption keys, unknown ``kty``, curves we
do not verify with, RSA keys under 2048 bits, entries with private key material, malformed
members — are skipped, never fatal. An unknown ``kid`` triggers one refetch per ``jwks_uri``
per cooldown window (joined by concurrent callers; coordinated across workers through the
cache backend), and the last good set survives a failed refetch.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry

from .. import _otel
from ..cache import Cache
from ..errors import MalformedResponse, TokenValidationError
from ..http import HttpClient, redact_url
from ._cached import CachedFetcher, Entry

__all__ = ["JWKSManager", "VerificationKey", "parse_jwks"]

log = logging.getLogger("idpbridge.oidc.jwks")

#: A public key joserfc can verify with.
VerificationKey = RSAKey | ECKey | OKPKey

_PUBLIC_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "RSA": ("n", "e"),
    "EC": ("crv", "x", "y"),
    "OKP": ("crv", "x"),
}
_KEY_CLASSES: Mapping[str, type[RSAKey] | type[ECKey] | type[OKPKey]] = {
    "RSA": RSAKey,
    "EC": ECKey,
    "OKP": OKPKey,
}
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_CURVES = {"EC": frozenset({"P-256", "P-384", "P-521"}), "OKP": frozenset({"Ed25519", "Ed448"})}
_MIN_RSA_BITS = 2048


@dataclass(frozen=True, slots=True)
class _Candidate:
    kid: str | None
    key: VerificationKey


@dataclass(slots=True)
class _Index:
    entry: Entry
    keys: tuple[_Candidate, ...]
    memo: dict[tuple[str | None, str], VerificationKey] = field(default_factory=dict)

    def select(self, kid: str | None, alg: str) -> VerificationKey | None:
        """The one key for (kid, alg); None when there is none. Ambiguity raises."""
        memo_key = (kid, alg)
        hit = self.memo.get(memo_key)
        if hit is not None:
            return hit
        model = JWSRegistry.algorithms.get(alg)
        found: list[VerificationKey] = []
        if model is not None and getattr(model, "key_type", None) in _KEY_CLASSES:
            for cand in self.keys:
                if kid is not None and cand.kid != kid:
                    continue
                try:
                    model.check_key(cand.key)  # use=sig, kty, JWK alg == alg, curve
                except JoseError:
                    continue
                found.append(cand.key)
        if len(found) > 1:
            # RFC 7517 §4.5 / o4w: never let "first one wins" pick between different keys.
            raise TokenValidationError(
                "more than one key in the key set matches the token; refusing to guess",
                code="token.key_not_found",
            )
        if not found:
            return None  # misses are not memoized: random kids must not grow memory
        self.memo[memo_key] = found[0]
        return found[0]


def _import(jwk: object) -> _Candidate | None:
    if not isinstance(jwk, dict):
        return None
    kty, kid, use, alg, ops = (jwk.get(k) for k in ("kty", "kid", "use", "alg", "key_ops"))
    if not isinstance(kty, str) or kty not in _KEY_CLASSES or (kid is not None and not isinstance(kid, str)):
        return None
    if use is not None and use != "sig":
        return None  # encryption keys (and anything odd) are not for verifying signatures
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return None
    if alg is not None and not isinstance(alg, str):
        return None
    if _PRIVATE_MEMBERS.intersection(jwk):
        log.error("key set publishes private key material (kid %r); key refused", str(kid)[:40])
        return None
    crv = jwk.get("crv")
    if kty in _CURVES and crv not in _CURVES[kty]:
        return None
    public: dict[str, Any] = {"kty": kty, **{m: jwk.get(m) for m in _PUBLIC_MEMBERS[kty]}}
    if not all(isinstance(v, str) for v in public.values()):
        return None
    for name, value in (("kid", kid), ("use", use), ("alg", alg)):
        if value is not None:
            public[name] = value
    if ops is not None:
        public["key_ops"] = ops
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)  # weak keys are refused below
            key = _KEY_CLASSES[kty].import_key(public)
        key.public_key  # noqa: B018 - force the cryptography object (validates the point/modulus)
    except Exception:  # malformed base64, off-curve point, bad exponent, …: skip the entry
        return None
    if isinstance(key, RSAKey) and key.public_key.key_size < _MIN_RSA_BITS:
        return None
    return _Candidate(kid, key)


def parse_jwks(doc: Mapping[str, Any]) -> tuple[_Candidate, ...]:
    """The usable signing keys of a JWKS document (unusable entries skipped).

    Raises :class:`~idpbridge.MalformedResponse` when ``keys`` is not an array.
    """
    keys = doc.get("keys")
    if not isinstance(keys, list):
        raise MalformedResponse("key set has no 'keys' array", code="provider.jwks")
    found = [c for c in map(_import, keys[:200]) if c is not None]
    return tuple(found)


def _check_shape(doc: dict[str, Any]) -> None:
    if not isinstance(doc.get("keys"), list):
        raise MalformedResponse("key set has no 'keys' array", code="provider.jwks")


class JWKSManager:
    """Per-``jwks_uri`` key sets with caching, single-flight and rate-limited refetch."""

    def __init__(
        self,
        http: HttpClient,
        cache: Cache,
        *,
        clock: Callable[[], float] = time.time,
        refetch_cooldown: float = 30.0,
        min_ttl: float = 300,
        max_ttl: float = 86400,
        default_ttl: float = 3600,
        stale_ttl: float = 86400,
    ) -> None:
        self._clock = clock
        self.refetch_cooldown = refetch_cooldown
        self._fetcher = CachedFetcher(
            http,
            cache,
            namespace="idpbridge:oidc:jwks:",
            clock=clock,
            min_ttl=min_ttl,
            max_ttl=max_ttl,
            default_ttl=default_ttl,
            stale_ttl=stale_ttl,
            validate=_check_shape,
        )
        self._indexes: dict[str, _Index] = {}
        self._last_refetch: dict[str, float] = {}

    def _index(self, uri: str, entry: Entry) -> _Index:
        index = self._indexes.get(uri)
        if index is None or index.entry is not entry:
            index = _Index(entry, parse_jwks(entry.doc))
            self._indexes[uri] = index
        return index

    async def signing_keys(self, jwks_uri: str, *, algorithms: Iterable[str]) -> list[tuple[str | None, str]]:
        """``(kid, alg)`` for every key in the set usable with one of ``algorithms`` (for ``check()``).

        Fetches the set like :meth:`get_key` does; raises ProviderError when it cannot.
        """
        entry = await self._fetcher.get(jwks_uri)
        index = self._index(jwks_uri, entry)
        usable: list[tuple[str | None, str]] = []
        for alg in sorted(set(algorithms)):
            model = JWSRegistry.algorithms.get(alg)
            if model is None or getattr(model, "key_type", None) not in _KEY_CLASSES:
                continue
            for cand in index.keys:
                try:
                    model.check_key(cand.key)
                except JoseError:
                    continue
                usable.append((cand.kid, alg))
        return usable

    def cached_key(self, jwks_uri: str, *, kid: str | None, alg: str) -> VerificationKey | None:
        """The key from a fresh in-process index, without I/O; ``None`` means "call get_key"."""
        index = self._indexes.get(jwks_uri)
        if index is None or self._clock() >= index.entry.fresh_until:
            return None
        if self._fetcher.local(jwks_uri) is not index.entry:
            return None
        key = index.memo.get((kid, alg))
        if key is not None and _otel.STATE is not None:
            _otel.cache_lookup("jwks", "hit")
        return key

    async def get_key(self, jwks_uri: str, *, kid: str | None, alg: str) -> VerificationKey:
        """The verification key for a token with header ``kid`` and ``alg``.

        Raises :class:`~idpbridge.TokenValidationError` (``token.key_not_found``) when no single
        usable key matches, even after the allowed refetch; a
        :class:`~idpbridge.ProviderError` when no key set could ever be fetched.
        """
        entry = await self._fetcher.get(jwks_uri)
        index = self._indexes.get(jwks_uri)
        if index is None or index.entry is not entry:
            index = self._index(jwks_uri, entry)
        key = index.select(kid, alg)
        if key is not None:
            return key
        return await self._refetch_and_select(jwks_uri, index, kid, alg)

    async def _refetch_and_select(
        self, uri: str, index: _Index, kid: str | None, alg: str
    ) -> VerificationKey:
        now = self._clock()
        last = self._last_refetch.get(uri)
        in_cooldown = last is not None and now - last < self.refetch_cooldown
        if not in_cooldown or self._fetcher.refreshing(uri):
            if not in_cooldown:
                self._last_refetch[uri] = now
            lock = (f"idpbridge:oidc:jwks-refetch:{uri}", self.refetch_cooldown)
            entry = await self._fetcher.refresh(uri, newer_than=index.entry.fetched_at, lock=lock)
            key = self._index(uri, entry).select(kid, alg)
            if key is not None:
                return key
        log.info("no key for kid %r alg %s at %s", (kid or "")[:40], alg, redact_url(uri))
        raise TokenValidationError(
            "no usable key in the key set matches the token", code="token.key_not_found"
        )
