"""PingOne's password method: the redirectless authorization flow (``response_mode=pi.flow``).

PingOne offers no resource-owner password grant, so a username and password are checked the way
PingOne's own custom sign-in UIs do it (PingOne documents no password grant:
https://docs.pingidentity.com/pingone/applications/p1_grant_types.html; the steps follow
https://developer.pingidentity.com/pingone-api/getting-started/simple-sso-workflow/step-6-submit-login-credentials.html):

1. ``GET {authorization_endpoint}?response_type=code&…&response_mode=pi.flow`` (PKCE S256,
   ``state``, ``nonce``): a flow object ``{"id", "status": "USERNAME_PASSWORD_REQUIRED",
   "_links": {"usernamePassword.check": …}}`` plus flow cookies.
2. ``POST {base}/flows/{id}`` with ``Content-Type:
   application/vnd.pingidentity.usernamePassword.check+json`` and ``{"username", "password"}``:
   the next ``status`` (``COMPLETED`` sets the ``ST`` session cookie).
3. The authorization code: ``authorizeResponse`` in that answer, else
   ``GET {base}/as/resume?flowId={id}`` with the cookies.
4. The authorization-code grant with the PKCE verifier; the ID token must carry the nonce.

The flow id and the cookies are session handles: they live in this call only (or sealed in the
continuation of an :class:`~idpbridge.MFARequired`), are sent only to the configured PingOne
environment (never to a URL PingOne's answer names), and never appear in logs or errors.

The functions here are given the OIDC engine (metadata, the OAuth client, sealing, completing a
token response) and the config, never the connector.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from ...classify import classify
from ...kit import (
    AUTHORIZATION_CODE,
    AUTHORIZE,
    PASSWORD,
    Authenticated,
    ConfigurationError,
    IdpBridgeError,
    MalformedResponse,
    Method,
    MFARequired,
    OIDCEngine,
    Password,
    ProviderMetadata,
    ProviderUnavailable,
    RateLimited,
    Response,
    callback_code,
    classify_response,
    dig,
    pkce_params,
    require_credentials,
    scope_string,
)
from .config import PingOneConfig
from .errors import FLOW_RULES, FLOW_STATUSES, MFA_FACTORS, RULES, parse_platform_error

__all__ = ["CHECK_MEDIA_TYPE", "FlowCookies", "password_login", "probe_flow", "start_flow"]

CHECK_MEDIA_TYPE = "application/vnd.pingidentity.usernamePassword.check+json"
_CHECK_LINK = "usernamePassword.check"
_FLOW_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_COOKIE_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")
_MAX_COOKIES = 32


class FlowCookies:
    """The cookies one flow collected (``Set-Cookie`` name=value pairs), sent back explicitly."""

    __slots__ = ("_jar",)

    def __init__(self) -> None:
        self._jar: dict[str, str] = {}

    def absorb(self, response: Response) -> None:
        """Take the cookies a response sets (a ``Max-Age=0`` or empty value removes one)."""
        for line in response.headers.get_list("set-cookie"):
            pair, _, attributes = line.partition(";")
            name, sep, value = pair.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not _COOKIE_NAME.fullmatch(name) or any(c in value for c in "\r\n;"):
                continue
            expired = re.search(r"(?i)(?:^|;)\s*max-age\s*=\s*0\s*(?:;|$)", ";" + attributes)
            if expired or not value:
                self._jar.pop(name, None)
            elif name in self._jar or len(self._jar) < _MAX_COOKIES:
                self._jar[name] = value

    def header(self) -> dict[str, str]:
        """The ``Cookie`` request header (empty when there is none)."""
        return {"cookie": "; ".join(f"{k}={v}" for k, v in self._jar.items())} if self._jar else {}

    def as_dict(self) -> dict[str, str]:
        """The cookies, for sealing into a continuation."""
        return dict(self._jar)

    def __repr__(self) -> str:
        return f"FlowCookies(<{len(self._jar)} cookies>)"


def _flow(answer: tuple[Response, dict[str, Any] | None], *, context: str) -> dict[str, Any]:
    """A flow object (a 2xx JSON object with a ``status``), else the classified error."""
    response, body = answer
    if response.status == 429 or response.status >= 500:
        error = RateLimited if response.status == 429 else ProviderUnavailable
        raise error(
            f"PingOne answered HTTP {response.status}",
            status=response.status,
            retry_after=response.retry_after(),
        )
    if body is None:
        raise MalformedResponse(
            f"PingOne answered HTTP {response.status} without a JSON object",
            status=response.status,
            excerpt=response.excerpt(),
        )
    if 200 <= response.status < 300 and "error" not in body and "code" not in body:
        if isinstance(body.get("status"), str) and body["status"]:
            return body
        raise MalformedResponse("PingOne's answer is not a flow (no status)", status=response.status)
    info = parse_platform_error(body)  # a platform error, or an OAuth error from the authorize step
    raise classify_response(FLOW_RULES, info, response, context=context)


@dataclasses.dataclass(slots=True)
class _Started:
    """A flow waiting for the credentials, and the values the rest of the login checks."""

    flow_id: str
    cookies: FlowCookies
    state: str
    nonce: str
    verifier: str = dataclasses.field(repr=False)


async def start_flow(engine: OIDCEngine, cfg: PingOneConfig, metadata: ProviderMetadata) -> _Started:
    """Step 1: a redirectless authorization request; the flow must ask for username and password."""
    scope = scope_string(cfg.scopes)
    params, verifier = pkce_params(cfg.client_id, scope, redirect_uri=cfg.password_redirect_uri or None)
    params["response_mode"] = "pi.flow"
    # No cookie goes with it: never another flow's (or user's) PingOne session.
    answer = await engine.send(
        "GET", engine.endpoint(metadata, "authorization_endpoint"), params=params, idempotent=True
    )
    flow = _flow(answer, context=AUTHORIZE)
    cookies = FlowCookies()
    cookies.absorb(answer[0])
    flow_id = flow.get("id")
    if not isinstance(flow_id, str) or not _FLOW_ID.fullmatch(flow_id):
        raise MalformedResponse("PingOne's flow has no usable id", code="provider.malformed_response")
    if flow["status"] != "USERNAME_PASSWORD_REQUIRED":
        raise _status_error(flow)
    links = flow.get("_links")
    if not isinstance(links, Mapping) or _CHECK_LINK not in links:
        raise ConfigurationError(
            "PingOne's flow offers no username/password check; give the sign-on policy a LOGIN step",
            code="config.sign_on_policy",
        )
    return _Started(flow_id, cookies, params["state"], params["nonce"], verifier)


async def probe_flow(engine: OIDCEngine, cfg: PingOneConfig) -> tuple[bool, str]:
    """check(): start a flow (no credentials are sent) and report whether it asks for a password."""
    await start_flow(engine, cfg, await engine.metadata())
    return True, "pi.flow accepted; the sign-on policy asks for username and password"


async def password_login(engine: OIDCEngine, cfg: PingOneConfig, request: Password) -> Authenticated:
    """Check a username and password through the redirectless flow; return the outcome."""
    username, password = request.username, request.password.get_secret_value()
    require_credentials(username, password)
    metadata = await engine.metadata()
    base = cfg.environment_base
    started = await start_flow(engine, cfg, metadata)
    cookies = started.cookies

    # 2. the credentials (never retried)
    answer = await engine.send(
        "POST",
        f"{base}/flows/{started.flow_id}",
        json_body={"username": username, "password": password},
        headers={"content-type": CHECK_MEDIA_TYPE, **cookies.header()},
        shown_as=f"{base}/flows/<flow>",
    )
    flow = _flow(answer, context=PASSWORD)
    cookies.absorb(answer[0])
    if flow["status"] != "COMPLETED":
        state = {"pingone_flow": started.flow_id, "cookies": cookies.as_dict(), "status": flow["status"]}
        state |= {"s": started.state, "n": started.nonce, "v": started.verifier}
        state |= {"r": cfg.password_redirect_uri, "username": username}
        raise _status_error(flow, continuation=lambda: engine.seal(Method.TOTP, state)[0])

    # 3. the authorization code
    if not isinstance(flow.get("authorizeResponse"), Mapping):
        resume, params = f"{base}/as/resume", {"flowId": started.flow_id}
        answer = await engine.send("GET", resume, params=params, headers=cookies.header(), idempotent=True)
        flow = _flow(answer, context=PASSWORD)
    authorized = flow.get("authorizeResponse")
    if not isinstance(authorized, Mapping) or not ("code" in authorized or "error" in authorized):
        raise MalformedResponse("PingOne's completed flow has no code", code="provider.malformed_response")
    params = {key: value for key, value in authorized.items() if isinstance(value, str)}
    code = callback_code(
        params, expected_state=started.state, expected_issuer=metadata.issuer, iss_required=False, rules=RULES
    )

    # 4. the code exchange
    token_params = {"code": code, "code_verifier": started.verifier}
    if cfg.password_redirect_uri:
        token_params["redirect_uri"] = cfg.password_redirect_uri
    return await engine.grant(
        metadata, AUTHORIZATION_CODE, token_params, method=Method.PASSWORD, nonce=started.nonce
    )


def _status_error(
    flow: Mapping[str, Any], *, continuation: Callable[[], SecretStr] | None = None
) -> IdpBridgeError:
    """The error for a flow that did not complete (see :data:`.errors.FLOW_STATUSES`)."""
    status = flow["status"]
    if not any(rule.provider_code == status for rule in FLOW_STATUSES):
        shown = status if re.fullmatch(r"[A-Z_]{1,64}", status) else "(unreadable)"
        return MalformedResponse(
            f"PingOne's flow is in an unexpected state: {shown}", code="provider.flow_status"
        )
    error = classify(FLOW_STATUSES, error=None, provider_code=status)
    if isinstance(error, MFARequired):
        error.factors = MFA_FACTORS.get(status) or _device_types(flow)
        error.continuation = continuation() if continuation is not None else None
    return error


def _device_types(flow: Mapping[str, Any]) -> tuple[str, ...]:
    devices = dig(flow, "_embedded", "devices")
    kinds = (dig(device, "type") for device in (devices if isinstance(devices, list) else ()))
    safe = (kind for kind in kinds if isinstance(kind, str) and re.fullmatch(r"[A-Za-z0-9_]{1,32}", kind))
    return tuple(dict.fromkeys(kind.lower() for kind in safe))
