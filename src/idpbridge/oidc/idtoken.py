"""ID-token validation (OpenID Connect Core 1.0 §3.1.3.7 and the RP hardening rules).

:class:`TokenValidator` checks, in this order, stopping at the first failure and making no
further request after a refusal: size → compact structure → header (``crit``, ``typ``, ``kid``)
→ algorithm allow-list (from :class:`TokenPolicy`, never from the token) → key (the issuer's
JWKS by ``kid``/``kty``/``use``/``alg``/``crv``, or the client secret for explicitly enabled
HS*) → signature → ``iss`` (issuer policy) → ``aud``/``azp`` → ``sub`` → ``exp``/``nbf``/``iat``
→ ``nonce`` → ``at_hash`` → provider ``claim_checks``. ``jku``, ``jwk``, ``x5u`` and ``x5c``
headers are ignored: keys come only from the configured ``jwks_uri``.

Each failure is a :class:`~idpbridge.TokenValidationError` whose ``code`` names the check.
Signature verification (:func:`verify_signature`) and claim validation
(:func:`validate_claims`) are separate functions.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from joserfc.jwk import OctKey
from joserfc.jws import JWSRegistry
from joserfc.util import urlsafe_b64encode
from pydantic import SecretStr

from ..errors import ConfigurationError, TokenValidationError
from ..sheet import ClaimCheck, claim_equals
from ._jws import b64url, fail, json_segment, parse_compact, verify_signature
from .issuer import IssuerPolicy
from .jwks import JWKSManager, VerificationKey

__all__ = [
    "EXTERNAL_MAX_IAT_AGE",
    "FLOW_MAX_IAT_AGE",
    "ID_TOKEN_TYPES",
    "ClaimCheck",
    "TokenPolicy",
    "TokenValidator",
    "ValidatedToken",
    "at_hash",
    "claim_equals",
    "validate_claims",
    "verify_signature",
]

log = logging.getLogger("idpbridge.oidc.idtoken")

_HEADER_CACHE_SIZE = 64
#: Default ``iat`` age limit (seconds, before the leeway) for a token just received from the token
#: endpoint: it was minted during our own request, so minutes are plenty.
FLOW_MAX_IAT_AGE = 300
#: Default ``iat`` age limit for an :class:`~idpbridge.ExternalToken`, issued earlier elsewhere:
#: one hour, the usual ID-token lifetime and oauth4webapi's limit for front-channel ID tokens.
EXTERNAL_MAX_IAT_AGE = 3600
ID_TOKEN_TYPES = frozenset({"jwt", "application/jwt"})
_HASH_BY_SUFFIX: Mapping[str, Callable[[bytes], bytes]] = {
    "256": lambda b: hashlib.sha256(b).digest(),
    "384": lambda b: hashlib.sha384(b).digest(),
    "512": lambda b: hashlib.sha512(b).digest(),
}
_HASH_BY_ALG: Mapping[str, Callable[[bytes], bytes]] = {
    "EdDSA": lambda b: hashlib.sha512(b).digest(),  # Ed25519 (the OIDF convention)
    "Ed25519": lambda b: hashlib.sha512(b).digest(),
    "Ed448": lambda b: hashlib.shake_256(b).digest(114),
}


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """What a valid ID token looks like for one client of one provider.

    ``algorithms`` is the allow-list (configuration or discovery), never the token header.
    ``none`` is refused unless ``allow_none``; HS* is refused unless ``allow_symmetric`` and then
    verified only with ``hmac_secret`` (the client secret, OIDC Core §10.1). ``trusted_azp`` names
    other client ids that may appear as ``azp`` (Google cross-client tokens). ``header_types``
    are the accepted header ``typ`` values (case-insensitive; an absent ``typ`` is accepted):
    ``JWT`` for ID tokens, ``at+jwt`` for RFC 9068 access tokens. ``max_iat_age`` bounds how old
    ``iat`` may be (plus ``leeway``): :data:`FLOW_MAX_IAT_AGE` by default, for tokens fresh from
    the token endpoint; connectors use :data:`EXTERNAL_MAX_IAT_AGE` for external tokens.
    """

    audience: str
    issuer: IssuerPolicy
    algorithms: frozenset[str] = frozenset({"RS256"})
    allow_symmetric: bool = False
    hmac_secret: SecretStr | None = None
    leeway: float = 60
    max_iat_age: float | None = FLOW_MAX_IAT_AGE
    max_size: int = 16384
    require_azp_when_multi_aud: bool = True
    claim_checks: tuple[ClaimCheck, ...] = ()
    allow_none: bool = False
    trusted_azp: frozenset[str] = frozenset()
    header_types: frozenset[str] = ID_TOKEN_TYPES

    def __post_init__(self) -> None:
        if not isinstance(self.audience, str) or not self.audience:
            raise ConfigurationError("the token audience (client id) must be set", field="client_id")
        if isinstance(self.algorithms, str) or not all(isinstance(a, str) for a in self.algorithms):
            raise ConfigurationError("algorithms must be a set of strings", field="algorithms")
        if isinstance(self.header_types, str) or not all(isinstance(t, str) for t in self.header_types):
            raise ConfigurationError("header_types must be a set of strings", field="header_types")
        object.__setattr__(self, "header_types", frozenset(t.lower() for t in self.header_types))
        if not (math.isfinite(self.leeway) and 0 <= self.leeway <= 300):
            raise ConfigurationError("leeway must be between 0 and 300 seconds", field="leeway")
        if self.max_iat_age is not None and not (math.isfinite(self.max_iat_age) and self.max_iat_age > 0):
            raise ConfigurationError("max_iat_age must be a positive number", field="max_iat_age")
        if not 256 <= self.max_size <= 1024 * 1024:
            raise ConfigurationError("max_size must be between 256 bytes and 1 MiB", field="max_size")
        if self.allow_symmetric:
            if self.hmac_secret is None or not self.hmac_secret.get_secret_value():
                raise ConfigurationError("HS* ID tokens need the client secret", field="client_secret")
            _hmac_key(self.hmac_secret, error=ConfigurationError)
            if len(self.hmac_secret.get_secret_value().encode()) < 32:
                log.warning("client secret is shorter than 32 bytes: a weak HS* key (RFC 7518 §3.2)")


def _hmac_key(
    secret: SecretStr, *, error: type[ConfigurationError] | type[TokenValidationError] = TokenValidationError
) -> OctKey:
    """The HS* key: the UTF-8 octets of the client secret (OIDC Core §10.1)."""
    try:
        return OctKey.import_key(secret.get_secret_value().encode("utf-8"))
    except Exception:  # joserfc refuses secrets that look like public keys
        message = "the client secret cannot be used as an HMAC key"
        if error is ConfigurationError:
            raise ConfigurationError(message, field="client_secret") from None
        raise fail("token.key_not_found", message) from None


@dataclass(frozen=True, slots=True)
class ValidatedToken:
    """A token that passed every check: its protected header and claims (read-only)."""

    header: Mapping[str, Any]
    claims: Mapping[str, Any]

    @classmethod
    def _of(cls, header: Mapping[str, Any], claims: Mapping[str, Any]) -> ValidatedToken:
        """The same as ``cls(header, claims)`` without the frozen ``__init__``'s two
        ``object.__setattr__`` calls (once per validated token)."""
        self = object.__new__(cls)
        _SET_HEADER(self, header)
        _SET_CLAIMS(self, claims)
        return self


# The slot descriptors' setters (mypy does not model slot access on the class).
_SET_HEADER = vars(ValidatedToken)["header"].__set__
_SET_CLAIMS = vars(ValidatedToken)["claims"].__set__


def _check_type(header: Mapping[str, Any], policy: TokenPolicy) -> None:
    typ = header.get("typ")
    if typ is not None and typ.lower() not in policy.header_types:
        raise fail("token.type", "token header typ is not a type this policy accepts")


def _check_algorithm(alg: str, policy: TokenPolicy) -> None:
    if alg == "none":
        if not policy.allow_none:
            raise fail("token.algorithm", "unsigned tokens (alg none) are not accepted")
        return
    if alg not in policy.algorithms or alg not in JWSRegistry.algorithms:
        raise fail("token.algorithm", f"algorithm {alg[:20]!r} is not allowed for this client")
    if alg.startswith("HS") and not policy.allow_symmetric:
        raise fail("token.algorithm", "symmetric (HS*) ID tokens are not enabled for this client")


def _numeric_date(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise fail("token.claim", f"token has no {name} claim")
        return None
    if type(value) not in (int, float) or not math.isfinite(value):
        raise fail("token.claim", f"token {name} claim is not a NumericDate")
    return float(value)


def _check_audience(claims: Mapping[str, Any], policy: TokenPolicy) -> None:
    aud = claims.get("aud")
    if type(aud) is str:  # the common single audience, checked without building a list
        if aud != policy.audience:
            raise fail("token.audience", "token audience does not include this client")
        several = False
    else:
        if not isinstance(aud, list) or not aud or not all(isinstance(a, str) for a in aud):
            raise fail("token.audience", "token has no valid aud claim")
        if policy.audience not in aud:
            raise fail("token.audience", "token audience does not include this client")
        several = len(aud) > 1
    azp = claims.get("azp")
    if azp is None:
        if several and policy.require_azp_when_multi_aud:
            raise fail("token.azp", "token has several audiences but no azp claim")
        return
    if not isinstance(azp, str) or (azp != policy.audience and azp not in policy.trusted_azp):
        raise fail("token.azp", "token azp is not this client")


def _check_times(claims: Mapping[str, Any], policy: TokenPolicy, now: float) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    if type(exp) is int and type(iat) is int:  # plain integers (what IdPs send) are NumericDates
        nbf = _numeric_date(claims, "nbf", required=False) if "nbf" in claims else None
    else:  # the general rules, in their order
        exp = _numeric_date(claims, "exp", required=True)
        nbf = _numeric_date(claims, "nbf", required=False)
        iat = _numeric_date(claims, "iat", required=True)
        assert exp is not None  # noqa: S101 - required above
        assert iat is not None  # noqa: S101 - required above
    leeway = policy.leeway
    if now >= exp + leeway:
        raise fail("token.expired", "token has expired")
    if nbf is not None and nbf > now + leeway:
        raise fail("token.not_yet_valid", "token is not valid yet (nbf)")
    if iat > now + leeway:
        raise fail("token.issued_at", "token was issued in the future (iat)")
    if policy.max_iat_age is not None and now - iat > policy.max_iat_age + leeway:
        raise fail("token.issued_at", "token was issued too long ago (iat)")


def _same(a: str, b: str) -> bool:
    """Constant-time equality (ASCII strings compare as they are; others as UTF-8)."""
    if a.isascii() and b.isascii():
        return hmac.compare_digest(a, b)
    return hmac.compare_digest(a.encode(), b.encode())


def _check_nonce(claims: Mapping[str, Any], nonce: str | None, expect_nonce: bool, ignore: bool) -> None:
    claim = claims.get("nonce")
    if nonce is None and ignore:
        return
    if nonce is not None:
        if not isinstance(claim, str) or not _same(claim, nonce):
            raise fail("token.nonce", "token nonce does not match this transaction")
    elif expect_nonce:
        raise fail("token.nonce", "a nonce is required but none was supplied to check against")
    elif "nonce" in claims:
        raise fail("token.nonce", "token carries a nonce this transaction never sent")


def validate_claims(
    header: Mapping[str, Any],
    claims: Mapping[str, Any],
    policy: TokenPolicy,
    *,
    now: float,
    nonce: str | None = None,
    expect_nonce: bool = False,
    access_token: str | None = None,
    ignore_nonce: bool = False,
) -> None:
    """Check the claims of a token whose signature was verified; raise TokenValidationError.

    Edges (``leeway`` = L): valid while ``now < exp + L``; ``nbf``/``iat`` may be up to L in the
    future; ``iat`` may be up to ``max_iat_age + L`` old. When ``nonce`` is None the token must
    not carry one (OIDC Core §3.1.3.7 #11 and RP policy for password/OTP flows); pass the
    original nonce when re-validating a refreshed ID token. ``ignore_nonce`` (with ``nonce``
    None) skips the nonce rule: only for tokens minted in another transaction (ExternalToken).

    The header's ``typ`` is checked by :meth:`TokenValidator.validate` before any key fetch.
    """
    iss = claims.get("iss")
    if not isinstance(iss, str) or not policy.issuer.matches(iss, claims):
        raise fail("token.issuer", f"token issuer is not {policy.issuer.describe()}")
    _check_audience(claims, policy)
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise fail("token.subject", "token has no sub claim")
    _check_times(claims, policy, now)
    _check_nonce(claims, nonce, expect_nonce, ignore_nonce)
    if access_token is not None and "at_hash" in claims:
        expected = at_hash(access_token, str(header["alg"]))
        got = claims["at_hash"]
        if not isinstance(got, str) or not hmac.compare_digest(got.encode(), expected.encode()):
            raise fail("token.at_hash", "token at_hash does not match the access token")
    for check in policy.claim_checks:
        try:
            check(header, claims)
        except TokenValidationError:
            raise
        except Exception as exc:
            raise fail("token.claim", f"claim check failed: {type(exc).__name__}") from exc


def at_hash(access_token: str, alg: str) -> str:
    """OIDC Core §3.1.3.6: left half of the alg's hash of the token, base64url."""
    digest_fn = _HASH_BY_ALG.get(alg) or _HASH_BY_SUFFIX.get(alg[-3:])
    if digest_fn is None:
        raise fail("token.at_hash", "at_hash cannot be checked for this algorithm")
    if not access_token.isascii():
        raise fail("token.at_hash", "access token is not ASCII")
    digest = digest_fn(access_token.encode("ascii"))
    return urlsafe_b64encode(digest[: len(digest) // 2]).decode("ascii")


class TokenValidator:
    """Validates ID tokens against a :class:`TokenPolicy` with keys from a :class:`JWKSManager`."""

    def __init__(self, jwks: JWKSManager, *, clock: Callable[[], float] = time.time) -> None:
        self.jwks = jwks
        self._clock = clock
        # header segment -> parsed header, for headers that already verified (bounded, oldest first out).
        self._headers: OrderedDict[str, Mapping[str, Any]] = OrderedDict()

    async def validate(
        self,
        token: str,
        policy: TokenPolicy,
        *,
        jwks_uri: str | None,
        nonce: str | None = None,
        access_token: str | None = None,
        expect_nonce: bool = False,
        ignore_nonce: bool = False,
    ) -> ValidatedToken:
        """Validate ``token``; return its header and claims or raise TokenValidationError.

        See :func:`validate_claims` for the nonce rules (``nonce``, ``expect_nonce``,
        ``ignore_nonce``).
        """
        header, header_segment, payload_segment, signing_input, signature = parse_compact(
            token, policy.max_size, self._headers
        )
        alg: str = header["alg"]
        _check_algorithm(alg, policy)
        _check_type(header, policy)
        key: VerificationKey | OctKey | None = None
        from_jwks = False
        if alg.startswith("HS"):
            assert policy.hmac_secret is not None  # noqa: S101 - enforced by TokenPolicy
            key = _hmac_key(policy.hmac_secret)
        elif alg != "none":
            if not jwks_uri:
                raise fail("token.key_not_found", "no jwks_uri to take keys from")
            kid = header.get("kid")
            key = self.jwks.cached_key(jwks_uri, kid=kid, alg=alg) or await self.jwks.get_key(
                jwks_uri, kid=kid, alg=alg
            )
            from_jwks = True
        verify_signature(signing_input, signature, alg, key, key_checked=from_jwks)
        headers = self._headers
        if header_segment not in headers:  # a known header stays where it is (oldest first out)
            headers[header_segment] = header
            if len(headers) > _HEADER_CACHE_SIZE:
                headers.popitem(last=False)
        claims = json_segment(b64url(payload_segment, "payload"), "payload")
        validate_claims(
            header,
            claims,
            policy,
            now=self._clock(),
            nonce=nonce,
            expect_nonce=expect_nonce,
            access_token=access_token,
            ignore_nonce=ignore_nonce,
        )
        return ValidatedToken._of(header, MappingProxyType(claims))
