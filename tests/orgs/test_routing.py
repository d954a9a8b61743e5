"""Routing by organization id and by email domain, and every routing error (no IdP needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import idpbridge
from idpbridge import IdpBridgeError
from idpbridge.methods import InvalidRequest
from idpbridge.orgs import Directory, OrganizationError, split_email

from ._files import ORGS, write


@pytest.fixture
async def loaded(tmp_path: Path) -> AsyncIterator[idpbridge.Connectors]:
    async with idpbridge.load(write(tmp_path, ORGS)) as conns:
        yield conns


def test_load_builds_the_directory(loaded: idpbridge.Connectors) -> None:
    orgs = loaded.organizations
    assert isinstance(orgs, Directory)
    assert sorted(orgs) == ["acme", "globex"]
    acme = orgs["acme"]
    assert (acme.name, acme.connector) == ("Acme Corp", "acme-idp")
    assert acme.domains == ("acme.test", "xn--bcher-kva.example", "unverified.acme.test")
    assert acme.email_domains == ("acme.test", "xn--bcher-kva.example")
    assert orgs["globex"].name == "globex"  # defaults to the id
    assert orgs["globex"].email_domains == ("globex.test",)  # verification not required


def test_route_by_id(loaded: idpbridge.Connectors) -> None:
    route = loaded.organizations.route(org="acme")
    assert route.organization.id == "acme"
    assert route.connector is loaded["acme-idp"]
    assert (route.matched_by, route.email, route.domain, route.method) == ("org", None, None, "oidc")


@pytest.mark.parametrize(
    ("email", "org", "domain"),
    [
        ("jane@acme.test", "acme", "acme.test"),
        ("Jane@ACME.Test", "acme", "acme.test"),  # the domain compares lowercase
        ("jane@bücher.example", "acme", "xn--bcher-kva.example"),  # IDNA-normalised
        ("jane@xn--bcher-kva.example", "acme", "xn--bcher-kva.example"),
        ("jane@BÜCHER.example", "acme", "xn--bcher-kva.example"),
        ("john@globex.test", "globex", "globex.test"),
    ],
)
def test_route_by_email(loaded: idpbridge.Connectors, email: str, org: str, domain: str) -> None:
    route = loaded.organizations.route(email=email)
    assert (route.organization.id, route.matched_by, route.domain) == (org, "email", domain)
    assert route.connector is loaded[route.organization.connector]
    assert route.email == email.split("@", maxsplit=1)[0] + "@" + domain


@pytest.mark.parametrize(
    "email", ["jane@eu.acme.test", "jane@acme.test.evil.example", "jane@cme.test", "jane@initech.test"]
)
def test_unknown_domain(loaded: idpbridge.Connectors, email: str) -> None:
    # A subdomain is not its parent, and neither a suffix nor a longer name is a match.
    with pytest.raises(OrganizationError) as info:
        loaded.organizations.route(email=email)
    assert info.value.code == "org.unknown_domain"


@pytest.mark.parametrize(
    "email",
    [
        "jane",
        "jane@acme@acme.test",
        "@acme.test",
        "jane@",
        "jane@.acme.test",
        "jane@acme.test.",
        "jane@*.acme.test",
        "jane@acme..test",
        "jane@127.0.0.1",
        "jane@[::1]",
        "ja ne@acme.test",
        "jane@acme.test:443",
        "jane@-x.test",
        42,
    ],
)
def test_invalid_email(loaded: idpbridge.Connectors, email: object) -> None:
    with pytest.raises(OrganizationError) as info:
        loaded.organizations.route(email=email)  # type: ignore[arg-type]
    assert info.value.code == "org.invalid_email"
    assert "jane" not in info.value.message  # the address is never quoted


def test_unverified_domain_routes_only_by_id(loaded: idpbridge.Connectors) -> None:
    orgs = loaded.organizations
    with pytest.raises(OrganizationError) as info:
        orgs.route(email="jane@unverified.acme.test")
    assert info.value.code == "org.domain_unverified"
    assert info.value.details["organization"] == "acme"
    assert orgs.route(org="acme").organization.id == "acme"


@pytest.mark.parametrize("org", ["initech", "ACME", "", None, 7])
def test_unknown_organization(loaded: idpbridge.Connectors, org: object) -> None:
    if org is None:
        with pytest.raises(InvalidRequest):
            loaded.organizations.route()
        return
    with pytest.raises(OrganizationError) as info:
        loaded.organizations.route(org=org)  # type: ignore[arg-type]
    assert info.value.code == "org.unknown"
    assert isinstance(info.value, IdpBridgeError)


def test_route_needs_exactly_one_key(loaded: idpbridge.Connectors) -> None:
    with pytest.raises(InvalidRequest):
        loaded.organizations.route(org="acme", email="jane@acme.test")


async def test_start_refuses_what_route_refuses(loaded: idpbridge.Connectors) -> None:
    orgs = loaded.organizations
    for target, code in [
        ("nobody", "org.unknown"),
        ("jane@initech.test", "org.unknown_domain"),
        ("jane@unverified.acme.test", "org.domain_unverified"),
        ("jane@@acme.test", "org.invalid_email"),
    ]:
        with pytest.raises(OrganizationError) as info:
            await orgs.start(target, redirect_uri="http://127.0.0.1:8765/callback")
        assert info.value.code == code


async def test_no_organizations_is_an_empty_directory(tmp_path: Path) -> None:
    async with idpbridge.load(write(tmp_path, "")) as conns:
        assert len(conns.organizations) == 0
        with pytest.raises(OrganizationError) as info:
            conns.organizations.route(email="jane@acme.test")
        assert info.value.code == "org.unknown_domain"


def test_split_email() -> None:
    assert split_email("Jane.Doe+x@Bücher.Example") == ("Jane.Doe+x", "xn--bcher-kva.example")
