"""Every built-in connector certified by the testkit, against scripted IdPs on loopback.

One ``idpbridge_subject`` per connector (the fixture's params): the testkit plugin runs its whole
conformance suite over each, exactly as it does for a third-party plugin. OpenID Connect providers
run on a scripted :class:`~idpbridge.testkit.OIDCIdP` mounted where each connector looks for it
(its derived issuer, or ``issuer`` + ``endpoints`` for a fixed one), plus the provider's own routes
where it needs them (Meta's ``debug_token``); ``legacy`` runs on a scripted JSON login API and
``cognito`` on the sandbox's Cognito emulator mounted on the scripted IdP. ``saml`` runs on the sandbox's
SAML IdP face; PingOne's password method on its scripted redirectless flow. Not covered: the OIDC
method of ``cognito`` (its Hosted UI).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from idpbridge.kit import CodeSent, Outcome, Password, RedirectRequired, StartOIDC, StartOTP, VerifyOTP
from idpbridge.methods import FinishSAML, StartSAML
from idpbridge.sandbox import load_seed
from idpbridge.sandbox.cognito import CognitoApp, CognitoState
from idpbridge.sandbox.saml import SAMLApp, SAMLState
from idpbridge.sandbox.server import build_pool
from idpbridge.testkit import Flow, OIDCIdP, Reply, ScriptedIdP, Subject, json_body
from tests.saml._browser import login as browser_login

CLIENT_ID = "testkit-client"
CLIENT_SECRET = "testkit-client-secret-0123456789"
PASSWORD = "jane-password-0123"
REDIRECT_URI = "https://rp.example.test/callback"
CLAIMS = {"email": "jane@example.test", "email_verified": True, "preferred_username": "jane"}


@dataclass
class Setup:
    """One connector's scripted world: its fields, and what the subject needs besides."""

    fields: dict[str, Any]
    oidc: OIDCIdP | None = None
    password: bool = False
    secrets: list[str] = field(default_factory=list)
    #: Subject fields that replace the defaults (login, refused, flow).
    subject: dict[str, Any] = field(default_factory=dict)
    #: The registry name, when the subject's id is not it (a second subject of one connector).
    provider: str | None = None


def _oidc(idp: ScriptedIdP, prefix: str, *, issuer: str | None = None, **claims: Any) -> OIDCIdP:
    return OIDCIdP(
        idp,
        client_id=CLIENT_ID,
        prefix=prefix,
        issuer=issuer,
        users={"jane": PASSWORD},
        claims={**CLAIMS, **claims},
    )


def _generic(idp: ScriptedIdP) -> Setup:
    oidc = _oidc(idp, "/oidc")
    return Setup({"issuer": oidc.issuer, "methods": ["password", "oidc"]}, oidc, password=True)


def _keycloak(idp: ScriptedIdP) -> Setup:
    oidc = _oidc(idp, "/realms/acme")
    return Setup({"server_url": idp.base_url, "realm": "acme", "methods": ["password", "oidc"]}, oidc, True)


def _auth0(idp: ScriptedIdP) -> Setup:
    oidc = _oidc(idp, "/auth0")
    fields = {"domain": "tenant.auth0.test", "issuer": oidc.issuer, "endpoints": oidc.endpoints()}
    return Setup({**fields, "methods": ["password", "oidc"]}, oidc, True)


def _entra(idp: ScriptedIdP) -> Setup:
    tenant = "8e1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    oidc = _oidc(idp, f"/{tenant}/v2.0", tid=tenant, oid="00000000-0000-0000-0000-0000000000a1")
    return Setup({"tenant": tenant, "instance": idp.base_url, "methods": ["password", "oidc"]}, oidc, True)


def _okta(idp: ScriptedIdP) -> Setup:
    oidc = _oidc(idp, "/oauth2/default", issuer="https://acme.okta.test/oauth2/default")
    fields = {"domain": "acme.okta.test", "authorization_server_id": "default", "endpoints": oidc.endpoints()}
    return Setup({**fields, "methods": ["password", "oidc"]}, oidc, True)


def _onelogin(idp: ScriptedIdP) -> Setup:
    # A OneLogin app authenticates one way at the token endpoint: this one does the code flow.
    oidc = _oidc(idp, "/oidc/2")
    return Setup({"base_url": idp.base_url, "methods": ["oidc"]}, oidc)


def _onelogin_password(idp: ScriptedIdP) -> Setup:
    # The other kind of OneLogin app: the password grant (client_secret_post).
    _oidc(idp, "/oidc/2")  # discovery, keys and the token endpoint
    return Setup({"base_url": idp.base_url, "methods": ["password"]}, password=True, provider="onelogin")


def _pingone(idp: ScriptedIdP) -> Setup:
    # PingOne's password method runs its flows API (not scripted here): the code flow.
    oidc = _oidc(idp, "/as")
    env = "0f3e9a4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b"
    return Setup({"environment_id": env, "base_url": idp.base_url, "methods": ["oidc"]}, oidc)


def _pingone_password(idp: ScriptedIdP) -> Setup:
    """PingOne's redirectless flow (``response_mode=pi.flow``): the flow object, the credential
    check at ``/flows/{id}``, then the code exchange at the scripted OpenID provider."""
    oidc = _oidc(idp, "/as")
    flows: dict[str, dict[str, str]] = {}

    @idp.route("GET", "/as/authorize", when=lambda req: req.query.get("response_mode") == "pi.flow")
    def authorize(req: Any) -> Reply:
        flow_id = secrets.token_hex(8)
        flows[flow_id] = dict(req.query)
        links = {"usernamePassword.check": {"href": idp.url(f"/flows/{flow_id}")}}
        return Reply(200, json={"id": flow_id, "status": "USERNAME_PASSWORD_REQUIRED", "_links": links})

    @idp.route("POST", re.compile(r"/flows/[0-9a-f]+"))
    def check(req: Any) -> Reply:
        query = flows.pop(req.path.rsplit("/", 1)[1], None)
        if query is None:
            return Reply(404, json={"code": "NOT_FOUND", "message": "The flow was not found"})
        body = json_body(req)
        if (body.get("username"), body.get("password")) != ("jane", PASSWORD):
            details = [{"code": "INVALID_VALUE", "target": "password", "message": "Invalid password"}]
            return Reply(400, json={"code": "INVALID_DATA", "message": "Invalid data", "details": details})
        answer = {"code": oidc.issue_code(query.get("nonce")), "state": query["state"]}
        return Reply(200, json={"id": "done", "status": "COMPLETED", "authorizeResponse": answer})

    env = "0f3e9a4c-1b2d-4e5f-8a9b-0c1d2e3f4a5b"
    fields = {"environment_id": env, "base_url": idp.base_url, "methods": ["password"]}
    return Setup(fields, password=True, provider="pingone")


def _google(idp: ScriptedIdP) -> Setup:
    oidc = _oidc(idp, "/google")
    return Setup({"issuer": oidc.issuer, "endpoints": oidc.endpoints()}, oidc)


def _apple(idp: ScriptedIdP) -> Setup:
    oidc = _oidc(idp, "/apple")
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = key.decode()
    fields = {"issuer": oidc.issuer, "endpoints": oidc.endpoints(), "client_secret": None}
    fields |= {"team_id": "TEAM123456", "key_id": "KEY1234567", "private_key": pem}
    # The PEM's base64 body, line by line: none of it may show anywhere.
    return Setup(fields, oidc, secrets=[line for line in pem.splitlines() if "-----" not in line])


META_APP_ID, META_USER = "123456789012345", "10150000000000001"


def _meta(idp: ScriptedIdP) -> Setup:
    oidc = OIDCIdP(
        idp,
        client_id=META_APP_ID,
        prefix="/meta",
        subject=META_USER,
        claims={"id": META_USER, "name": "Jane"},
    )
    data = {
        "app_id": META_APP_ID,
        "is_valid": True,
        "type": "USER",
        "user_id": META_USER,
        "scopes": ["email"],
    }
    idp.route("GET", "/meta/debug_token", Reply(200, json={"data": data}))
    endpoints = {**oidc.endpoints(), "introspection_endpoint": idp.url("/meta/debug_token")}
    return Setup({"client_id": META_APP_ID, "issuer": oidc.issuer, "endpoints": endpoints}, oidc)


def _legacy(idp: ScriptedIdP) -> Setup:
    @idp.route("POST", "/api/authenticate")
    def login(req: Any) -> Reply:
        body = json_body(req)
        if (body.get("login"), body.get("secret")) == ("jane", PASSWORD):
            return Reply(200, json={"ok": True, "user": {"id": "u-1", "mail": "jane@example.test"}})
        return Reply(401, json={"ok": False, "reason": "bad_password"})

    idp.route("GET", "/api/health", Reply(200, json={"status": "up"}))
    fields = {
        "issuer": "https://legacy.example.test",
        "password": {
            "url": idp.url("/api/authenticate"),
            "body": {"login": "{username}", "secret": "{password}"},
        },
        "client_auth": {"kind": "bearer", "secret": CLIENT_SECRET},
        "response": {
            "success_path": "ok",
            "subject": "user.id",
            "email": "user.mail",
            "failure_status": {"401": "invalid_credentials"},
        },
        "health_url": idp.url("/api/health"),
        "methods": ["password"],
        "client_id": None,
        "client_secret": None,
    }
    return Setup(fields, password=True)


def _cognito(idp: ScriptedIdP) -> Setup:
    """The sandbox's Cognito emulator (its user-pools API and Hosted UI) serving every route."""
    seed = load_seed().cognito
    assert seed is not None
    assert seed.client.secret is not None
    state = CognitoState()
    pool = build_pool(seed)
    state.pools[pool.pool_id] = pool
    state.base_url = idp.base_url
    idp.route("*", re.compile(".*"), CognitoApp(state))
    fields = {
        "region": seed.region,
        "user_pool_id": seed.user_pool_id,
        "client_id": seed.client.client_id,
        "client_secret": seed.client.secret.get_secret_value(),
        "endpoint_url": idp.base_url,
        "hosted_ui_domain": idp.base_url,
        "methods": ["password", "email_otp"],
    }
    otp = Flow(
        StartOTP("erin@acme.example", "email"),
        lambda step: VerifyOTP(state.outbox[-1].code, _continuation(step)),
    )
    return Setup(
        fields,
        secrets=[seed.client.secret.get_secret_value(), "Dave-Div3r!"],
        subject={
            "login": Password("dave@acme.example", "Dave-Div3r!"),
            "refused": Password("dave@acme.example", "not-the-password"),
            "flow": otp,
        },
    )


def _continuation(step: Outcome) -> SecretStr:
    assert isinstance(step, CodeSent), step
    return step.continuation


def _saml(idp: ScriptedIdP) -> Setup:
    """The sandbox's SAML IdP face mounted on the scripted IdP; the browser's part (the login form,
    the auto-posted SAMLResponse) is played by :func:`tests.saml._browser.login`."""
    seed = load_seed().saml
    assert seed is not None
    idp.route("*", re.compile("/saml/.*"), SAMLApp(SAMLState(seed)))
    user = seed.users[0]
    assert user.password is not None
    password = user.password.get_secret_value()

    def resume(step: Outcome) -> FinishSAML:
        assert isinstance(step, RedirectRequired), step
        assert step.continuation is not None
        fields = browser_login(step.url, {"username": user.username, "password": password})
        return FinishSAML(fields["SAMLResponse"], fields.get("RelayState"), step.continuation)

    fields = {
        "idp_metadata_url": idp.url("/saml/metadata"),
        "sp_entity_id": "http://127.0.0.1:9/sp",
        "acs_url": "http://127.0.0.1:9/acs",
        "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "client_id": None,
        "client_secret": None,
    }
    return Setup(fields, secrets=[password], subject={"flow": Flow(StartSAML(), resume)})


#: provider -> its scripted world on a running IdP.
PROVIDERS: dict[str, Callable[[ScriptedIdP], Setup]] = {
    "oidc": _generic,
    "keycloak": _keycloak,
    "auth0": _auth0,
    "entra": _entra,
    "okta": _okta,
    "onelogin": _onelogin,
    "onelogin-password": _onelogin_password,
    "pingone": _pingone,
    "pingone-password": _pingone_password,
    "google": _google,
    "apple": _apple,
    "meta": _meta,
    "legacy": _legacy,
    "cognito": _cognito,
    "saml": _saml,
}


#: (provider, rule) -> why that connector breaks the rule today (strict xfail: fixed means fail).
KNOWN: dict[tuple[str, str], str] = {}


@pytest.fixture(params=sorted(PROVIDERS))
def idpbridge_subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    known = KNOWN.get((request.param, request.node.callspec.params.get("rule", "")))
    if known is not None:
        request.applymarker(pytest.mark.xfail(reason=known, strict=True))
    with ScriptedIdP() as idp:
        setup = PROVIDERS[request.param](idp)
        provider = setup.provider or request.param
        config = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **setup.fields}
        config = {k: v for k, v in config.items() if v is not None}
        oidc = setup.oidc
        yield Subject(
            provider=provider,
            config=config,
            secrets=[CLIENT_SECRET, PASSWORD, *setup.secrets],
            idp=idp,
            oidc=oidc,
            **{
                "login": Password("jane", PASSWORD) if setup.password else None,
                "refused": Password("jane", "not-the-password") if setup.password else None,
                "flow": Flow(StartOIDC(REDIRECT_URI), oidc.callback) if oidc is not None else None,
                **setup.subject,
            },
        )
