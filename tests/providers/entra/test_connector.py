"""The entra connector end to end against a fake Entra (respx): issuers per tenant form, identity
normalization (oid/tid, email never verified), groups overage, ROPC and the code flow."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from idpbridge import (
    Authenticated,
    ClaimSource,
    ConfigurationError,
    ExternalToken,
    FinishOIDC,
    Method,
    Password,
    RedirectRequired,
    StartOIDC,
    TokenValidationError,
)
from idpbridge.providers.entra.connector import EntraConnector
from tests.oidc.flows.conftest import FakeOP

from .conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    DOMAIN,
    MSA_TENANT,
    OID,
    OTHER_TENANT,
    PAIRWISE_SUB,
    REDIRECT_URI,
    TENANT,
    entra_claims,
    issuer_of,
    token_calls,
)

Make = Callable[..., EntraConnector]


async def login(conn: EntraConnector, op: FakeOP) -> Authenticated:
    outcome = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(outcome, RedirectRequired)
    params = {k: v[0] for k, v in parse_qs(urlsplit(outcome.url).query).items()}
    op.nonce = params["nonce"]
    result = await conn.authenticate(
        FinishOIDC({"code": "code-1", "state": params["state"]}, outcome.continuation)
    )
    assert isinstance(result, Authenticated)
    return result


async def test_code_flow_tenant_id(make: Make, entra: FakeOP) -> None:
    conn = make()
    start = await conn.authenticate(StartOIDC(REDIRECT_URI))
    assert isinstance(start, RedirectRequired)
    assert start.url.startswith(f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize?")
    result = await login(conn, entra)
    ident = result.identity
    assert ident.provider == "entra"
    assert ident.issuer == issuer_of(TENANT)
    assert ident.subject == OID  # (tid, oid): stable across the tenant's apps
    assert ident.key == (issuer_of(TENANT), OID)
    assert ident.claims["sub"] == PAIRWISE_SUB
    assert ident.claims["tid"] == TENANT
    assert ident.tenant == TENANT
    assert ident.username == "jane@contoso.test"
    assert ident.email == "jane@contoso.test"
    assert ident.email_verified is None
    assert ident.sources["oid"] is ClaimSource.ID_TOKEN
    form = parse_qs(token_calls(entra)[0].content.decode())
    assert form["client_secret"] == [CLIENT_SECRET]  # client_secret_post, as MSAL does
    assert "authorization" not in token_calls(entra)[0].headers


async def test_subject_claim_sub(make: Make, entra: FakeOP) -> None:
    result = await login(make(subject_claim="sub"), entra)
    assert result.identity.subject == PAIRWISE_SUB


async def test_password_grant(make: Make, entra: FakeOP) -> None:
    result = await make().authenticate(Password("jane@contoso.test", "pw-1"))
    assert isinstance(result, Authenticated)
    assert result.method is Method.PASSWORD
    assert result.identity.subject == OID
    form = parse_qs(token_calls(entra)[0].content.decode())
    assert form["grant_type"] == ["password"]
    assert form["username"] == ["jane@contoso.test"]
    assert form["scope"] == ["openid email profile"]


@pytest.mark.parametrize(
    ("claims", "verified"),
    [
        ({"email_verified": True}, None),  # whoever put it there, Entra does not verify email
        ({"email_verified": "true"}, None),
        ({"xms_edov": True}, True),
        ({"xms_edov": False}, False),
        ({"xms_edov": "true"}, None),  # strict: only a JSON boolean
        ({"xms_edov": True, "email_verified": False}, True),
    ],
)
async def test_email_is_never_verified_without_xms_edov(
    make: Make, entra: FakeOP, claims: dict[str, object], verified: bool | None
) -> None:
    entra.id_claims.update(claims)
    result = await make().authenticate(Password("jane@contoso.test", "pw-1"))
    assert isinstance(result, Authenticated)
    assert result.identity.email_verified is verified


async def test_groups_roles_and_overage(make: Make, entra: FakeOP) -> None:
    entra.id_claims.update(groups=["g-1", "g-2"], roles=["Task.Read"])
    result = await make().authenticate(Password("jane@contoso.test", "pw-1"))
    assert isinstance(result, Authenticated)
    assert result.identity.groups == ("g-1", "g-2")
    assert result.identity.roles == ("Task.Read",)
    assert EntraConnector.group_overage(result.identity.claims) is None

    graph = f"https://graph.microsoft.com/v1.0/users/{OID}/getMemberObjects"
    entra.id_claims.update(
        groups=None, _claim_names={"groups": "src1"}, _claim_sources={"src1": {"endpoint": graph}}
    )
    result = await make().authenticate(Password("jane@contoso.test", "pw-1"))
    assert isinstance(result, Authenticated)
    assert result.identity.groups == ()
    assert EntraConnector.group_overage(result.identity.claims) == graph
    assert EntraConnector.group_overage({"hasgroups": True}) == "graph"


async def test_token_without_oid_is_refused(make: Make, entra: FakeOP) -> None:
    entra.id_claims["oid"] = None
    with pytest.raises(TokenValidationError) as info:
        await make().authenticate(Password("jane@contoso.test", "pw-1"))
    assert info.value.code == "token.claim"
    assert "profile scope" in info.value.message


async def test_oid_from_userinfo_is_not_trusted(make: Make, entra: FakeOP) -> None:
    entra.id_claims["oid"] = None
    entra.userinfo = {"sub": PAIRWISE_SUB, "oid": OID, "tid": TENANT}
    with pytest.raises(TokenValidationError):
        await make(fetch_userinfo=True).authenticate(Password("jane@contoso.test", "pw-1"))


async def test_another_tenants_token_is_refused(make: Make, entra: FakeOP) -> None:
    entra.id_claims.update(entra_claims(OTHER_TENANT))
    with pytest.raises(TokenValidationError) as info:
        await make().authenticate(Password("jane@contoso.test", "pw-1"))
    assert info.value.code == "token.issuer"


async def test_tid_must_match_the_issuer(make: Make, entra: FakeOP) -> None:
    entra.id_claims["tid"] = OTHER_TENANT  # iss names TENANT
    with pytest.raises(TokenValidationError):
        await make().authenticate(Password("jane@contoso.test", "pw-1"))


async def test_v1_issuer_is_refused(make: Make, entra: FakeOP) -> None:
    entra.id_claims["iss"] = f"https://sts.windows.net/{TENANT}/"
    with pytest.raises(TokenValidationError) as info:
        await make().authenticate(Password("jane@contoso.test", "pw-1"))
    assert info.value.code == "token.issuer"


@pytest.mark.parametrize("tenant", ["organizations", "common"])
async def test_multi_tenant_template(make: Make, entra: FakeOP, tenant: str) -> None:
    conn = make(tenant=tenant, allowed_tenants=[TENANT], methods=["oidc", "token"])
    result = await login(conn, entra)
    assert result.identity.issuer == issuer_of(TENANT)
    assert result.identity.key == (issuer_of(TENANT), OID)

    entra.id_claims.update(entra_claims(OTHER_TENANT))  # a tenant not in the allow-list
    with pytest.raises(TokenValidationError) as info:
        await login(conn, entra)
    assert info.value.code == "token.issuer"

    entra.id_claims.update(entra_claims(TENANT), iss=issuer_of(OTHER_TENANT))  # iss and tid disagree
    with pytest.raises(TokenValidationError):
        await login(conn, entra)


async def test_allow_any_tenant_still_checks_the_issuer_exactly(make: Make, entra: FakeOP) -> None:
    conn = make(tenant="organizations", allow_any_tenant=True, methods=["oidc"])
    entra.id_claims.update(entra_claims(OTHER_TENANT))
    result = await login(conn, entra)
    assert result.identity.issuer == issuer_of(OTHER_TENANT)
    entra.id_claims["iss"] = issuer_of(OTHER_TENANT) + "/"
    with pytest.raises(TokenValidationError):
        await login(conn, entra)


async def test_consumers(make: Make, entra: FakeOP) -> None:
    entra.id_claims.update(entra_claims(MSA_TENANT))
    result = await login(make(tenant="consumers", methods=["oidc"]), entra)
    assert result.identity.issuer == issuer_of(MSA_TENANT)


async def test_domain_tenant_learns_its_id_from_discovery(make: Make, entra: FakeOP) -> None:
    conn = make(tenant=DOMAIN)
    result = await conn.authenticate(Password("jane@contoso.test", "pw-1"))
    assert isinstance(result, Authenticated)
    assert result.identity.issuer == issuer_of(TENANT)
    entra.id_claims.update(entra_claims(OTHER_TENANT))
    with pytest.raises(TokenValidationError):
        await conn.authenticate(Password("jane@contoso.test", "pw-1"))


async def test_domain_tenant_with_a_non_entra_document(make: Make, entra: FakeOP) -> None:
    assert entra.router is not None
    doc = {
        "issuer": "https://evil.example/tenant/v2.0",
        "token_endpoint": "https://evil.example/t",
        "authorization_endpoint": "https://evil.example/a",
        "jwks_uri": "https://evil.example/k",
    }
    entra.router.get(
        f"https://login.microsoftonline.com/{DOMAIN}/v2.0/.well-known/openid-configuration"
    ).respond(json=doc)
    with pytest.raises(ConfigurationError) as info:
        await make(tenant=DOMAIN).authenticate(Password("jane@contoso.test", "pw-1"))
    assert info.value.code == "config.issuer_mismatch"
    assert token_calls(entra) == []


async def test_domain_tenant_with_its_id_configured(make: Make, entra: FakeOP) -> None:
    conn = make(tenant=DOMAIN, allowed_tenants=[TENANT])
    result = await conn.authenticate(Password("jane@contoso.test", "pw-1"))
    assert isinstance(result, Authenticated)


async def test_app_signing_keys(make: Make, entra: FakeOP) -> None:
    assert entra.router is not None
    result = await make(app_signing_keys=True).authenticate(Password("jane@contoso.test", "pw-1"))
    assert isinstance(result, Authenticated)
    keys = [c.request.url for c in entra.router.calls if c.request.url.path.endswith("/keys")]
    assert [(u.path, u.params.get("appid")) for u in keys] == [(f"/{TENANT}/discovery/v2.0/keys", CLIENT_ID)]


async def test_external_id_token(make: Make, entra: FakeOP) -> None:
    token = entra.mint()
    result = await make().authenticate(ExternalToken(token, username="jane@contoso.test"))
    assert isinstance(result, Authenticated)
    assert result.identity.subject == OID
    assert result.identity.sources["tid"] is ClaimSource.EXTERNAL_TOKEN


async def test_check(make: Make, entra: FakeOP) -> None:
    def aadsts(status: int, error: str, code: int, text: str) -> httpx.Response:
        body = {"error": error, "error_codes": [code], "error_description": f"AADSTS{code}: {text}"}
        return httpx.Response(status, json=body)

    def reply(form: dict[str, str]) -> httpx.Response:
        if form.get("grant_type") == "password":
            return aadsts(400, "invalid_request", 900144, "'username' is missing.")
        return aadsts(400, "invalid_grant", 9002313, "Invalid request.")

    entra.token_reply = reply
    report = await make().check()
    by_name = {r.name: r for r in report.results}
    assert [by_name[n].ok for n in ("discovery", "jwks", "client")] == [True] * 3, report
    assert by_name["password"].ok, by_name["password"]

    def bad_secret(form: dict[str, str]) -> httpx.Response:
        return aadsts(401, "invalid_client", 7000215, "Invalid client secret provided.")

    entra.token_reply = bad_secret
    report = await make().check()
    by_name = {r.name: r for r in report.results}
    assert not by_name["client"].ok
    assert not report.ok
    assert CLIENT_SECRET not in str(report.as_dict())
