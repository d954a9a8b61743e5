"""The Django adapter: a Django project configured in the test, Django's own CSRF middleware and
test client, against the sandbox IdP."""

from __future__ import annotations

import re
import runpy
import sys
import types
from collections.abc import Iterator
from pathlib import Path
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
DOCS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "web"


def on_success(request: WebRequest, done: SignedIn) -> WebResponse:
    ident = done.authenticated.identity
    return WebResponse.json_body({"email": ident.email, "username": ident.username})


def configure() -> None:
    """A Django project configured in-process (once): sessions in signed cookies, Django's CSRF."""
    if not settings.configured:
        settings.configure(
            SECRET_KEY=ContinuationKeys.new_key(),
            ALLOWED_HOSTS=["127.0.0.1", "testserver"],
            ROOT_URLCONF=URLCONF,
            MIDDLEWARE=[
                "django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware",
            ],
            SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        django.setup()


def install_urls(urlpatterns: list[Any]) -> None:
    from django.urls import clear_url_caches

    module = types.ModuleType(URLCONF)
    module.urlpatterns = urlpatterns  # type: ignore[attr-defined]
    sys.modules[URLCONF] = module
    clear_url_caches()


@pytest.fixture
def django_app(sandbox: Sandbox) -> Iterator[dict[str, Connector[Any]]]:
    """A Django project whose URLconf includes idpbridge's routes."""
    configure()
    from django.urls import include, path

    from idpbridge.web.django import run, urls

    tables = sandbox.connector_tables()
    table = {**tables[KC], "totp_step": "after_invalid_credentials"}
    conn = connect(table.pop("provider"), name=KC, continuation_keys=ContinuationKeys.generate(), **table)
    auth = WebAuth(
        {KC: conn}, secret=settings.SECRET_KEY, on_success=on_success, base="/auth", secure_cookies=False
    )
    install_urls([path("auth/", include(urls(auth)))])
    try:
        yield {KC: conn}
    finally:
        run(conn.aclose())
        del sys.modules[URLCONF]


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


def test_the_docs_django_snippet(sandbox: Sandbox, tmp_path: Path) -> None:
    """docs/examples/web/django_urls.py, as docs/web.md shows it, in a Django project."""
    from django.test import override_settings

    from idpbridge.web.django import run

    configure()
    config = tmp_path / "idpbridge.toml"
    config.write_text(sandbox.connectors_toml(continuation_key=ContinuationKeys.new_key()))
    with override_settings(IDPBRIDGE_CONFIG=str(config)):
        snippet = runpy.run_path(str(DOCS / "django_urls.py"))
        install_urls(snippet["urlpatterns"])
        try:
            c = client()
            token = csrf(c.get("/auth/login"))
            done = c.post(
                "/auth/sandbox-keycloak/password",
                {"username": "alice", "password": password_of("alice"), "csrfmiddlewaretoken": token},
            )
            assert done.status_code == 303
            assert done["Location"] == "/"
            subject = c.session["idp_subject"]  # Django's own session, set in on_success
            assert subject
            assert "sessionid" in done.cookies
        finally:
            run(snippet["connectors"].aclose())
            del sys.modules[URLCONF]
