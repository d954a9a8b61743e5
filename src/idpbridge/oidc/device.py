"""The OAuth 2.0 Device Authorization Grant (RFC 8628) on the OIDC engine.

* Start: POST ``device_authorization_endpoint`` (client authenticated like at the token
  endpoint, ``client_id`` always in the form). The answer must carry string ``device_code``,
  ``user_code`` and ``verification_uri`` (https or loopback), an integer ``expires_in`` of 1 to
  :data:`MAX_DEVICE_LIFETIME` s and, when present, an integer ``interval`` of 1 to
  :data:`MAX_INTERVAL` s (default 5, §3.2); otherwise :class:`~idpbridge.MalformedResponse`
  ``provider.device``. The device code travels only inside the sealed continuation.
* Poll: one token request per call. ``authorization_pending`` → :class:`~idpbridge.DevicePending`;
  ``slow_down`` → the same with ``interval`` + 5 s for every later poll (§3.5); ``expired_token``
  → :class:`~idpbridge.ExpiredCode`; ``access_denied`` → :class:`~idpbridge.UserCancelled`.
* One poll loop per device code across workers: before asking the OP, a poll claims
  ``device-poll:<instance>:<hash>`` in the replay store for ``interval`` seconds; a poll that
  cannot claim it (too early, or another worker polls) answers ``DevicePending`` without a request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..continuation import Continuation
from ..errors import MalformedResponse
from ..http import require_secure_url
from ..methods import Method, PollDevice, StartDevice
from ..outcomes import Authenticated, DeviceCodeIssued, DevicePending, Outcome
from . import _polling
from ._polling import MAX_INTERVAL, SLOW_DOWN_STEP
from .client import error_body

if TYPE_CHECKING:
    from .connector import OIDCConnector

__all__ = ["DEVICE_GRANT", "MAX_DEVICE_LIFETIME", "MAX_INTERVAL", "SLOW_DOWN_STEP", "poll", "start", "wait"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: Longest device-code lifetime accepted, in seconds.
MAX_DEVICE_LIFETIME = 3600
_DEFAULT_INTERVAL = 5
_MAX_TEXT = 2048


def _bad(what: str) -> MalformedResponse:
    return MalformedResponse(f"the device authorization answer {what}", code="provider.device")


def _text(body: Mapping[str, Any], name: str, *, optional: bool = False) -> str | None:
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT:
        raise _bad(f"has no usable {name}")
    return value


def _int(body: Mapping[str, Any], name: str, *, default: int | None, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= high:
        raise _bad(f"has a bad {name} (an integer from 1 to {high} is required)")
    return value


def _url(value: str, name: str) -> str:
    try:
        return require_secure_url(value, what=name)
    except Exception:
        raise _bad(f"has an insecure or invalid {name}") from None


async def start(conn: OIDCConnector, request: StartDevice) -> DeviceCodeIssued:
    """Ask the OP for a device code and a user code."""
    metadata = await conn.metadata()
    endpoint = metadata.raw.get("device_authorization_endpoint")
    if not isinstance(endpoint, str):
        from ..errors import ConfigurationError

        raise ConfigurationError(
            "the IdP has no device_authorization_endpoint", field="methods", code="config.not_supported"
        )
    endpoint = _url(endpoint, "device_authorization_endpoint")
    oauth = conn.oauth(metadata)
    scopes = request.scopes or conn.config.scopes
    form, auth = oauth.credentials.apply({"scope": " ".join(scopes)})
    form["client_id"] = oauth.credentials.client_id
    response = await oauth.http.post(endpoint, data=form, auth=auth, return_errors=True)
    if not 200 <= response.status < 300:
        raise oauth.error(response, error_body(response), context="device")
    body = response.json()
    device_code = str(_text(body, "device_code"))
    user_code = str(_text(body, "user_code"))
    uri = _url(str(_text(body, "verification_uri")), "verification_uri")
    complete = _text(body, "verification_uri_complete", optional=True)
    expires_in = _int(body, "expires_in", default=None, high=MAX_DEVICE_LIFETIME)
    interval = _int(body, "interval", default=_DEFAULT_INTERVAL, high=MAX_INTERVAL)
    expires = conn.clock() + expires_in
    token = _polling.seal(conn, Method.DEVICE, {"d": device_code, "i": interval, "x": expires}, expires)
    return DeviceCodeIssued(
        user_code=user_code,
        verification_uri=uri,
        verification_uri_complete=_url(complete, "verification_uri_complete") if complete else None,
        interval=interval,
        continuation=token,
        expires_at=_polling.at(expires),
    )


async def poll(conn: OIDCConnector, request: PollDevice, continuation: Continuation) -> Outcome:
    """Poll once (see the module docstring)."""
    data = continuation.data
    device_code = str(data["d"])
    return await _polling.poll_token(
        conn,
        method=Method.DEVICE,
        continuation=continuation,
        sealed=request.continuation,
        code=device_code,
        form={"grant_type": DEVICE_GRANT, "device_code": device_code},
        pending=DevicePending,
        denied="the user declined the device authorization",
    )


async def wait(
    conn: OIDCConnector,
    outcome: DeviceCodeIssued | DevicePending,
    *,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> Authenticated:
    """Poll until the user finishes, sleeping ``interval`` (raised on ``slow_down``) between polls.

    Cancel the awaiting task to stop. Raises what :func:`poll` raises (``ExpiredCode`` once
    the code expires, ``UserCancelled`` on denial).
    """
    return await _polling.wait(conn, outcome, poll=PollDevice, pending=DevicePending, sleep=sleep)
