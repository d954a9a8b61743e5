"""A fake PingOne environment (respx): discovery, JWKS, the redirectless Flows API and the token
endpoint, strict about what the real one requires.

Wire shapes follow PingOne's docs as collected in reference/providers.md §8 (flow objects with
``id``/``status``/``_links``/``resumeUrl``; the ``usernamePassword.check`` media type; the ``ST``
cookie set on success and needed by resume; ``authorizeResponse.code`` from resume; platform
error bodies ``{id, code, message, details[]}``). ID tokens are minted at test time (RS256, by
tests.oidc.flows.conftest.FakeOP) with the nonce of the flow; the token endpoint checks PKCE.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from joserfc.jwk import RSAKey

from idpbridge.providers.pingone.connector import PingOneConnector
from tests.oidc.flows.conftest import FakeOP
from tests.support.providers import Connectors, connectors

ENV = "3c1e0a5d-7b2f-4c8e-9a6d-0f1e2d3c4b5a"
BASE = f"https://auth.pingone.com/{ENV}"
ISSUER = f"{BASE}/as"
CLIENT_ID = "6c2f0a1b-0000-4000-8000-00000000c1d0"
CLIENT_SECRET = "fake-pingone-secret-0a1b2c3d4e5f"
REDIRECT_URI = "https://rp.example.test/callback"
CHECK = "application/vnd.pingidentity.usernamePassword.check+json"
PASSWORD = "Passw0rd!"


def pingone_discovery() -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/authorize",
        "token_endpoint": f"{ISSUER}/token",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "jwks_uri": f"{ISSUER}/jwks",
        "end_session_endpoint": f"{ISSUER}/signoff",
        "introspection_endpoint": f"{ISSUER}/introspect",
        "revocation_endpoint": f"{ISSUER}/revoke",
        "response_types_supported": ["code", "id_token", "token id_token", "code id_token"],
        "response_modes_supported": ["pi.flow", "query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "implicit", "client_credentials", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "scopes_supported": ["openid", "profile", "email", "address", "phone"],
    }


def platform_error(status: int, code: str, message: str, *details: dict[str, Any]) -> httpx.Response:
    body: dict[str, Any] = {"id": "9f8e7d6c-0000-4000-8000-000000000000", "code": code, "message": message}
    if details:
        body["details"] = list(details)
    return httpx.Response(status, json=body)


@dataclass
class Flow:
    id: str
    params: dict[str, str]
    interaction: str  # the value of the interaction cookie this flow set
    session: str | None = None  # the ST cookie after the credentials
    code: str | None = None


@dataclass
class FakePingOne:
    """Users map to (password, status after the check); ``inline_code`` puts the code in the check answer."""

    op: FakeOP
    users: dict[str, tuple[str, str]] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    inline_code: bool = False
    check_reply: Callable[[httpx.Request], httpx.Response] | None = None
    resume_state: str | None = None  # overrides the state resume returns (hostile tests)
    requests: list[httpx.Request] = field(default_factory=list)

    def authorize(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = dict(request.url.params)
        if params.get("response_mode") != "pi.flow":
            return httpx.Response(302, headers={"location": "https://auth.pingone.com/signon/?flowId=x"})
        if params.get("client_id") != CLIENT_ID:
            return platform_error(404, "NOT_FOUND", "Unable to find application")
        flow = Flow(id=secrets.token_hex(12), params=params, interaction=secrets.token_urlsafe(16))
        self.flows[flow.id] = flow
        self.op.nonce = params["nonce"]
        body = {
            "_links": {
                "self": {"href": f"{BASE}/flows/{flow.id}"},
                "usernamePassword.check": {"href": f"{BASE}/flows/{flow.id}"},
                "password.forgot": {"href": f"{BASE}/flows/{flow.id}"},
            },
            "id": flow.id,
            "resumeUrl": f"{BASE}/as/resume?flowId={flow.id}",
            "status": "USERNAME_PASSWORD_REQUIRED",
            "createdAt": "2026-01-05T10:00:00.000Z",
            "expiresAt": "2026-01-05T10:15:00.000Z",
            "_embedded": {"application": {"name": "idpbridge"}},
        }
        headers = [
            ("set-cookie", f"interactionId={flow.interaction}; Path=/{ENV}; Secure; HttpOnly; SameSite=None"),
            ("set-cookie", f"interactionToken={flow.interaction[::-1]}; Path=/{ENV}; Secure; HttpOnly"),
        ]
        return httpx.Response(200, json=body, headers=headers)

    def _cookies(self, request: httpx.Request) -> dict[str, str]:
        raw = request.headers.get("cookie", "")
        return dict(part.strip().split("=", 1) for part in raw.split(";") if "=" in part)

    def check(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        flow = self.flows.get(request.url.path.rsplit("/", 1)[-1])
        if flow is None:
            return platform_error(
                404, "NOT_FOUND", "The request could not be completed. The flow was not found."
            )
        cookies = self._cookies(request)
        if cookies.get("interactionId") != flow.interaction or "interactionToken" not in cookies:
            return platform_error(
                401, "INVALID_TOKEN", "The authorization token is either missing or invalid"
            )
        if request.headers.get("content-type") != CHECK:
            return platform_error(415, "INVALID_REQUEST", "Unsupported media type")
        if self.check_reply is not None:
            return self.check_reply(request)
        creds = json.loads(request.content)
        password, status = self.users.get(creds.get("username"), (None, ""))
        if password is None or creds.get("password") != password:
            return platform_error(
                400,
                "INVALID_DATA",
                "The request could not be completed. One or more validation errors were in the request.",
                {"code": "INVALID_VALUE", "target": "password", "message": "Invalid username or password",
                 "innerError": {"failuresRemaining": 4}},
            )  # fmt: skip
        body: dict[str, Any] = {"id": flow.id, "status": status, "_links": {}}
        headers = []
        if status == "COMPLETED":
            flow.session = secrets.token_urlsafe(16)
            flow.code = secrets.token_urlsafe(16)
            headers.append(
                ("set-cookie", f"ST={flow.session}; Path=/{ENV}; Max-Age=2592000; Secure; HttpOnly")
            )
            body["resumeUrl"] = f"{BASE}/as/resume?flowId={flow.id}"
            if self.inline_code:
                body["authorizeResponse"] = {"code": flow.code, "state": flow.params["state"]}
        elif status == "DEVICE_SELECTION_REQUIRED":
            body["_embedded"] = {"devices": [{"id": "d1", "type": "SMS"}, {"id": "d2", "type": "TOTP"}]}
        elif status == "OTP_REQUIRED":
            body["_links"] = {"otp.check": {"href": f"{BASE}/flows/{flow.id}"}}
        return httpx.Response(200, json=body, headers=headers)

    def resume(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        flow = self.flows.get(request.url.params.get("flowId", ""))
        if flow is None or flow.session is None:
            return platform_error(404, "NOT_FOUND", "The flow was not found")
        if self._cookies(request).get("ST") != flow.session:
            return platform_error(400, "INVALID_REQUEST", "No session token")
        state = self.resume_state if self.resume_state is not None else flow.params["state"]
        body = {
            "id": flow.id,
            "status": "COMPLETED",
            "authorizeResponse": {"code": flow.code, "state": state},
        }
        return httpx.Response(200, json=body)

    def token(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") != "authorization_code":
            return httpx.Response(400, json={"error": "unsupported_grant_type", "error_description": "nope"})
        flow = next((f for f in self.flows.values() if f.code and f.code == form.get("code")), None)
        if flow is None:
            return self.op._token(request)  # codes from the browser flow (StartOIDC tests)
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != flow.params["code_challenge"]:
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "PKCE failed"})
        if form.get("redirect_uri") != flow.params.get("redirect_uri"):
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "redirect_uri"})
        flow.code = None  # single use
        return self.op._token(request)


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}, private=True)


def pingone_claims(**extra: Any) -> dict[str, Any]:
    return {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "5a7b9c1d-0000-4000-8000-00000000a11c",
        "env": ENV,
        "org": "0a1b2c3d-0000-4000-8000-000000000000",
        "p1.region": "NA",
        "sid": "c0a76b09-50bc-404b-aa53-0ab2f2f508fd",
        "acr": "Single_Factor",
        "amr": ["pwd"],
        "preferred_username": "jane",
        "email": "jane@acme.test",
        "email_verified": None,
        **extra,
    }


@pytest.fixture
def pingone(signing_key: RSAKey) -> Iterator[FakePingOne]:
    op = FakeOP(key=signing_key, discovery=pingone_discovery())
    op.id_claims = pingone_claims()
    fake = FakePingOne(op=op, users={"jane": (PASSWORD, "COMPLETED")})
    with respx.mock(assert_all_called=False) as router:
        op.router = router
        router.get(f"{ISSUER}/.well-known/openid-configuration").respond(json=op.discovery)
        router.get(f"{ISSUER}/jwks").respond(json={"keys": [signing_key.as_dict(private=False)]})
        router.get(f"{ISSUER}/authorize").mock(side_effect=fake.authorize)
        router.post(url__regex=rf"^{re.escape(BASE)}/flows/[^/?]+$").mock(side_effect=fake.check)
        router.get(f"{ISSUER}/resume").mock(side_effect=fake.resume)
        router.post(f"{ISSUER}/token").mock(side_effect=fake.token)
        router.get(f"{ISSUER}/userinfo").mock(side_effect=op._userinfo)
        yield fake


@pytest.fixture
async def make() -> AsyncIterator[Connectors[PingOneConnector]]:
    """Build ``pingone`` connectors through the registry; closed afterwards."""
    async with connectors(
        "pingone",
        PingOneConnector,
        environment_id=ENV,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        methods=["oidc", "password", "token"],
        fetch_userinfo=False,
        retries=1,
    ) as build:
        yield build
