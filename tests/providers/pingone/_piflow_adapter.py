"""PingOne's redirectless Flows API in front of a real OP (an httpx transport, for tests).

oidc-provider has no ``pi.flow``, but its interactive login is the same state machine: an
authorization request opens an interaction, a login form checks the password, and the OP
redirects back with a code. This transport translates the PingOne dialect (reference/providers.md
§8.5) onto it, driving the OP's login page like a browser (per flow, with its own cookie jar):

* ``GET {issuer}/auth?…&response_mode=pi.flow`` -> the OP's authorization request without
  ``response_mode``; answers a flow object ``USERNAME_PASSWORD_REQUIRED`` and sets an
  ``interactionId`` cookie;
* ``POST {env}/flows/{id}`` (``usernamePassword.check``) -> the OP's login form; answers
  ``COMPLETED`` (and an ``ST`` cookie), ``OTP_REQUIRED`` (TOTP users) or PingOne's
  ``INVALID_DATA`` error;
* ``GET {env}/as/resume?flowId=`` -> ``authorizeResponse`` with the OP's code and state.

Everything else (discovery, JWKS, the token endpoint) goes to the real OP unchanged, so the code
exchange, PKCE and the ID token (nonce, signature) are the OP's own.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from tests.oidc.integration._drive import _follow

CHECK = "application/vnd.pingidentity.usernamePassword.check+json"


@dataclass
class _Flow:
    browser: httpx.AsyncClient
    interaction: str
    cookie: str
    redirect_uri: str
    session: str | None = None
    code: str | None = None
    state: str | None = None


def _error(status: int, code: str, message: str, *details: dict[str, Any]) -> httpx.Response:
    body: dict[str, Any] = {"id": secrets.token_hex(8), "code": code, "message": message}
    if details:
        body["details"] = list(details)
    return httpx.Response(status, json=body)


class PiFlowAdapter(httpx.AsyncBaseTransport):
    """Serve ``pi.flow``, the Flows API and resume for ``env_path``; pass the rest to the network."""

    def __init__(self, *, authorize_url: str, env_path: str) -> None:
        self.authorize_url = authorize_url
        self.env_path = env_path.rstrip("/")
        self.real = httpx.AsyncHTTPTransport()
        self.flows: dict[str, _Flow] = {}
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        url = request.url
        if (
            str(url.copy_with(query=None)) == self.authorize_url
            and url.params.get("response_mode") == "pi.flow"
        ):
            return await self._authorize(request)
        if request.method == "POST" and url.path.startswith(f"{self.env_path}/flows/"):
            return await self._check(request)
        if request.method == "GET" and url.path == f"{self.env_path}/as/resume":
            return self._resume(request)
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        for flow in self.flows.values():
            await flow.browser.aclose()
        await self.real.aclose()

    @staticmethod
    def _cookies(request: httpx.Request) -> dict[str, str]:
        raw = request.headers.get("cookie", "")
        return dict(p.strip().split("=", 1) for p in raw.split(";") if "=" in p)

    async def _authorize(self, request: httpx.Request) -> httpx.Response:
        params = {k: v for k, v in request.url.params.items() if k != "response_mode"}
        if "redirect_uri" not in params:
            return _error(400, "INVALID_REQUEST", "redirect_uri is required by this application")
        browser = httpx.AsyncClient(follow_redirects=False, timeout=10)
        r = await browser.get(self.authorize_url, params=params)
        if r.status_code != 303:
            await browser.aclose()
            return _error(
                400, "INVALID_REQUEST", f"the OP refused the authorization request ({r.status_code})"
            )
        interaction = str(r.url.join(r.headers["location"]))
        await browser.get(interaction)
        flow_id = secrets.token_hex(16)
        flow = _Flow(browser, interaction, secrets.token_urlsafe(16), params["redirect_uri"])
        self.flows[flow_id] = flow
        href = f"{request.url.scheme}://{request.url.netloc.decode()}{self.env_path}/flows/{flow_id}"
        body = {
            "id": flow_id,
            "status": "USERNAME_PASSWORD_REQUIRED",
            "_links": {"self": {"href": href}, "usernamePassword.check": {"href": href}},
            "resumeUrl": f"{self.env_path}/as/resume?flowId={flow_id}",
        }
        cookie = f"interactionId={flow.cookie}; Path={self.env_path}; HttpOnly"
        return httpx.Response(200, json=body, headers=[("set-cookie", cookie)])

    async def _check(self, request: httpx.Request) -> httpx.Response:
        flow = self.flows.get(request.url.path.rsplit("/", 1)[-1])
        if flow is None:
            return _error(404, "NOT_FOUND", "The flow was not found")
        if self._cookies(request).get("interactionId") != flow.cookie:
            return _error(401, "INVALID_TOKEN", "The authorization token is either missing or invalid")
        if request.headers.get("content-type") != CHECK:
            return _error(415, "INVALID_REQUEST", "unsupported media type")
        creds = json.loads(request.content)
        form = {"step": "login", "login": creds.get("username", ""), "password": creds.get("password", "")}
        r = await flow.browser.post(flow.interaction, data=form)
        if r.status_code == 401:
            return _error(
                400, "INVALID_DATA", "One or more validation errors were in the request.",
                {"code": "INVALID_VALUE", "target": "password", "message": "Invalid username or password"},
            )  # fmt: skip
        if r.status_code == 200 and 'name="otp"' in r.text:
            return httpx.Response(
                200, json={"id": "x", "status": "OTP_REQUIRED", "_links": {"otp.check": {}}}
            )
        callback = await _follow(flow.browser, r, flow.redirect_uri)
        flow.code, flow.state = callback.params["code"][0], callback.params["state"][0]
        flow.session = secrets.token_urlsafe(16)
        cookie = f"ST={flow.session}; Path={self.env_path}; Max-Age=2592000; HttpOnly"
        return httpx.Response(
            200, json={"status": "COMPLETED", "_links": {}}, headers=[("set-cookie", cookie)]
        )

    def _resume(self, request: httpx.Request) -> httpx.Response:
        flow = self.flows.get(request.url.params.get("flowId", ""))
        if flow is None or flow.session is None or self._cookies(request).get("ST") != flow.session:
            return _error(400, "INVALID_REQUEST", "No valid session")
        body = {"status": "COMPLETED", "authorizeResponse": {"code": flow.code, "state": flow.state}}
        return httpx.Response(200, json=body)
