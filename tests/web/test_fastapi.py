"""The Starlette/FastAPI adapter against the sandbox IdP: a real FastAPI app over httpx's ASGI
transport, real connectors, real cookies."""

from __future__ import annotations

import asyncio
import re
import runpy
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import idpbridge
from idpbridge.connector import Connector
from idpbridge.continuation import ContinuationKeys
from idpbridge.sandbox import Sandbox, totp_code
from idpbridge.sandbox.agent import LoginAgent
from idpbridge.web import SignedIn, WebAuth, WebRequest, WebResponse
from idpbridge.web.starlette import app as auth_app

from .conftest import COGNITO, KC, SECRET, idp_sign_in, password_of, query, totp_secret

DOCS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "web"
BASE = "http://127.0.0.1"  # the sandbox client accepts any loopback redirect URI


async def on_success(request: WebRequest, done: SignedIn) -> WebResponse:
    ident = done.authenticated.identity
    return WebResponse.json_body(
        {"email": ident.email, "username": ident.username, "groups": sorted(ident.groups or ())}
    )


def build(connectors: dict[str, Connector[Any]], **options: Any) -> FastAPI:
    """An existing FastAPI app with idpbridge added: the lines docs/web.md shows."""
    app = FastAPI()

    @app.get("/")
    async def home() -> dict[str, str]:
        return {"app": "existing"}

    options.setdefault("secure_cookies", False)  # plain http in tests; the flag test turns it on
    options.setdefault("secret", SECRET)
    auth = WebAuth(connectors, on_success=on_success, base="/auth", **options)
    app.mount("/auth", auth_app(auth))
    return app


@pytest.fixture
async def client_for(
    connectors: dict[str, Connector[Any]],
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []

    def make(**options: Any) -> httpx.AsyncClient:
        base_url = options.pop("base_url", BASE)
        transport = httpx.ASGITransport(app=build(connectors, **options))
        client = httpx.AsyncClient(transport=transport, base_url=base_url)
        opened.append(client)
        return client

    yield make
    for c in opened:
        await c.aclose()


@pytest.fixture
def client(client_for: Callable[..., httpx.AsyncClient]) -> httpx.AsyncClient:
    return client_for()


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name!r} in the page"
    return found.group(1)


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """``{name: raw Set-Cookie header}``."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


async def login_token(client: httpx.AsyncClient) -> str:
    page = await client.get("/auth/login")
    assert page.status_code == 200
    return hidden(page.text, "csrf_token")


async def test_existing_routes_still_work_and_login_page_lists_methods(client: httpx.AsyncClient) -> None:
    assert (await client.get("/")).json() == {"app": "existing"}
    page = await client.get("/auth/login")
    assert page.status_code == 200
    assert f'action="/auth/{KC}/password"' in page.text
    assert f'action="/auth/{KC}/oidc"' in page.text
    assert f'action="/auth/{COGNITO}/otp"' in page.text
    csrf = set_cookies(page)["idpb_csrf"]
    assert "HttpOnly" in csrf
    assert "Path=/auth" in csrf
    assert "SameSite=strict" in csrf
    assert "Secure" not in csrf  # secure_cookies=False here
    assert page.headers["cache-control"] == "no-store"


async def test_password_user_signs_in(client: httpx.AsyncClient) -> None:
    token = await login_token(client)
    answer = await client.post(
        f"/auth/{KC}/password",
        data={"username": "alice", "password": password_of("alice"), "csrf_token": token},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["email"] == "alice@acme.example"
    assert password_of("alice") not in answer.text


async def test_totp_step_then_replayed_continuation_is_refused(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    token = await login_token(client)
    step = await client.post(
        f"/auth/{KC}/password", data={"username": "bob", "password": password_of("bob"), "csrf_token": token}
    )
    assert step.status_code == 200
    assert 'name="totp"' in step.text
    assert 'autocomplete="one-time-code"' in step.text
    flow = set_cookies(step)["idpb_flow"]
    assert "HttpOnly" in flow
    assert "Path=/auth" in flow
    assert "SameSite=lax" in flow
    max_age = int(re.search(r"Max-Age=(\d+)", flow).group(1))  # type: ignore[union-attr]
    assert 0 < max_age <= 600
    assert password_of("bob") not in step.text
    assert password_of("bob") not in flow
    used = client.cookies.get("idpb_flow", path="/auth")
    code = totp_code(totp_secret("bob"), sandbox.keycloak.clock())  # type: ignore[union-attr]
    done = await client.post("/auth/step", data={"totp": code, "csrf_token": token})
    assert done.status_code == 200, done.text
    assert done.json()["groups"] == ["admins", "staff"]
    assert 'idpb_flow=""' in set_cookies(done)["idpb_flow"] or "Max-Age=0" in set_cookies(done)["idpb_flow"]
    # The same continuation again (a copied cookie): single use, refused before Keycloak sees it.
    client.cookies.set("idpb_flow", str(used), domain="127.0.0.1", path="/auth")
    again = await client.post(
        "/auth/step", data={"totp": code, "csrf_token": token}, headers={"accept": "application/json"}
    )
    assert again.status_code == 400
    assert again.json() == {
        "error": "flow.reused",
        "message": "This sign-in has expired or was already used. Please start again.",
    }


async def test_wrong_password_shows_the_login_page_with_401(client: httpx.AsyncClient) -> None:
    token = await login_token(client)
    answer = await client.post(
        f"/auth/{COGNITO}/password",
        data={"username": "dave@acme.example", "password": "not-daves-password", "csrf_token": token},
    )
    assert answer.status_code == 401
    assert "The sign-in details are not correct." in answer.text
    assert 'name="username"' in answer.text
    assert "not-daves-password" not in answer.text


async def test_email_code_step(client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    token = await login_token(client)
    before = len(sandbox.outbox)
    step = await client.post(
        f"/auth/{COGNITO}/otp",
        data={"username": "erin@acme.example", "channel": "email", "csrf_token": token},
    )
    assert step.status_code == 200, step.text
    assert 'name="code"' in step.text
    assert "Enter the code we sent by email" in step.text
    assert len(sandbox.outbox) == before + 1
    done = await client.post("/auth/step", data={"code": sandbox.outbox[-1].code, "csrf_token": token})
    assert done.status_code == 200, done.text
    assert done.json()["email"] == "erin@acme.example"


async def test_oidc_redirect_and_callback_then_replayed_callback(client: httpx.AsyncClient) -> None:
    token = await login_token(client)
    start = await client.post(f"/auth/{KC}/oidc", data={"csrf_token": token})
    assert start.status_code == 303
    redirect_uri = f"{BASE}/auth/{KC}/oidc/callback"
    params = await idp_sign_in(start.headers["location"], redirect_uri, "carol")
    cookie = client.cookies.get("idpb_flow", path="/auth")
    done = await client.get(f"/auth/{KC}/oidc/callback", params=params)
    assert done.status_code == 200, done.text
    assert done.json()["email"] == "carol@acme.example"
    client.cookies.set("idpb_flow", str(cookie), domain="127.0.0.1", path="/auth")
    replay = await client.get(f"/auth/{KC}/oidc/callback", params=params)
    assert replay.status_code == 400
    assert 'id="code">flow.reused<' in replay.text
    assert params["code"] not in replay.text


async def test_callback_without_or_with_a_foreign_flow_cookie(
    client: httpx.AsyncClient, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    missing = await client.get(f"/auth/{KC}/oidc/callback", params={"code": "x", "state": "y"})
    assert missing.status_code == 400
    assert "flow.missing" in missing.text
    # A flow cookie minted by an app with another secret is refused, though its continuation is valid.
    other = client_for(secret=ContinuationKeys.new_key())
    start = await other.post(f"/auth/{KC}/oidc", data={"csrf_token": await login_token(other)})
    client.cookies.set("idpb_flow", str(other.cookies.get("idpb_flow")), domain="127.0.0.1", path="/auth")
    forged = await client.get(f"/auth/{KC}/oidc/callback", params=query(start.headers["location"]))
    assert forged.status_code == 400
    assert "flow.tampered" in forged.text


@pytest.mark.parametrize("case", ["no token", "no cookie", "mismatch", "unsigned"])
async def test_csrf_refusal(client: httpx.AsyncClient, case: str) -> None:
    token = await login_token(client)
    data = {"username": "alice", "password": password_of("alice")}
    if case == "no token":
        pass
    elif case == "no cookie":
        client.cookies.clear()
        data["csrf_token"] = token
    elif case == "mismatch":
        data["csrf_token"] = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    else:  # a planted cookie and the same value in the form, but not signed with our secret
        client.cookies.set("idpb_csrf", "planted.value", domain="127.0.0.1", path="/auth")
        data["csrf_token"] = "planted.value"
    answer = await client.post(f"/auth/{KC}/password", data=data, headers={"accept": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "flow.csrf"


async def test_form_carrier_keeps_the_flow_out_of_cookies(
    client_for: Callable[..., httpx.AsyncClient], sandbox: Sandbox
) -> None:
    client = client_for(carrier="form")
    token = await login_token(client)
    step = await client.post(
        f"/auth/{KC}/password", data={"username": "bob", "password": password_of("bob"), "csrf_token": token}
    )
    assert "idpb_flow" not in set_cookies(step)
    flow = hidden(step.text, "flow")
    tampered = await client.post(
        "/auth/step", data={"totp": "123456", "csrf_token": token, "flow": flow[:-3] + "AAA"}
    )
    assert tampered.status_code == 400
    assert "flow.tampered" in tampered.text
    code = totp_code(totp_secret("bob"), sandbox.keycloak.clock())  # type: ignore[union-attr]
    done = await client.post("/auth/step", data={"totp": code, "csrf_token": token, "flow": flow})
    assert done.status_code == 200, done.text
    assert done.json()["username"] == "bob"


async def test_secure_cookie_flags(client_for: Callable[..., httpx.AsyncClient]) -> None:
    client = client_for(secure_cookies=True, base_url="https://127.0.0.1")
    page = await client.get("/auth/login")
    assert "Secure" in set_cookies(page)["idpb_csrf"]
    token = hidden(page.text, "csrf_token")
    step = await client.post(
        f"/auth/{KC}/password", data={"username": "bob", "password": password_of("bob"), "csrf_token": token}
    )
    flow = set_cookies(step)["idpb_flow"]
    assert "Secure" in flow
    assert "HttpOnly" in flow
    assert "SameSite=lax" in flow


async def test_unknown_routes_methods_and_disabled_methods(client: httpx.AsyncClient) -> None:
    assert (await client.get("/auth/nope/password")).status_code == 404
    assert (await client.get(f"/auth/{KC}/password")).status_code == 405
    assert (await client.post("/auth/login")).status_code == 405
    token = await login_token(client)
    # Keycloak's connector offers no e-mail code: not a route.
    off = await client.post(
        f"/auth/{KC}/otp", data={"username": "a", "channel": "email", "csrf_token": token}
    )
    assert off.status_code == 404


async def test_the_docs_fastapi_snippet(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/examples/web/fastapi_app.py, as docs/web.md shows it, with Secure cookies over https."""
    config = tmp_path / "idpbridge.toml"
    config.write_text(sandbox.connectors_toml(continuation_key=ContinuationKeys.new_key()))
    monkeypatch.setenv("IDPBRIDGE_CONFIG", str(config))
    monkeypatch.setenv("WEB_SECRET", ContinuationKeys.new_key())
    snippet = runpy.run_path(str(DOCS / "fastapi_app.py"))
    transport = httpx.ASGITransport(app=snippet["app"])
    try:
        async with httpx.AsyncClient(transport=transport, base_url="https://127.0.0.1") as client:
            token = await login_token(client)
            done = await client.post(
                f"/auth/{KC}/password",
                data={"username": "alice", "password": password_of("alice"), "csrf_token": token},
            )
            assert done.status_code == 200, done.text
            assert done.json()["email"] == "alice@acme.example"
    finally:
        await snippet["connectors"].aclose()


async def test_a_wrong_code_keeps_the_step_open_with_a_fresh_continuation(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    token = await login_token(client)
    await client.post(
        f"/auth/{COGNITO}/otp",
        data={"username": "erin@acme.example", "channel": "email", "csrf_token": token},
    )
    code = sandbox.outbox[-1].code
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    retry = await client.post("/auth/step", data={"code": wrong, "csrf_token": token})
    assert retry.status_code == 401
    assert "The code is not correct." in retry.text
    assert 'name="code"' in retry.text
    assert "idpb_flow" in set_cookies(retry)  # Cognito re-sealed its session: a new continuation
    done = await client.post("/auth/step", data={"code": code, "csrf_token": token})
    assert done.status_code == 200, done.text
    assert done.json()["email"] == "erin@acme.example"


SAML_CONNECTOR = "sandbox-saml"


@pytest.fixture
async def b2b(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a SAML connector and an organization routed to it (the sandbox's SAML face)."""
    acs = f"{BASE}/auth/{SAML_CONNECTOR}/saml/acs"
    config = tmp_path / "idpbridge.toml"
    config.write_text(
        sandbox.connectors_toml(continuation_key=ContinuationKeys.new_key())
        + f"""
[connectors.{SAML_CONNECTOR}]
provider = "saml"
idp_metadata_url = "{sandbox.saml_metadata_url}"
sp_entity_id = "{BASE}/saml/sp"
acs_url = "{acs}"

[organizations.globex]
connector = "{SAML_CONNECTOR}"
domains = ["globex.example"]
verified_domains = ["globex.example"]
"""
    )
    connectors = idpbridge.load(config)
    app = FastAPI()
    auth = WebAuth(
        connectors, secret=SECRET, on_success=on_success, organizations=connectors.organizations,
        secure_cookies=False,
    )  # fmt: skip
    app.mount("/auth", auth_app(auth))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client
    await connectors.aclose()


async def test_saml_start_and_acs(b2b: httpx.AsyncClient) -> None:
    token = await login_token(b2b)
    start = await b2b.post(f"/auth/{SAML_CONNECTOR}/saml", data={"csrf_token": token})
    assert start.status_code == 303, start.text
    acs = f"{BASE}/auth/{SAML_CONNECTOR}/saml/acs"
    form = await asyncio.to_thread(
        LoginAgent().sign_in, start.headers["location"], acs, username="grace", password="Grace-H0pper!"
    )
    done = await b2b.post(f"/auth/{SAML_CONNECTOR}/saml/acs", data=form)  # the IdP's POST: no CSRF token
    assert done.status_code == 200, done.text
    assert done.json()["email"] == "grace@globex.example"
    again = await b2b.post(f"/auth/{SAML_CONNECTOR}/saml/acs", data=form)  # cookie cleared: no flow
    assert again.status_code == 400


async def test_organization_route_by_email_domain(b2b: httpx.AsyncClient) -> None:
    token = await login_token(b2b)
    unknown = await b2b.post("/auth/org", data={"email": "x@nowhere.example", "csrf_token": token})
    assert unknown.status_code == 400
    assert "org.unknown_domain" in unknown.text
    start = await b2b.post("/auth/org", data={"email": "grace@globex.example", "csrf_token": token})
    assert start.status_code == 303, start.text
    assert "SameSite=lax" in set_cookies(start)["idpb_flow"]  # None only with Secure cookies
    acs = f"{BASE}/auth/{SAML_CONNECTOR}/saml/acs"
    form = await asyncio.to_thread(
        LoginAgent().sign_in, start.headers["location"], acs, username="grace", password="Grace-H0pper!"
    )
    done = await b2b.post(f"/auth/{SAML_CONNECTOR}/saml/acs", data=form)
    assert done.status_code == 200, done.text
    assert done.json()["email"] == "grace@globex.example"


async def test_no_secret_reaches_the_logs(
    client: httpx.AsyncClient, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    token = await login_token(client)
    step = await client.post(
        f"/auth/{KC}/password", data={"username": "bob", "password": password_of("bob"), "csrf_token": token}
    )
    flow = str(client.cookies.get("idpb_flow", path="/auth"))
    code = totp_code(totp_secret("bob"), sandbox.keycloak.clock())  # type: ignore[union-attr]
    done = await client.post("/auth/step", data={"totp": code, "csrf_token": token})
    assert step.status_code == done.status_code == 200
    continuation = flow.split(".", 4)[4]
    for secret in (password_of("bob"), code, continuation, token):
        assert secret not in caplog.text
