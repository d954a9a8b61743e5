"""The Django adapter: a Django project configured in the test, Django's own CSRF middleware and
test client, against the sandbox IdP."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from typing import Any

import django
import pytest
from django.conf import settings

from idpbridge import connect
from idpbridge.connector import Connector
from idpbridge.continuation import ContinuationKeys
from idpbridge.sandbox import Sandbox, totp_code
from idpbridge.web import SignedIn, WebAuth, WebRequest, WebResponse

from .conftest import KC, idp_sign_in, password_of, totp_secret

URLCONF = "tests.web._django_urls"


def on_success(request: WebRequest, done: SignedIn) -> WebResponse:
    ident = done.authenticated.identity
    return WebResponse.json_body({"email": ident.email, "username": ident.username})


@pytest.fixture
def django_app(sandbox: Sandbox) -> Iterator[dict[str, Connector[Any]]]:
    """An existing Django project with idpbridge added: the lines docs/web.md shows."""
    if not settings.configured:
        settings.configure(
            SECRET_KEY=ContinuationKeys.new_key(),
            ALLOWED_HOSTS=["127.0.0.1", "testserver"],
            ROOT_URLCONF=URLCONF,
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        django.setup()
    from django.urls import clear_url_caches, include, path

    from idpbridge.web.django import _runner, urls

    tables = sandbox.connector_tables()
    table = {**tables[KC], "totp_step": "after_invalid_credentials"}
    conn = connect(table.pop("provider"), name=KC, continuation_keys=ContinuationKeys.generate(), **table)
    auth = WebAuth(
        {KC: conn}, secret=settings.SECRET_KEY, on_success=on_success, base="/auth", secure_cookies=False
    )
    module = types.ModuleType(URLCONF)
    module.urlpatterns = [path("auth/", include(urls(auth)))]  # type: ignore[attr-defined]
    sys.modules[URLCONF] = module
    clear_url_caches()
    try:
        yield {KC: conn}
    finally:
        _runner().run(conn.aclose())
        del sys.modules[URLCONF]
        clear_url_caches()


def client() -> Any:
    from django.test import Client

    return Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")


def csrf(page: Any) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found
    return found.group(1)


def test_password_and_totp_step_with_django_csrf(django_app: Any, sandbox: Sandbox) -> None:
    c = client()
    page = c.get("/auth/login")
    assert page.status_code == 200
    token = csrf(page)
    assert 'name="csrf_token"' not in page.content.decode()  # Django's token, not ours
    refused = c.post(f"/auth/{KC}/password", {"username": "bob", "password": password_of("bob")})
    assert refused.status_code == 403  # CsrfViewMiddleware
    step = c.post(
        f"/auth/{KC}/password",
        {"username": "bob", "password": password_of("bob"), "csrfmiddlewaretoken": token},
    )
    assert step.status_code == 200
    assert b'name="totp"' in step.content
    flow = step.cookies["idpb_flow"]
    assert flow["httponly"]
    assert flow["path"] == "/auth"
    assert flow["samesite"] == "Lax"
    used = flow.value
    code = totp_code(totp_secret("bob"), sandbox.keycloak.clock())  # type: ignore[union-attr]
    done = c.post("/auth/step", {"totp": code, "csrfmiddlewaretoken": token})
    assert done.status_code == 200, done.content
    assert done.json()["username"] == "bob"
    c.cookies["idpb_flow"] = used
    again = c.post("/auth/step", {"totp": code, "csrfmiddlewaretoken": token}, HTTP_ACCEPT="application/json")
    assert again.status_code == 400
    assert again.json()["error"] == "flow.reused"


async def test_oidc_callback_is_exempt_from_django_csrf(django_app: Any) -> None:
    from asgiref.sync import sync_to_async

    c = client()
    page = await sync_to_async(c.get)("/auth/login")
    start = await sync_to_async(c.post)(f"/auth/{KC}/oidc", {"csrfmiddlewaretoken": csrf(page)})
    assert start.status_code == 303
    params = await idp_sign_in(start["Location"], f"http://127.0.0.1/auth/{KC}/oidc/callback", "carol")
    # response_mode=form_post would POST these: a cross-site POST without Django's token.
    done = await sync_to_async(c.post)(f"/auth/{KC}/oidc/callback", params)
    assert done.status_code == 200, done.content
    assert done.json()["email"] == "carol@acme.example"
