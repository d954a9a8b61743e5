"""What the two decoupled grants share: the device flow (RFC 8628) and CIBA poll the token
endpoint with a code held in a sealed continuation.

* One poll loop per code across workers: before asking the OP, a poll claims
  ``<kind>-poll:<instance>:<hash>`` in the replay store for ``interval`` seconds; a poll that
  cannot claim it (too early, or another worker polls) answers "pending" without a request.
* ``authorization_pending`` -> pending; ``slow_down`` -> pending with ``interval`` + 5 s for every
  later poll (capped at :data:`MAX_INTERVAL`); ``expired_token`` -> :class:`~idpbridge.ExpiredCode`;
  ``access_denied`` -> :class:`~idpbridge.UserCancelled`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import SecretStr

from ..continuation import Continuation
from ..errors import ExpiredCode, MalformedResponse, UserCancelled
from ..methods import Method, Request
from ..outcomes import Authenticated, CIBAPending, DevicePending, Outcome
from ..replay import claim_step
from .client import error_body, oauth_error

if TYPE_CHECKING:
    from .connector import OIDCConnector

#: Longest polling interval accepted (also the cap after ``slow_down``), in seconds.
MAX_INTERVAL = 120
#: Seconds added to the interval after each ``slow_down`` (RFC 8628 §3.5, CIBA §11).
SLOW_DOWN_STEP = 5
#: Seconds a continuation outlives its code, so a late poll gets the OP's ``expired_token``
#: (:class:`~idpbridge.ExpiredCode`) rather than an expired continuation.
EXPIRY_GRACE = 30


class Pending(Protocol):
    """A "not yet" outcome: ``DevicePending`` or ``CIBAPending``."""

    @property
    def interval(self) -> int: ...
    @property
    def continuation(self) -> SecretStr: ...


def digest(code: str) -> str:
    """A short SHA-256 digest of a device code or ``auth_req_id`` (lock keys, request keys)."""
    return hashlib.sha256(code.encode()).hexdigest()[:32]


def at(timestamp: float) -> dt.datetime:
    """``timestamp`` as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


def seal(conn: OIDCConnector, method: Method, data: Mapping[str, Any], expires: float) -> SecretStr:
    """Seal ``data`` for ``method`` until ``expires`` (an epoch time) + :data:`EXPIRY_GRACE`."""
    ttl = max(1.0, expires - conn.clock() + EXPIRY_GRACE)
    token, _ = conn.continuations.seal(method.value, data, ttl=ttl)
    return SecretStr(token)


async def poll_token(
    conn: OIDCConnector,
    *,
    method: Method,
    continuation: Continuation,
    sealed: SecretStr,
    code: str,
    form: Mapping[str, str],
    pending: type[DevicePending | CIBAPending],
    denied: str,
    lock: bool = True,
) -> Outcome:
    """One token request for a decoupled grant (see the module docstring).

    ``sealed`` is the continuation as the caller holds it, ``continuation`` its opened form
    (``data["i"]``/``data["x"]``: the interval and the expiry); ``pending`` is the "not yet"
    outcome type (``DevicePending``, ``CIBAPending``).
    """
    data = continuation.data
    interval, expires = int(data["i"]), float(data["x"])

    def not_yet(every: int, token: SecretStr) -> Outcome:
        return pending(interval=every, continuation=token, expires_at=at(expires))

    key = f"{method.value}-poll:{conn.instance_name}:{digest(code)}"
    if lock and not await claim_step(conn.replay_store, key, interval, connector=conn.instance_name):
        return not_yet(interval, sealed)  # too early, or another worker is polling this code
    metadata = await conn.metadata()
    oauth = conn.oauth(metadata)
    token_endpoint = conn.endpoint(metadata, "token_endpoint")
    body_form, auth = oauth.credentials.apply(form)
    response = await oauth.http.post(token_endpoint, data=body_form, auth=auth, return_errors=True)
    body = response.json() if 200 <= response.status < 300 else error_body(response)
    error = oauth_error(body).error if body is not None and "error" in body else None
    if error == "authorization_pending":
        return not_yet(interval, sealed)
    if error == "slow_down":
        slower = min(interval + SLOW_DOWN_STEP, MAX_INTERVAL)
        return not_yet(slower, seal(conn, method, {**data, "i": slower}, expires))
    if error == "expired_token":
        raise ExpiredCode(f"the {method.value} request expired before the user finished", provider_code=error)
    if error == "access_denied":
        raise UserCancelled(denied, provider_code=error)
    if error is not None or not 200 <= response.status < 300:
        raise oauth.error(response, body, context=method.value)
    await conn.consume_continuation(continuation, message=f"this {method.value} sign-in was already finished")
    return await conn.engine.complete(metadata, body or {}, method=method, nonce=None)


async def wait(
    conn: OIDCConnector,
    outcome: Pending,
    *,
    poll: Callable[[SecretStr], Request],
    pending: type[Any],
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> Authenticated:
    """Poll until the user finishes, sleeping ``interval`` (raised on ``slow_down``) between polls."""
    current: Pending = outcome
    while True:
        await sleep(current.interval)
        result = await conn.authenticate(poll(current.continuation))
        if isinstance(result, Authenticated):
            return result
        if not isinstance(result, pending):
            raise MalformedResponse("unexpected outcome while polling", code="provider.polling")
        current = result
