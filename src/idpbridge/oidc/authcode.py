"""The front channel of the authorization-code flow: the authorization URL and the callback.

Every request carries PKCE S256 (RFC 7636), ``state`` and ``nonce``. The callback is checked in
the order RFC 9207 and RFC 9700 ask for, before anything is done with it: single-valued
parameters, the exact ``state``, the ``iss`` parameter (required when the IdP advertises
``authorization_response_iss_parameter_supported``), then an ``error`` is mapped to a typed error
— without any request to the token endpoint — and only then is a ``code`` accepted.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]

from ..classify import AUTHORIZE, ErrorRule, classify
from ..errors import ConfigurationError, FlowError, TokenValidationError

__all__ = [
    "RESERVED_PARAMS",
    "AuthorizationRequest",
    "build_authorization_request",
    "callback_code",
    "check_max_age",
    "flatten_callback",
    "new_pkce",
    "parse_max_age",
]

#: Parameters idpbridge sets itself; extra parameters may not override them.
RESERVED_PARAMS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "response_mode",
        "request",
        "request_uri",
    }
)
_FRONT_CHANNEL_TOKENS = ("access_token", "id_token", "token", "refresh_token")
_MAX_PARAM = 4096


def new_pkce() -> tuple[str, str]:
    """A fresh ``(code_verifier, code_challenge)`` pair: 86 characters of 512 random bits, S256."""
    verifier = secrets.token_urlsafe(64)
    return verifier, str(create_s256_code_challenge(verifier))


def pkce_params(
    client_id: str, scope: str, *, redirect_uri: str | None = None, nonce: str | None = None
) -> tuple[dict[str, str], str]:
    """The parameters of a PKCE S256 code request (``response_type``, ``client_id``, the
    ``redirect_uri`` when given, ``scope``, a fresh ``state`` and ``nonce`` unless one is given,
    the challenge) and the code verifier: browser redirects and redirectless flows alike."""
    verifier, challenge = new_pkce()
    params = {"response_type": "code", "client_id": client_id}
    if redirect_uri is not None:
        params["redirect_uri"] = redirect_uri
    params |= {
        "scope": scope,
        "state": secrets.token_urlsafe(24),
        "nonce": nonce or secrets.token_urlsafe(24),
    }
    params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return params, verifier


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A built authorization request and the values the callback is checked against."""

    url: str
    state: str
    nonce: str
    code_verifier: str = dataclasses.field(repr=False)
    redirect_uri: str
    response_mode: str | None


def build_authorization_request(
    endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    scope_separator: str = " ",
    response_mode: str | None = None,
    prompt: str | None = None,
    login_hint: str | None = None,
    acr_values: Sequence[str] | None = None,
    claims: Mapping[str, Any] | None = None,
    max_age: int | None = None,
    extra_params: Mapping[str, str] | None = None,
) -> AuthorizationRequest:
    """Build the authorization URL with fresh ``state``, ``nonce`` and PKCE S256.

    ``scope_separator`` joins ``scopes`` (a space, as RFC 6749 §3.3 says; Meta wants a comma).
    ``extra_params`` cannot override the parameters in :data:`RESERVED_PARAMS`
    (:class:`~idpbridge.ConfigurationError`).
    """
    if not isinstance(redirect_uri, str) or not redirect_uri or "#" in redirect_uri:
        raise ConfigurationError(
            "redirect_uri must be an absolute URI without a fragment", field="redirect_uri"
        )
    if not urlsplit(redirect_uri).scheme:
        raise ConfigurationError("redirect_uri must be an absolute URI", field="redirect_uri")
    params, verifier = pkce_params(client_id, scope_separator.join(scopes), redirect_uri=redirect_uri)
    state, nonce = params["state"], params["nonce"]
    if response_mode:
        params["response_mode"] = response_mode
    if prompt:
        params["prompt"] = prompt
    if login_hint:
        params["login_hint"] = login_hint
    if acr_values:
        params["acr_values"] = " ".join(acr_values)
    if claims:
        params["claims"] = json.dumps(claims, separators=(",", ":"), ensure_ascii=False)
    if max_age is not None:
        params["max_age"] = str(int(max_age))
    for key, value in (extra_params or {}).items():
        if key in RESERVED_PARAMS:
            raise ConfigurationError(
                f"extra parameter {key!r} is set by idpbridge itself", field="extra_params"
            )
        if not isinstance(value, str):
            raise ConfigurationError(f"extra parameter {key!r} must be a string", field="extra_params")
        params[key] = value
    return AuthorizationRequest(
        url=_with_query(endpoint, params),
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        redirect_uri=redirect_uri,
        response_mode=response_mode,
    )


def _with_query(endpoint: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(endpoint)
    existing = parse_qsl(parts.query, keep_blank_values=True)
    clash = {k for k, _ in existing} & set(params)
    if clash:
        raise ConfigurationError(
            f"authorization endpoint already carries {', '.join(sorted(clash))}",
            field="authorization_endpoint",
        )
    query = urlencode([*existing, *params.items()], quote_via=quote)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def flatten_callback(params: Mapping[str, Any]) -> dict[str, str]:
    """Callback parameters as single strings.

    Accepts strings or single-item lists (what ``parse_qs`` or a web framework's multi-dict
    gives). A parameter given more than once, or not a string, is refused (RFC 6749 §3.1).
    """
    out: dict[str, str] = {}
    for key, raw in params.items():
        value = raw
        if isinstance(raw, list | tuple):
            if len(raw) != 1:
                raise FlowError(
                    f"callback parameter {str(key)[:40]!r} was given {len(raw)} times",
                    code="flow.malformed",
                )
            value = raw[0]
        if not isinstance(key, str) or not isinstance(value, str):
            raise FlowError("callback parameters must be strings", code="flow.malformed")
        if len(value) > _MAX_PARAM:
            raise FlowError(f"callback parameter {key[:40]!r} is too long", code="flow.malformed")
        out[key] = value
    return out


def callback_code(
    params: Mapping[str, Any],
    *,
    expected_state: str,
    expected_issuer: str,
    iss_required: bool,
    rules: Sequence[ErrorRule],
) -> str:
    """Check an authorization response and return its ``code``.

    Raises :class:`~idpbridge.FlowError` (``flow.state_mismatch``, ``flow.issuer_mismatch``,
    ``flow.malformed``) or, for an ``error`` response from the right IdP and transaction, the
    error the rules map it to (``access_denied`` → :class:`~idpbridge.UserCancelled`, …).
    """
    cb = flatten_callback(params)
    state = cb.get("state")
    if state is None or not hmac.compare_digest(state.encode(), expected_state.encode()):
        raise FlowError(
            "the callback's state does not match this flow" if state else "the callback has no state",
            code="flow.state_mismatch",
        )
    iss = cb.get("iss")
    if iss is not None and iss != expected_issuer:
        raise FlowError("the callback's iss is not this flow's issuer (mix-up?)", code="flow.issuer_mismatch")
    if iss is None and iss_required:
        raise FlowError(
            "the callback has no iss although the IdP advertises RFC 9207 support",
            code="flow.issuer_mismatch",
        )
    error = cb.get("error")
    if error is not None:
        if "code" in cb:
            raise FlowError("the callback carries both code and error", code="flow.malformed")
        raise classify(rules, error=error, description=cb.get("error_description"), context=AUTHORIZE)
    unexpected = [name for name in _FRONT_CHANNEL_TOKENS if name in cb]
    if unexpected:
        raise FlowError(
            f"the callback carries front-channel tokens ({', '.join(unexpected)}) in a code flow",
            code="flow.malformed",
        )
    code = cb.get("code")
    if not code:
        raise FlowError("the callback has neither code nor error", code="flow.malformed")
    return code


def parse_max_age(value: str | None) -> int | None:
    """A ``max_age`` authorization parameter as seconds; anything but digits is a config error."""
    if value is None:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ConfigurationError("max_age must be a number of seconds", field="authorize_params")
    return int(value)


def check_max_age(claims: Mapping[str, Any], max_age: int, *, now: float, leeway: float) -> None:
    """OIDC Core §3.1.3.7 #13: with ``max_age`` sent, ``auth_time`` must be present and recent."""
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
        raise TokenValidationError("max_age was requested but the token has no auth_time", code="token.claim")
    if now - float(auth_time) > max_age + leeway:
        raise TokenValidationError("the user authenticated longer ago than max_age", code="token.claim")
