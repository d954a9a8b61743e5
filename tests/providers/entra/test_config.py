"""EntraConfig: tenant forms, the derived issuer, cloud instances, ROPC and multi-tenant rules."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge import ConfigurationError, Method
from idpbridge.config import build_config
from idpbridge.providers.entra.config import EntraConfig
from idpbridge.providers.entra.sheet import CLOUD_INSTANCES, TenantKind

from .conftest import CLIENT_ID, CLIENT_SECRET, DOMAIN, TENANT


def cfg(**fields: Any) -> EntraConfig:
    base = {"tenant": TENANT, "client_id": CLIENT_ID}
    return build_config(EntraConfig, {**base, **fields}, connector="entra-test")


def refused(**fields: Any) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        cfg(**fields)
    return info.value


@pytest.mark.parametrize(
    ("tenant", "kind", "issuer"),
    [
        (TENANT, TenantKind.ID, f"https://login.microsoftonline.com/{TENANT}/v2.0"),
        (TENANT.upper(), TenantKind.ID, f"https://login.microsoftonline.com/{TENANT}/v2.0"),
        (DOMAIN, TenantKind.DOMAIN, f"https://login.microsoftonline.com/{DOMAIN}/v2.0"),
        ("Organizations", TenantKind.ORGANIZATIONS, "https://login.microsoftonline.com/organizations/v2.0"),
        ("common", TenantKind.COMMON, "https://login.microsoftonline.com/common/v2.0"),
        ("consumers", TenantKind.CONSUMERS, "https://login.microsoftonline.com/consumers/v2.0"),
    ],
)
def test_tenant_forms(tenant: str, kind: TenantKind, issuer: str) -> None:
    extra = {"allow_any_tenant": True} if kind in (TenantKind.ORGANIZATIONS, TenantKind.COMMON) else {}
    c = cfg(tenant=tenant, methods=["oidc"], **extra)
    assert c.kind is kind
    assert c.issuer == issuer  # the discovery prefix; TenantIssuer decides what tokens may carry


@pytest.mark.parametrize(
    "bad", ["", "not a tenant", "https://login.microsoftonline.com/x", "contoso", "a/b.com"]
)
def test_bad_tenant(bad: str) -> None:
    err = refused(tenant=bad)
    assert err.field == "tenant"


@pytest.mark.parametrize(
    ("instance", "base"),
    [
        ("public", "https://login.microsoftonline.com"),
        ("usgov", "https://login.microsoftonline.us"),
        ("china", "https://login.partner.microsoftonline.cn"),
        ("gov-fr", "https://login.sovcloud-identity.fr"),
        ("login.microsoftonline.us", "https://login.microsoftonline.us"),
        ("http://127.0.0.1:9/", "http://127.0.0.1:9"),
    ],
)
def test_instances(instance: str, base: str) -> None:
    c = cfg(instance=instance)
    assert c.base_url == base
    assert c.issuer == f"{base}/{TENANT}/v2.0"
    assert set(CLOUD_INSTANCES) >= {"public", "usgov", "china"}


@pytest.mark.parametrize(
    "bad", ["http://login.microsoftonline.com", "ftp://x", "https://h/?q=1", "bad host!"]
)
def test_bad_instance(bad: str) -> None:
    assert refused(instance=bad).field == "instance"


def test_issuer_is_derived_not_set() -> None:
    err = refused(issuer=f"https://login.microsoftonline.com/{TENANT}/v2.0")
    assert "derived from tenant" in err.message


@pytest.mark.parametrize("tenant", ["common", "consumers"])
def test_ropc_refused_up_front_for_common_and_consumers(tenant: str) -> None:
    err = refused(tenant=tenant, methods=["password"], allow_any_tenant=tenant == "common")
    assert "ROPC" in err.message
    assert tenant in err.message
    assert "organizations" in err.message


def test_ropc_allowed_for_organizations_domain_and_id() -> None:
    assert (
        Method.PASSWORD in cfg(tenant="organizations", allowed_tenants=[TENANT], methods=["password"]).methods
    )
    assert Method.PASSWORD in cfg(tenant=DOMAIN, methods=["password"]).enabled_methods
    assert Method.PASSWORD in cfg(methods=["password"]).enabled_methods


def test_password_is_opt_in() -> None:
    assert cfg().enabled_methods == {Method.OIDC, Method.TOKEN}


@pytest.mark.parametrize("tenant", ["organizations", "common"])
def test_multi_tenant_needs_an_explicit_choice(tenant: str) -> None:
    err = refused(tenant=tenant)
    assert err.field == "(config)"
    assert "allowed_tenants" in err.message
    assert "allow_any_tenant" in err.message
    assert cfg(tenant=tenant, allowed_tenants=[TENANT.upper()]).allowed_tenants == (TENANT,)
    assert cfg(tenant=tenant, allow_any_tenant=True).allow_any_tenant
    assert "not both" in refused(tenant=tenant, allowed_tenants=[TENANT], allow_any_tenant=True).message


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"allowed_tenants": ["contoso.com"]}, "GUIDs"),
        ({"allowed_tenants": []}, "GUIDs"),
        ({"allowed_tenants": ["99999999-8888-4777-8666-555555555555"]}, "only that tenant"),
        (
            {"tenant": DOMAIN, "allowed_tenants": [TENANT, "99999999-8888-4777-8666-555555555555"]},
            "one tenant",
        ),
        ({"tenant": "consumers", "allowed_tenants": [TENANT]}, "consumers"),
    ],
)
def test_allowed_tenant_rules(fields: dict[str, Any], text: str) -> None:
    assert text in refused(**fields).message


def test_secret_defaults_to_client_secret_post() -> None:
    assert cfg(client_secret=CLIENT_SECRET).token_endpoint_auth_method == "client_secret_post"
    assert cfg().token_endpoint_auth_method is None  # public client: chosen as "none"
    basic = cfg(client_secret=CLIENT_SECRET, token_endpoint_auth_method="client_secret_basic")
    assert basic.token_endpoint_auth_method == "client_secret_basic"


def test_userinfo_off_by_default_and_subject_oid() -> None:
    c = cfg()
    assert c.fetch_userinfo is False
    assert c.subject_claim == "oid"


def test_config_error_never_shows_the_secret() -> None:
    err = refused(client_secret=CLIENT_SECRET, tenant="common")
    assert CLIENT_SECRET not in str(err)
    assert CLIENT_SECRET not in repr(err)


@pytest.mark.parametrize("flag", [True, "true", 1])
def test_app_signing_keys_name_the_apps_key_set(flag: object) -> None:
    keys = f"https://login.microsoftonline.com/{DOMAIN}/discovery/v2.0/keys?appid={CLIENT_ID}"
    assert cfg(tenant=DOMAIN, app_signing_keys=flag).endpoints == {"jwks_uri": keys}
    assert (
        cfg(tenant=TENANT.upper(), app_signing_keys=flag)
        .endpoints["jwks_uri"]
        .startswith(f"https://login.microsoftonline.com/{TENANT}/discovery/")
    )


def test_app_signing_keys_leave_given_endpoints_and_bad_fields_alone() -> None:
    given = {"jwks_uri": "https://keys.example/k"}
    assert cfg(app_signing_keys=True, endpoints=given).endpoints == given
    assert cfg(app_signing_keys=False).endpoints == {}
    assert "instance" in refused(app_signing_keys=True, instance="not a host").message
