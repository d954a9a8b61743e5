"""The Keycloak face on the wire: documents, direct grant, code flow, errors (reference/providers.md §6)."""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from idpbridge.sandbox import Sandbox, totp_code
from idpbridge.sandbox.keycloak import Realm, RealmClient
from idpbridge.sandbox.seed import Seed

from .conftest import CLIENT_ID, KEYCLOAK_SECRET, SEED, Clock, pkce, seed_password

REALM = "/realms/acme"
TOKEN = f"{REALM}/protocol/openid-connect/token"
AUTH = f"{REALM}/protocol/openid-connect/auth"
CALLBACK = "http://127.0.0.1:51234/callback"
BOB_TOTP = next(u for u in SEED.keycloak.users if u.username == "bob").totp_secret.get_secret_value()  # type: ignore[union-attr]


def claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header(jwt: str) -> dict[str, Any]:
    head = jwt.split(".", maxsplit=1)[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))


def grant(http: httpx.Client, **form: str) -> httpx.Response:
    body = {"grant_type": "password", "client_id": CLIENT_ID, "client_secret": KEYCLOAK_SECRET, **form}
    return http.post(TOKEN, data={k: v for k, v in body.items() if v is not None})


def action(page: str) -> str:
    found = re.search(r"action='([^']+)'", page)
    assert found is not None, page
    return unescape(found.group(1))


def error_text(page: str) -> str | None:
    found = re.search(r"id='input-error[^']*'[^>]*>([^<]*)<", page)
    return unescape(found.group(1)) if found else None


def start(http: httpx.Client, **params: str) -> httpx.Response:
    verifier, challenge = pkce()
    query = {
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid email profile",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **params,
    }
    response = http.get(AUTH, params={k: v for k, v in query.items() if v})
    response.extensions["verifier"] = verifier
    return response


def callback(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(CALLBACK)
    return dict(parse_qsl(urlsplit(location).query))


# -- documents ------------------------------------------------------------------------------------


def test_discovery_issuer_follows_the_request_host(sandbox: Sandbox, http: httpx.Client) -> None:
    doc = http.get(f"{REALM}/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{sandbox.base_url}/realms/acme"
    assert doc["token_endpoint"] == f"{sandbox.base_url}/realms/acme/protocol/openid-connect/token"
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert "password" in doc["grant_types_supported"]
    assert "S256" in doc["code_challenge_methods_supported"]
    # Keycloak derives the issuer from the host it is reached by: localhost is another issuer.
    other = httpx.get(f"http://localhost:{sandbox.port}{REALM}/.well-known/openid-configuration").json()
    assert other["issuer"] == f"http://localhost:{sandbox.port}/realms/acme"


def test_jwks_has_signing_keys_and_an_encryption_key(http: httpx.Client) -> None:
    response = http.get(f"{REALM}/protocol/openid-connect/certs")
    assert response.headers["content-type"] == "application/jwk-set+json"
    keys = response.json()["keys"]
    assert [k["use"] for k in keys] == ["sig", "enc"]
    assert keys[1]["alg"] == "RSA-OAEP"
    assert keys[0]["alg"] == "RS256"
    assert all("d" not in k for k in keys)  # public halves only


def test_realm_info_and_unknown_realm(sandbox: Sandbox, http: httpx.Client) -> None:
    info = http.get(REALM).json()
    assert info["realm"] == "acme"
    assert info["token-service"].endswith("/realms/acme/protocol/openid-connect")
    assert base64.b64decode(info["public_key"])  # DER SubjectPublicKeyInfo
    missing = http.get("/realms/nope/.well-known/openid-configuration")
    assert (missing.status_code, missing.json()) == (404, {"error": "Realm does not exist"})
    assert http.get(f"{REALM}/protocol/openid-connect/nope").status_code == 404


def test_key_rotation_keeps_the_old_key_published(sandbox: Sandbox, http: httpx.Client) -> None:
    before = http.post(
        TOKEN,
        data={
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": KEYCLOAK_SECRET,
            "username": "alice",
            "password": seed_password("alice"),
            "scope": "openid",
        },
    ).json()
    old_kid = header(before["id_token"])["kid"]
    rotated = http.post("/_sandbox/rotate-keys", headers=sandbox.admin_headers).json()
    new_kid = rotated["keycloak"]["acme"]
    kids = [
        k["kid"]
        for k in http.get(f"{REALM}/protocol/openid-connect/certs").json()["keys"]
        if k["use"] == "sig"
    ]
    assert kids == [new_kid, old_kid]
    after = grant(http, username="alice", password=seed_password("alice"), scope="openid").json()
    assert header(after["id_token"])["kid"] == new_kid


# -- direct access grant --------------------------------------------------------------------------


def test_password_grant_tokens(sandbox: Sandbox, http: httpx.Client) -> None:
    response = grant(http, username="alice", password=seed_password("alice"), scope="openid")
    assert response.status_code == 200, response.text
    body = response.json()
    assert {
        "access_token",
        "expires_in",
        "refresh_expires_in",
        "refresh_token",
        "token_type",
        "id_token",
        "not-before-policy",
        "session_state",
        "scope",
    } <= set(body)
    assert body["token_type"] == "Bearer"
    id_token, access = claims(body["id_token"]), claims(body["access_token"])
    assert id_token["typ"] == "ID"
    assert access["typ"] == "Bearer"
    assert id_token["iss"] == access["iss"] == f"{sandbox.base_url}/realms/acme"
    assert id_token["aud"] == CLIENT_ID
    assert id_token["azp"] == CLIENT_ID
    assert id_token["sub"] == SEED.keycloak.user_id(SEED.keycloak.users[0])  # type: ignore[union-attr]
    assert id_token["email"] == "alice@acme.example"
    assert id_token["email_verified"] is True
    assert id_token["groups"] == ["staff"]
    assert "user" in access["realm_access"]["roles"]
    assert id_token["sid"] == body["session_state"]
    assert "at_hash" in id_token
    assert header(body["id_token"])["alg"] == "RS256"


def test_password_grant_without_openid_scope_has_no_id_token(http: httpx.Client) -> None:
    body = grant(http, username="alice", password=seed_password("alice")).json()
    assert "id_token" not in body
    assert body["scope"] == "profile email"


def test_username_is_case_insensitive_and_email_works(http: httpx.Client) -> None:
    assert grant(http, username="ALICE", password=seed_password("alice")).status_code == 200
    assert grant(http, username="alice@acme.example", password=seed_password("alice")).status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error", "description"),
    [
        ({"username": "alice", "password": "wrong"}, 401, "invalid_grant", "Invalid user credentials"),
        ({"username": "nobody", "password": "wrong"}, 401, "invalid_grant", "Invalid user credentials"),
        ({"password": "x"}, 401, "invalid_request", "Missing parameter: username"),
        ({"username": "mallory", "password": "Ma11ory-Locked"}, 400, "invalid_grant", "Account disabled"),
        ({"username": "bob", "password": "Bob-Bui1der!"}, 401, "invalid_grant", "Invalid user credentials"),
        (
            {"username": "bob", "password": "Bob-Bui1der!", "otp": "000000"},
            401,
            "invalid_grant",
            "Invalid user credentials",
        ),
    ],
    ids=["wrong-password", "unknown-user", "no-username", "disabled", "otp-missing", "otp-wrong"],
)
def test_password_grant_errors(
    http: httpx.Client, form: dict[str, str], status: int, error: str, description: str
) -> None:
    response = grant(http, **form)
    assert response.status_code == status
    assert response.json() == {"error": error, "error_description": description}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("field", ["otp", "totp"])
def test_totp_user_signs_in_with_otp_or_legacy_totp(clocked: Sandbox, field: str) -> None:
    # A sandbox of its own: a TOTP code is good for one sign-in (see test_otp_reuse.py).
    code = totp_code(BOB_TOTP, clocked.keycloak.clock())
    with httpx.Client(base_url=clocked.base_url) as http:
        response = grant(http, username="bob", password=seed_password("bob"), **{field: code})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("form", "status", "error", "description"),
    [
        ({"client_id": "nope"}, 401, "invalid_client", "Invalid client or Invalid client credentials"),
        (
            {"client_secret": "wrong"},
            401,
            "unauthorized_client",
            "Invalid client or Invalid client credentials",
        ),
        (
            {"client_secret": None},
            401,
            "unauthorized_client",
            "Invalid client or Invalid client credentials",
        ),
        ({"grant_type": None}, 400, "invalid_request", "Missing form parameter: grant_type"),
        ({"grant_type": "urn:x"}, 400, "unsupported_grant_type", "Unsupported grant_type"),
    ],
    ids=["unknown-client", "wrong-secret", "no-secret", "no-grant-type", "unknown-grant-type"],
)
def test_token_endpoint_client_errors(
    http: httpx.Client, form: dict[str, Any], status: int, error: str, description: str
) -> None:
    response = grant(http, username="alice", password=seed_password("alice"), **form)
    assert (response.status_code, response.json()) == (
        status,
        {"error": error, "error_description": description},
    )


def test_basic_client_authentication(http: httpx.Client) -> None:
    form = {"grant_type": "password", "username": "alice", "password": seed_password("alice")}
    ok = http.post(TOKEN, data=form, auth=(CLIENT_ID, KEYCLOAK_SECRET))
    assert ok.status_code == 200
    bad = http.post(TOKEN, data=form, auth=(CLIENT_ID, "nope"))
    assert bad.status_code == 401
    assert bad.json()["error"] == "unauthorized_client"


def realm_sandbox(clock: Clock | None = None, **realm_fields: Any) -> Sandbox:
    """A sandbox with the default seed's Keycloak realm, tweaked."""
    seed = Seed(keycloak=SEED.keycloak.model_copy(update=realm_fields))  # type: ignore[union-attr]
    return Sandbox(seed, **({"clock": clock} if clock else {}))


def test_keycloak_26_6_answers_400_for_invalid_credentials() -> None:
    with realm_sandbox(invalid_credentials_status=400) as server, httpx.Client(base_url=server.base_url) as c:
        response = grant(c, username="alice", password="wrong")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"


def test_required_actions_and_disabled_direct_grants(sandbox: Sandbox, http: httpx.Client) -> None:
    realm: Realm = sandbox.keycloak.realms["acme"]
    carol = realm.find_user("carol")
    assert carol is not None
    carol.required_actions = ("UPDATE_PASSWORD",)
    try:
        response = grant(http, username="carol", password=seed_password("carol"))
        assert (response.status_code, response.json()["error_description"]) == (
            400,
            "Account is not fully set up",
        )
    finally:
        carol.required_actions = ()
    realm.add_client(RealmClient("no-ropc", secret="s", direct_access_grants=False))
    response = http.post(
        TOKEN,
        data={
            "grant_type": "password",
            "client_id": "no-ropc",
            "client_secret": "s",
            "username": "alice",
            "password": seed_password("alice"),
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": "Client not allowed for direct access grants",
    }


def test_brute_force_lockout(clock: Clock) -> None:
    with (
        realm_sandbox(clock, brute_force_max_failures=3) as server,
        httpx.Client(base_url=server.base_url) as c,
    ):
        for _ in range(3):
            assert grant(c, username="alice", password="wrong").status_code == 401
        # Keycloak's ValidateUsername answers a locked user exactly like a wrong password.
        locked = grant(c, username="alice", password=seed_password("alice"))
        assert (locked.status_code, locked.json()["error_description"]) == (401, "Invalid user credentials")
        clock.advance(61)
        assert grant(c, username="alice", password=seed_password("alice")).status_code == 200


def test_legacy_auth_relative_path() -> None:
    with realm_sandbox(relative_path="/auth") as server, httpx.Client(base_url=server.base_url) as c:
        doc = c.get("/auth/realms/acme/.well-known/openid-configuration").json()
        assert doc["issuer"] == f"{server.base_url}/auth/realms/acme"
        assert c.get("/realms/acme/.well-known/openid-configuration").status_code == 404
        body = c.post(
            "/auth" + TOKEN,
            data={
                "grant_type": "password",
                "client_id": CLIENT_ID,
                "client_secret": KEYCLOAK_SECRET,
                "username": "alice",
                "password": seed_password("alice"),
                "scope": "openid",
            },
        ).json()
        assert claims(body["id_token"])["iss"] == f"{server.base_url}/auth/realms/acme"


# -- refresh, UserInfo, revocation ------------------------------------------------------------------


def test_refresh_userinfo_and_revoke(http: httpx.Client) -> None:
    body = grant(http, username="alice", password=seed_password("alice"), scope="openid").json()
    info = http.get(
        f"{REALM}/protocol/openid-connect/userinfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert info.status_code == 200
    assert info.json()["preferred_username"] == "alice"
    assert info.json()["sub"] == claims(body["id_token"])["sub"]
    bad = http.get(f"{REALM}/protocol/openid-connect/userinfo", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert 'error="invalid_token"' in bad.headers["www-authenticate"]
    refreshed = grant(http, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200
    assert refreshed.json()["refresh_token"] != body["refresh_token"]
    reused = grant(http, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert reused.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}
    new_refresh = refreshed.json()["refresh_token"]
    revoked = http.post(
        f"{REALM}/protocol/openid-connect/revoke",
        data={"token": new_refresh, "client_id": CLIENT_ID, "client_secret": KEYCLOAK_SECRET},
    )
    assert revoked.status_code == 200
    assert grant(http, grant_type="refresh_token", refresh_token=new_refresh).status_code == 400


# -- authorization code flow --------------------------------------------------------------------------


def sign_in(http: httpx.Client, page: httpx.Response, username: str, password: str) -> httpx.Response:
    assert page.status_code == 200, page.text
    return http.post(action(page.text), data={"username": username, "password": password, "credentialId": ""})


def test_code_flow_with_pkce(sandbox: Sandbox, http: httpx.Client) -> None:
    page = start(http, login_hint="carol")
    assert "kc-form-login" in page.text
    assert "value='carol'" in page.text
    assert "AUTH_SESSION_ID" in page.headers["set-cookie"]
    wrong = sign_in(http, page, "carol", "wrong")
    assert wrong.status_code == 200
    assert error_text(wrong.text) == "Invalid username or password."
    done = sign_in(http, wrong, "carol", seed_password("carol"))
    params = callback(done)
    assert list(params) == ["state", "session_state", "iss", "code"]
    assert params["state"] == "st-1"
    assert params["iss"] == f"{sandbox.base_url}/realms/acme"
    exchange = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": CALLBACK,
        "code_verifier": page.extensions["verifier"],
    }
    tokens = grant(http, **exchange)
    assert tokens.status_code == 200, tokens.text
    id_token = claims(tokens.json()["id_token"])
    assert id_token["nonce"] == "n-1"
    assert id_token["acr"] == "1"
    assert id_token["preferred_username"] == "carol"
    again = grant(http, **exchange)
    assert again.json() == {"error": "invalid_grant", "error_description": "Code not valid"}


def test_sso_session_is_reused_and_prompt_none_needs_one(http: httpx.Client) -> None:
    done = sign_in(http, start(http), "carol", seed_password("carol"))
    callback(done)
    silent = start(http, prompt="none")  # the KEYCLOAK_IDENTITY cookie signs in without a form
    params = callback(silent)
    assert "code" in params
    tokens = grant(
        http,
        grant_type="authorization_code",
        code=params["code"],
        redirect_uri=CALLBACK,
        code_verifier=silent.extensions["verifier"],
    ).json()
    assert claims(tokens["id_token"])["acr"] == "0"
    http.cookies.clear()
    assert callback(start(http, prompt="none"))["error"] == "login_required"


@pytest.mark.parametrize(
    ("exchange", "description"),
    [
        ({"code_verifier": "x" * 43}, "PKCE verification failed: Code mismatch"),
        ({"code_verifier": "short"}, "PKCE verification failed: Invalid code verifier"),
        ({"code_verifier": None}, "PKCE code verifier not specified"),
        ({"redirect_uri": "http://127.0.0.1:51234/other"}, "Incorrect redirect_uri"),
    ],
    ids=["mismatch", "invalid-verifier", "no-verifier", "redirect-uri"],
)
def test_code_exchange_errors(http: httpx.Client, exchange: dict[str, Any], description: str) -> None:
    page = start(http)
    params = callback(sign_in(http, page, "carol", seed_password("carol")))
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": CALLBACK,
        "code_verifier": page.extensions["verifier"],
        **exchange,
    }
    response = grant(http, **form)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": description}


def test_totp_user_gets_the_otp_page(clocked: Sandbox) -> None:
    with httpx.Client(base_url=clocked.base_url, follow_redirects=False) as http:
        page = sign_in(http, start(http), "bob", seed_password("bob"))
        assert "kc-otp-login-form" in page.text
        wrong = http.post(action(page.text), data={"otp": "000000"})
        assert error_text(wrong.text) == "Invalid authenticator code."
        done = http.post(action(wrong.text), data={"otp": totp_code(BOB_TOTP, clocked.keycloak.clock())})
        assert "code" in callback(done)


def test_login_page_refusals(http: httpx.Client) -> None:
    disabled = sign_in(http, start(http), "mallory", "Ma11ory-Locked")
    assert error_text(disabled.text) == "Account is disabled, contact your administrator."
    page = start(http)
    stale = http.post(
        action(page.text).replace("session_code=", "session_code=x"),
        data={"username": "carol", "password": seed_password("carol")},
    )
    assert "Action expired" in (error_text(stale.text) or "")
    fresh = httpx.Client(base_url=str(http.base_url), follow_redirects=False)  # no AUTH_SESSION_ID cookie
    with fresh:
        no_cookie = fresh.post(action(page.text), data={"username": "carol", "password": "x"})
    assert no_cookie.status_code == 400
    assert "Cookie not found" in no_cookie.text


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"client_id": "nope"}, 400, "Client not found."),
        ({"redirect_uri": "https://evil.example/cb"}, 400, "Invalid parameter: redirect_uri"),
    ],
)
def test_authorization_errors_shown_as_a_page(
    http: httpx.Client, params: dict[str, str], status: int, text: str
) -> None:
    response = start(http, **params)
    assert response.status_code == status
    assert text in response.text
    assert "location" not in response.headers


@pytest.mark.parametrize(
    ("params", "error", "description"),
    [
        ({"response_type": "token"}, "unsupported_response_type", None),
        ({"response_type": ""}, "invalid_request", "Missing parameter: response_type"),
        ({"code_challenge_method": "S512"}, "invalid_request", "Invalid parameter: code_challenge_method"),
        ({"code_challenge": "short"}, "invalid_request", "Invalid parameter: code_challenge"),
        ({"response_mode": "nope"}, "invalid_request", "Invalid parameter: response_mode"),
    ],
)
def test_authorization_errors_sent_to_the_client(
    sandbox: Sandbox, http: httpx.Client, params: dict[str, str], error: str, description: str | None
) -> None:
    got = callback(start(http, **params))
    assert got["error"] == error
    assert got.get("error_description") == description
    assert got["state"] == "st-1"
    assert got["iss"] == f"{sandbox.base_url}/realms/acme"


def test_pkce_enforced_client(sandbox: Sandbox, http: httpx.Client) -> None:
    sandbox.keycloak.realms["acme"].add_client(
        RealmClient("pkce-only", redirect_uris=("http://127.0.0.1/*",), pkce_method="S256")
    )
    got = callback(start(http, client_id="pkce-only", code_challenge="", code_challenge_method=""))
    assert got["error_description"] == "Missing parameter: code_challenge_method"


@pytest.mark.parametrize(
    ("uri", "ok"),
    [
        ("http://127.0.0.1:1/cb", True),
        ("http://127.0.0.1:65000/x/y?q=1", True),
        ("http://LOCALHOST:8080/cb", True),
        ("http://127.0.0.2:8080/cb", False),
        ("https://127.0.0.1:8080/cb", False),
        ("http://127.0.0.1.evil.example/cb", False),
    ],
)
def test_redirect_uri_patterns(uri: str, ok: bool) -> None:
    client = RealmClient("c", redirect_uris=("http://127.0.0.1/*", "http://localhost/*"))
    assert (client.valid_redirect(uri) is not None) is ok


def test_form_post_and_fragment_modes(http: httpx.Client) -> None:
    page = start(http, response_mode="form_post")
    posted = sign_in(http, page, "carol", seed_password("carol"))
    assert posted.status_code == 200
    assert f"action='{CALLBACK}'" in posted.text
    fields = dict(re.findall(r"name='([^']+)' value='([^']*)'", posted.text))
    assert set(fields) == {"state", "session_state", "iss", "code"}
    silent = start(http, response_mode="fragment")
    assert "#" in silent.headers["location"]
    assert "code=" in silent.headers["location"].split("#")[1]


def test_code_expires(clock: Clock) -> None:
    with realm_sandbox(clock) as server, httpx.Client(base_url=server.base_url, follow_redirects=False) as c:
        page = start(c)
        params = callback(sign_in(c, page, "carol", seed_password("carol")))
        clock.advance(61)
        response = grant(
            c,
            grant_type="authorization_code",
            code=params["code"],
            redirect_uri=CALLBACK,
            code_verifier=page.extensions["verifier"],
        )
        assert response.json()["error_description"] in ("Code is expired", "Code not valid")


def test_logout_ends_the_sso_session(http: httpx.Client) -> None:
    callback(sign_in(http, start(http), "carol", seed_password("carol")))
    out = http.get(
        f"{REALM}/protocol/openid-connect/logout",
        params={"client_id": CLIENT_ID, "post_logout_redirect_uri": CALLBACK, "state": "s"},
    )
    assert out.status_code == 302
    assert out.headers["location"] == f"{CALLBACK}?state=s"
    assert callback(start(http, prompt="none"))["error"] == "login_required"


def test_refusals_never_echo_secrets(http: httpx.Client) -> None:
    typed = "Typed-Secret-9f3b"
    page = start(http)
    shown = sign_in(http, page, "carol", typed)
    assert typed not in shown.text
    for form in (
        {"password": typed},
        {"client_secret": typed},
        {"username": "bob", "password": "x", "otp": typed},
    ):
        response = grant(http, **{"username": "alice", **form})
        assert typed not in response.text
        assert typed not in str(response.headers)
    exchange = grant(
        http, grant_type="authorization_code", code=typed, redirect_uri=CALLBACK, code_verifier=typed
    )
    assert typed not in exchange.text
