"""OpenID Connect Client-Initiated Backchannel Authentication (CIBA Core 1.0) on the OIDC engine.

* Start: POST ``backchannel_authentication_endpoint`` with client authentication (the token
  endpoint's method: secret, ``client_secret_jwt`` or ``private_key_jwt``), ``scope`` (``openid``
  first), exactly one hint, and the optional ``binding_message``, ``user_code``,
  ``requested_expiry`` and ``acr_values``. With ``request_object_signing_alg`` configured the
  parameters travel as one signed ``request`` (§7.1.1; ``iss`` = client_id, ``aud`` = issuer).
  In ping mode (``ciba_mode = "ping"``) a fresh random ``client_notification_token`` is sent and
  kept only inside the sealed continuation. The answer must carry a string ``auth_req_id``, an
  integer ``expires_in`` of 1 to :data:`MAX_CIBA_LIFETIME` s and, when present, an integer
  ``interval`` (default 5, §7.3); otherwise :class:`~idpbridge.MalformedResponse` ``provider.ciba``.
* OP refusals at the start: ``unknown_user_id`` -> :class:`~idpbridge.UserNotFound`;
  ``expired_login_hint_token`` -> :class:`~idpbridge.ExpiredCode`; ``missing_user_code`` and
  ``invalid_user_code`` -> :class:`~idpbridge.InvalidCode`; ``invalid_binding_message`` ->
  :class:`~idpbridge.InvalidRequest` (``field="binding_message"``); ``access_denied`` ->
  :class:`~idpbridge.UserCancelled`; the rest as token-endpoint errors.
* Poll: as the device flow (:mod:`._polling`): one token request per interval across workers,
  ``slow_down`` adds 5 s, ``expired_token`` -> ``ExpiredCode``, ``access_denied`` ->
  ``UserCancelled``.
* Ping (§10.2): :func:`notified` checks the ping's bearer token against the one sealed in the
  continuation (constant time) and its ``auth_req_id``, then asks for the tokens; a wrong token
  or id is :class:`InvalidNotification` and nothing is sent to the OP.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from ..continuation import Continuation
from ..errors import (
    ConfigurationError,
    ExpiredCode,
    FlowError,
    IdpBridgeError,
    InvalidCode,
    MalformedResponse,
    UserCancelled,
    UserNotFound,
)
from ..http import require_secure_url
from ..methods import InvalidRequest, Method, PollCIBA, StartCIBA
from ..outcomes import Authenticated, CIBAPending, CIBAStarted, Outcome
from . import _polling
from ._polling import MAX_INTERVAL
from .client import error_body, oauth_error
from .par import request_object
from .scopes import openid_first

if TYPE_CHECKING:
    from .connector import OIDCConnector

__all__ = [
    "CIBA_GRANT",
    "MAX_CIBA_LIFETIME",
    "InvalidNotification",
    "notified",
    "ping_body",
    "ping_request_key",
    "poll",
    "request_key",
    "start",
    "wait",
]

CIBA_GRANT = "urn:openid:params:grant-type:ciba"
#: Longest ``expires_in`` accepted for an ``auth_req_id``, in seconds.
MAX_CIBA_LIFETIME = 3600
_DEFAULT_INTERVAL = 5
_MAX_ID = 2048
_MAX_PING_BODY = 4096


class InvalidNotification(FlowError):
    """A CIBA ping whose bearer token or ``auth_req_id`` is not the one this request expects
    (code ``flow.ciba_notification``). Answer the caller 401 and ignore it."""

    default_code = "flow.ciba_notification"


def _bad(what: str) -> MalformedResponse:
    return MalformedResponse(f"the backchannel authentication answer {what}", code="provider.ciba")


def _int(body: Mapping[str, Any], name: str, *, default: int | None, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= high:
        raise _bad(f"has a bad {name} (an integer from 1 to {high} is required)")
    return value


def request_key(auth_req_id: str) -> str:
    """The :attr:`~idpbridge.CIBAStarted.request_key` of an ``auth_req_id`` (a digest of it)."""
    return _polling.digest(auth_req_id)


def _endpoint(conn: OIDCConnector, raw: Mapping[str, Any]) -> str:
    endpoint = raw.get("backchannel_authentication_endpoint")
    if not isinstance(endpoint, str):
        raise ConfigurationError(
            "the IdP has no backchannel_authentication_endpoint", field="methods", code="config.not_supported"
        )
    modes = raw.get("backchannel_token_delivery_modes_supported")
    mode = conn.config.ciba_mode
    if isinstance(modes, list) and mode not in modes:
        raise ConfigurationError(
            f"the IdP does not offer the CIBA {mode} mode (it offers {', '.join(map(str, modes))})",
            field="ciba_mode",
            code="config.not_supported",
        )
    try:
        return require_secure_url(endpoint, what="backchannel_authentication_endpoint")
    except ConfigurationError as exc:
        raise MalformedResponse(f"discovery field {exc.message}", code="provider.metadata") from None


def _params(conn: OIDCConnector, request: StartCIBA) -> dict[str, Any]:
    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value is not None else None

    params: dict[str, Any] = {
        "scope": " ".join(openid_first(request.scopes or conn.config.scopes)),
        "login_hint": request.login_hint,
        "id_token_hint": secret(request.id_token_hint),
        "login_hint_token": secret(request.login_hint_token),
        "binding_message": request.binding_message,
        "user_code": secret(request.user_code),
        "requested_expiry": request.requested_expiry,
        "acr_values": " ".join(request.acr_values) if request.acr_values else None,
    }
    return {k: v for k, v in params.items() if v is not None}


def _start_error(exc: IdpBridgeError, error: str | None) -> IdpBridgeError:
    if error == "unknown_user_id":
        return UserNotFound("the OP knows no user for this hint", provider_code=error)
    if error == "expired_login_hint_token":
        return ExpiredCode("the login_hint_token expired", provider_code=error)
    if error in ("missing_user_code", "invalid_user_code"):
        return InvalidCode("the user_code is missing or wrong", provider_code=error)
    if error == "invalid_binding_message":
        return InvalidRequest("the OP refused the binding_message", field="binding_message")
    if error == "access_denied":
        return UserCancelled("the OP refused the backchannel authentication", provider_code=error)
    return exc


async def start(conn: OIDCConnector, request: StartCIBA) -> CIBAStarted:
    """Ask the OP to authenticate the user on their own device (see the module docstring)."""
    metadata = await conn.metadata()
    endpoint = _endpoint(conn, metadata.raw)
    oauth = conn.oauth(metadata)
    params = _params(conn, request)
    notification = secrets.token_urlsafe(32) if conn.config.ciba_mode == "ping" else None
    if notification is not None:
        params["client_notification_token"] = notification
    signer = conn.config.request_object_signer()
    if signer is not None:
        params = {"request": request_object(signer, params, audience=metadata.issuer)}
    form, auth = oauth.credentials.apply({k: str(v) for k, v in params.items()})
    response = await oauth.http.post(endpoint, data=form, auth=auth, return_errors=True)
    if not 200 <= response.status < 300:
        body = error_body(response)
        error = oauth_error(body).error if body is not None else None
        raise _start_error(oauth.error(response, body, context="ciba"), error)
    body = response.json()
    auth_req_id = body.get("auth_req_id")
    if not isinstance(auth_req_id, str) or not auth_req_id or len(auth_req_id) > _MAX_ID:
        raise _bad("has no usable auth_req_id")
    expires_in = _int(body, "expires_in", default=None, high=MAX_CIBA_LIFETIME)
    interval = _int(body, "interval", default=_DEFAULT_INTERVAL, high=MAX_INTERVAL)
    expires = conn.clock() + expires_in
    data: dict[str, Any] = {"a": auth_req_id, "i": interval, "x": expires}
    if notification is not None:
        data["t"] = notification
    return CIBAStarted(
        request_key=request_key(auth_req_id),
        mode=conn.config.ciba_mode,
        interval=interval,
        continuation=_polling.seal(conn, Method.CIBA, data, expires),
        expires_at=_polling.at(expires),
    )


async def poll(
    conn: OIDCConnector, request: PollCIBA, continuation: Continuation, *, lock: bool = True
) -> Outcome:
    """Poll once: ``Authenticated`` or ``CIBAPending`` (see the module docstring)."""
    auth_req_id = str(continuation.data["a"])
    return await _polling.poll_token(
        conn,
        method=Method.CIBA,
        continuation=continuation,
        sealed=request.continuation,
        code=auth_req_id,
        form={"grant_type": CIBA_GRANT, "auth_req_id": auth_req_id},
        pending=CIBAPending,
        denied="the user declined the backchannel authentication",
        lock=lock,
    )


def ping_body(body: bytes | str | Mapping[str, Any]) -> str:
    """The ``auth_req_id`` of a ping body (JSON ``{"auth_req_id": ...}``, §10.2).

    Raises:
        InvalidNotification: not such a JSON object, or over 4 KiB.
    """
    if isinstance(body, bytes | str):
        if len(body) > _MAX_PING_BODY:
            raise InvalidNotification("the CIBA ping body is too large")
        try:
            body = json.loads(body)
        except ValueError:
            raise InvalidNotification("the CIBA ping body is not JSON") from None
    value = body.get("auth_req_id") if isinstance(body, Mapping) else None
    if not isinstance(value, str) or not value or len(value) > _MAX_ID:
        raise InvalidNotification("the CIBA ping carries no auth_req_id")
    return value


def ping_request_key(body: bytes | str | Mapping[str, Any]) -> str:
    """The :attr:`~idpbridge.CIBAStarted.request_key` a ping body names: look the continuation up
    by it, then call :func:`notified` (``connector.ciba_notified``)."""
    return request_key(ping_body(body))


async def notified(
    conn: OIDCConnector,
    continuation: SecretStr | str,
    *,
    authorization: str | None,
    body: bytes | str | Mapping[str, Any],
) -> Outcome:
    """Handle a ping-mode notification for the request sealed in ``continuation``.

    ``authorization`` is the request's ``Authorization`` header and ``body`` its body. The bearer
    token must equal the sealed ``client_notification_token`` and the body's ``auth_req_id`` the
    sealed one (both compared in constant time); then one token request follows, answered
    ``Authenticated`` (or ``CIBAPending``, should the OP not be done yet).

    Raises:
        InvalidNotification: a missing or wrong token, or another request's id.
    """
    conn.require(Method.CIBA)
    sealed = continuation if isinstance(continuation, SecretStr) else SecretStr(continuation)
    opened = conn.continuations.open(sealed, method=Method.CIBA.value)
    expected = opened.data.get("t")
    scheme, _, presented = (authorization or "").partition(" ")
    ok_token = isinstance(expected, str) and hmac.compare_digest(
        presented.strip().encode(), expected.encode()
    )
    ok_id = hmac.compare_digest(ping_body(body).encode(), str(opened.data["a"]).encode())
    if scheme.lower() != "bearer" or not ok_token or not ok_id:
        raise InvalidNotification("the CIBA ping does not carry this request's notification token and id")
    return await poll(conn, PollCIBA(sealed), opened, lock=False)


async def wait(
    conn: OIDCConnector,
    outcome: CIBAStarted | CIBAPending,
    *,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> Authenticated:
    """Poll until the user answers, sleeping ``interval`` (raised on ``slow_down``) between polls.

    Cancel the awaiting task to stop. Raises what :func:`poll` raises.
    """
    return await _polling.wait(conn, outcome, poll=PollCIBA, pending=CIBAPending, sleep=sleep)
