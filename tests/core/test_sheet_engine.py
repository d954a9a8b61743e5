"""Sheet data the engine applies: the tenant issuer rule, token checks without JOSE, the subject
claim, identity refinement and endpoint overrides as hooks (no connector callbacks)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from idpbridge import ConfigurationError, Identity, TokenValidationError, kit
from idpbridge.identity import ClaimSource
from idpbridge.oidc.connector import OIDCConnector

ISSUER = "https://idp.example.test"
RULE = kit.IssuerRule.tenant(
    "https://login.example.test/{tenant}/v2.0",
    tenants_field="allowed",
    tenant_id=r"[0-9a-f]{4}",
    wildcards=("orgs", "all"),
    aliases={"me": "ffff"},
)


def _policy(tenant: str, allowed: tuple[str, ...] | None = None, learned: str | None = None) -> Any:
    settings = {"tenant": tenant, "allowed": allowed}
    issuer = RULE.apply(settings)["issuer"]
    assert issuer == f"https://login.example.test/{tenant}/v2.0"
    policy = RULE.policy(issuer, settings, learned=learned)
    assert isinstance(policy, kit.TenantIssuer)
    assert policy.discovery_issuer == issuer
    assert policy.template == "https://login.example.test/{tenantid}/v2.0"
    return policy


@pytest.mark.parametrize(
    ("tenant", "allowed", "learned", "tenants", "metadata_issuer"),
    [
        ("orgs", ("aaaa", "bbbb"), None, {"aaaa", "bbbb"}, "https://login.example.test/{tenantid}/v2.0"),
        ("all", None, None, None, "https://login.example.test/{tenantid}/v2.0"),
        ("me", None, None, {"ffff"}, "https://login.example.test/ffff/v2.0"),
        ("abcd", None, None, {"abcd"}, "https://login.example.test/abcd/v2.0"),
        ("corp.example", ("cccc",), None, {"cccc"}, "https://login.example.test/cccc/v2.0"),
        ("corp.example", None, "dddd", {"dddd"}, "https://login.example.test/dddd/v2.0"),
        ("corp.example", None, None, set(), "https://login.example.test/{tenantid}/v2.0"),
    ],
)
def test_the_tenant_rule_builds_the_tenant_policy(
    tenant: str,
    allowed: tuple[str, ...] | None,
    learned: str | None,
    tenants: set[str] | None,
    metadata_issuer: str,
) -> None:
    policy = _policy(tenant, allowed, learned)
    assert policy.allowed_tenants == (None if tenants is None else frozenset(tenants))
    assert policy.metadata_issuer == metadata_issuer


def test_only_an_unlisted_domain_tenant_is_learned_from_discovery() -> None:
    assert RULE.learns({"tenant": "corp.example", "allowed": None})
    for tenant, allowed in (("corp.example", ("cccc",)), ("abcd", None), ("orgs", None), ("me", None)):
        assert not RULE.learns({"tenant": tenant, "allowed": allowed})
    settings = {"tenant": "corp.example", "allowed": None}
    assert RULE.learned_tenant(settings, "https://login.example.test/dddd/v2.0") == "dddd"
    for issuer in ("https://login.example.test/DDDD/v2.0", "https://other.example.test/dddd/v2.0"):
        with pytest.raises(ConfigurationError) as exc:
            RULE.learned_tenant(settings, issuer)
        assert (exc.value.code, exc.value.field) == ("config.issuer_mismatch", "tenant")


def test_the_tenant_rule_refuses_a_given_issuer() -> None:
    with pytest.raises(ValueError, match="issuer is derived from tenant; do not set it"):
        RULE.apply({"tenant": "abcd", "issuer": "https://x.example.test"})


def test_entra_gets_its_tenant_policy_from_the_sheet_without_a_hook() -> None:
    from idpbridge.providers.entra.connector import EntraConnector

    conn = EntraConnector(tenant="organizations", client_id="c", allow_any_tenant=True)
    assert conn.engine_hooks().issuer_policy is None
    assert isinstance(conn.policy, kit.TenantIssuer)
    assert conn.policy.allowed_tenants is None
    assert conn.policy.discovery_issuer == "https://login.microsoftonline.com/organizations/v2.0"


def test_claim_equals_lives_in_the_cheap_core() -> None:
    from idpbridge.oidc import idtoken

    assert idtoken.claim_equals is kit.claim_equals
    check = kit.claim_equals("typ", "ID", required=False)
    check({}, {})
    check({}, {"typ": "ID"})
    with pytest.raises(TokenValidationError) as exc:
        check({}, {"typ": "Bearer"})
    assert exc.value.code == "token.type"
    with pytest.raises(TokenValidationError):
        kit.claim_equals("token_use", "id")({}, {})


@pytest.mark.parametrize("provider", ["keycloak", "cognito"])
def test_a_sheet_declaring_token_checks_loads_no_jose(provider: str) -> None:
    code = (
        f"import sys, idpbridge.providers.{provider}.sheet as s; "
        "assert s.SHEET.token_checks; assert 'joserfc' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_claim_map_names_the_subject() -> None:
    assert kit.ClaimMap().subject_claims == ("sub",)
    assert kit.ClaimMap().with_overrides({"subject": "oid"}).subject_claims == ("oid",)
    assert kit.ClaimMap().with_overrides({"subject": ["a", "b"]}).subject_claims == ("a", "b")
    for bad in (None, "", [], [""], 3):
        with pytest.raises(ConfigurationError):
            kit.ClaimMap().with_overrides({"subject": bad})


def _refine(identity: Identity, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource]) -> Identity:
    return dataclasses.replace(identity, username=f"{identity.subject}@{claims['realm']}")


class _Refining(OIDCConnector):
    name: ClassVar[str] = "refining"
    sheet = kit.ProviderSheet(
        name="refining",
        title="Refining",
        methods=OIDCConnector.methods,
        claims=kit.ClaimMap(subject=("sub", "id")),
    )

    def engine_hooks(self) -> kit.EngineHooks:
        return kit.EngineHooks(
            identity=_refine,
            default_tenant="t1",
            endpoint_overrides={"jwks_uri": f"{ISSUER}/hook-keys", "userinfo_endpoint": f"{ISSUER}/hook-ui"},
        )


def test_the_identity_hook_refines_the_default_identity() -> None:
    conn = _Refining(issuer=ISSUER, client_id="c")
    ident = conn.engine.identity({"id": "42", "realm": "r", "email": "a@b.test"}, {}, ISSUER)
    assert (ident.subject, ident.username, ident.email, ident.tenant) == ("42", "42@r", "a@b.test", "t1")
    assert conn.engine.identity({"sub": "7", "id": "42", "realm": "r"}, {}, ISSUER).subject == "7"
    with pytest.raises(TokenValidationError) as exc:
        conn.engine.identity({"realm": "r"}, {}, ISSUER)
    assert exc.value.code == "token.claim"


def test_endpoint_overrides_are_engine_data_under_the_configs() -> None:
    conn = _Refining(issuer=ISSUER, client_id="c", endpoints={"jwks_uri": f"{ISSUER}/cfg-keys"})
    assert conn.engine.overrides == {
        "jwks_uri": f"{ISSUER}/cfg-keys",
        "userinfo_endpoint": f"{ISSUER}/hook-ui",
    }


async def test_cognito_puts_its_hosted_ui_endpoints_in_the_hooks() -> None:
    from idpbridge.providers.cognito.connector import CognitoConnector

    conn = CognitoConnector(
        region="eu-west-1",
        user_pool_id="eu-west-1_Abc123",
        client_id="c",
        hosted_ui_domain="https://auth.example.test",
    )
    try:
        assert conn.engine.overrides["authorization_endpoint"] == "https://auth.example.test/oauth2/authorize"
        assert conn.engine.overrides["jwks_uri"].endswith("/eu-west-1_Abc123/.well-known/jwks.json")
    finally:
        await conn.aclose()


def _redundant_rows(rules: tuple[Any, ...]) -> list[Any]:
    """Provider rows that repeat a standard row with nothing in between that could match first."""
    from idpbridge.classify import STANDARD_OAUTH_RULES

    def overlaps(a: Any, b: Any) -> bool:
        fields = ("error", "context", "status", "provider_code")
        return all(
            getattr(a, f) is None or getattr(b, f) is None or getattr(a, f) == getattr(b, f) for f in fields
        )

    start = len(rules) - len(STANDARD_OAUTH_RULES)
    assert rules[start:] == STANDARD_OAUTH_RULES
    out = []
    for i, row in enumerate(rules[:start]):
        if row in STANDARD_OAUTH_RULES:
            later = rules.index(row, start)
            if not any(overlaps(other, row) for other in rules[i + 1 : later]):
                out.append(row)
    return out


# okta is being converted in another branch; its table still repeats the standard password row.
@pytest.mark.parametrize("provider", ["apple", "auth0", "entra", "google", "keycloak", "meta", "onelogin"])
def test_no_provider_table_repeats_a_standard_rule(provider: str) -> None:
    import importlib

    rules = importlib.import_module(f"idpbridge.providers.{provider}.errors").RULES
    assert _redundant_rows(rules) == []


def test_the_repeated_rule_check_finds_a_repeat_and_keeps_a_needed_one() -> None:
    from idpbridge.classify import STANDARD_OAUTH_RULES, ErrorRule
    from idpbridge.errors import ConfigurationError as Config

    row = STANDARD_OAUTH_RULES[0]
    assert _redundant_rows((row, *STANDARD_OAUTH_RULES)) == [row]
    shadow = ErrorRule(status=400, raises=Config)  # would match first without the repeated row
    assert _redundant_rows((row, shadow, *STANDARD_OAUTH_RULES)) == []
