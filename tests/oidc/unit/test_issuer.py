"""Issuer policies: exact code-point comparison only."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge.errors import ConfigurationError
from idpbridge.oidc import ExactIssuer, IssuerPolicy, OneOfIssuers, TenantIssuer

ENTRA = "https://login.microsoftonline.com/{tenantid}/v2.0"
TID = "9188040d-6c67-4c5b-b112-36a304b66dad"


def test_exact() -> None:
    p = ExactIssuer("https://op.example.com")
    assert isinstance(p, IssuerPolicy)
    assert p.matches("https://op.example.com", {})
    for bad in (
        "https://op.example.com/",
        "https://op.example",
        "https://OP.example.com",
        " https://op.example.com",
    ):
        assert not p.matches(bad, {})
    assert p.discovery_issuer == p.metadata_issuer == "https://op.example.com"


def test_exact_rejects_lookalikes() -> None:
    p = ExactIssuer("https://op.example.com")
    assert not p.matches("https://op.example.com\u200b", {})
    assert not p.matches("https://op.ex\u0430mple.com", {})  # Cyrillic a
    assert not p.matches(["https://op.example.com"], {})  # type: ignore[arg-type]


def test_one_of_google() -> None:
    p = OneOfIssuers("https://accounts.google.com", "accounts.google.com")
    assert p.matches("https://accounts.google.com", {})
    assert p.matches("accounts.google.com", {})
    assert not p.matches("http://accounts.google.com", {})
    assert not p.matches("https://accounts.google.com/", {})
    assert not p.matches("accounts.google.co", {})
    assert p.discovery_issuer == "https://accounts.google.com"
    with pytest.raises(ConfigurationError):
        OneOfIssuers()


def test_tenant_template() -> None:
    p = TenantIssuer(ENTRA, discovery_issuer="https://login.microsoftonline.com/common/v2.0")
    assert p.metadata_issuer == ENTRA
    iss = f"https://login.microsoftonline.com/{TID}/v2.0"
    assert p.matches(iss, {"tid": TID})
    # tid must be the issuer's tenant segment
    assert not p.matches(iss, {"tid": "00000000-0000-0000-0000-000000000000"})
    assert not p.matches(iss, {})
    assert not p.matches(iss, {"tid": 5})
    # v1 issuer is not a v2 issuer
    assert not p.matches(f"https://sts.windows.net/{TID}/", {"tid": TID})
    # the literal template is never a valid token issuer
    assert not p.matches(ENTRA, {"tid": "{tenantid}"})
    # a tid crafted to change the URL structure
    assert not p.matches("https://login.microsoftonline.com/x/v2.0#/v2.0", {"tid": "x/v2.0#"})


def test_tenant_allow_list() -> None:
    p = TenantIssuer(
        ENTRA, discovery_issuer="https://login.microsoftonline.com/organizations/v2.0", allowed_tenants={TID}
    )
    assert p.matches(f"https://login.microsoftonline.com/{TID}/v2.0", {"tid": TID})
    other = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert not p.matches(f"https://login.microsoftonline.com/{other}/v2.0", {"tid": other})
    assert TID[:10] not in p.describe()


@pytest.mark.parametrize("template", ["https://login.example/v2.0", "https://{tenantid}/{tenantid}"])
def test_tenant_template_needs_one_placeholder(template: str) -> None:
    with pytest.raises(ConfigurationError):
        TenantIssuer(template, discovery_issuer="https://login.example")


def test_tenant_allowed_must_not_be_a_string() -> None:
    with pytest.raises(ConfigurationError):
        TenantIssuer(ENTRA, discovery_issuer="https://x.example", allowed_tenants=TID)


def test_equality_and_repr() -> None:
    assert ExactIssuer("https://a") == ExactIssuer("https://a")
    assert ExactIssuer("https://a") != ExactIssuer("https://a/")
    assert OneOfIssuers("a", "b") == OneOfIssuers("a", "b")
    assert "https://a" in repr(ExactIssuer("https://a"))
    with pytest.raises(ConfigurationError):
        ExactIssuer("")


@pytest.mark.parametrize(
    "policy",
    [
        ExactIssuer("https://op.example.com"),
        OneOfIssuers("https://a.example", "a.example"),
        TenantIssuer(
            "https://login.example/{tenantid}/v2.0", discovery_issuer="https://login.example/common/v2.0"
        ),
    ],
)
def test_issuer_policies_are_immutable_so_their_hash_holds(policy: Any) -> None:
    before = hash(policy)
    with pytest.raises(AttributeError, match="immutable"):
        policy.discovery_issuer = "https://elsewhere.example"
    assert hash(policy) == before


def test_an_exact_issuer_can_be_discovered_elsewhere() -> None:
    policy = ExactIssuer("https://issuer.example", discovery_issuer="http://127.0.0.1:9/pool")
    assert (policy.discovery_issuer, policy.metadata_issuer) == (
        "http://127.0.0.1:9/pool",
        "https://issuer.example",
    )
    assert policy != ExactIssuer("https://issuer.example")
