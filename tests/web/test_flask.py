"""The Flask adapter: a Flask app and its test client, idpbridge's own CSRF, the sandbox IdP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from idpbridge import connect
from idpbridge.continuation import ContinuationKeys
from idpbridge.sandbox import Sandbox, totp_code
from idpbridge.web import SignedIn, WebAuth, WebRequest, WebResponse
from idpbridge.web.flask import blueprint, run

from .conftest import KC, SECRET, password_of, totp_secret


def on_success(request: WebRequest, done: SignedIn) -> WebResponse:
    return WebResponse.json_body({"username": done.authenticated.identity.username})


@pytest.fixture
def flask_client(sandbox: Sandbox) -> Iterator[Any]:
    table = {**sandbox.connector_tables()[KC], "totp_step": "after_invalid_credentials"}
    conn = connect(table.pop("provider"), name=KC, continuation_keys=ContinuationKeys.generate(), **table)
    app = Flask(__name__)  # an existing app
    auth = WebAuth({KC: conn}, secret=SECRET, on_success=on_success, base="/auth", secure_cookies=False)
    app.register_blueprint(blueprint(auth))
    try:
        yield app.test_client()
    finally:
        run(conn.aclose())


def test_totp_step_csrf_and_replay(flask_client: Any, sandbox: Sandbox) -> None:
    page = flask_client.get("/auth/login")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    forged = flask_client.post(f"/auth/{KC}/password", data={"username": "bob", "password": "x"})
    assert forged.status_code == 400
    assert "flow.csrf" in forged.text
    step = flask_client.post(
        f"/auth/{KC}/password", data={"username": "bob", "password": password_of("bob"), "csrf_token": token}
    )
    assert step.status_code == 200
    assert 'name="totp"' in step.text
    flow = next(h for h in step.headers.getlist("Set-Cookie") if h.startswith("idpb_flow="))
    assert "HttpOnly" in flow
    assert "SameSite=Lax" in flow
    used = flask_client.get_cookie("idpb_flow", path="/auth").value
    code = totp_code(totp_secret("bob"), sandbox.keycloak.clock())  # type: ignore[union-attr]
    done = flask_client.post("/auth/step", data={"totp": code, "csrf_token": token})
    assert done.status_code == 200, done.text
    assert done.json == {"username": "bob"}
    flask_client.set_cookie("idpb_flow", used, path="/auth")
    again = flask_client.post(
        "/auth/step", data={"totp": code, "csrf_token": token}, headers={"Accept": "application/json"}
    )
    assert again.status_code == 400
    assert again.json["error"] == "flow.reused"
