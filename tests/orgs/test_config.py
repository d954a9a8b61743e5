"""Load-time validation of [organizations.<id>] tables: typed errors naming the organization and
the field, never a value."""

from __future__ import annotations

from pathlib import Path

import pytest

import idpbridge
from idpbridge import ConfigurationError
from idpbridge.orgs import Directory

from ._files import write


def _load_error(tmp_path: Path, body: str, env: dict[str, str] | None = None) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        idpbridge.load(write(tmp_path, body), env=env or {})
    return info.value


def test_connector_not_configured(tmp_path: Path) -> None:
    err = _load_error(tmp_path, '[organizations.acme]\nconnector = "okta-prod"\ndomains = ["acme.test"]\n')
    assert err.code == "config.org_connector_unknown"
    assert (err.field, err.details["organization"]) == ("connector", "acme")
    assert "'acme'" in err.message
    assert "okta-prod" in err.message


def test_connector_without_a_federation_method(tmp_path: Path) -> None:
    err = _load_error(tmp_path, '[organizations.acme]\nconnector = "legacy"\n')
    assert err.code == "config.org_method_unsupported"
    assert err.details["organization"] == "acme"


@pytest.mark.parametrize(
    ("first", "second"),
    [("acme.test", "acme.test"), ("acme.test", "ACME.test"), ("bücher.example", "xn--bcher-kva.example")],
)
def test_two_organizations_claiming_one_domain(tmp_path: Path, first: str, second: str) -> None:
    body = f"""
[organizations.acme]
connector = "acme-idp"
domains = ["{first}"]
verified_domains = ["{first}"]

[organizations.globex]
connector = "globex-idp"
domains = ["other.test", "{second}"]
"""
    err = _load_error(tmp_path, body)  # claimed twice even when one claim is unverified
    assert err.code == "config.org_domain_conflict"
    assert (err.field, err.details["organization"]) == ("domains", "globex")
    assert "'acme'" in err.message


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ('domains = ["acme.test"]', "connector"),  # connector is required
        ('connector = "acme-idp"\ncolour = "blue"', "colour"),
        ('connector = "acme-idp"\ndomains = "acme.test"', "domains"),
        ('connector = "acme-idp"\ndomains = ["*.acme.test"]', "domains"),
        ('connector = "acme-idp"\ndomains = ["acme.test:443"]', "domains"),
        ('connector = "acme-idp"\ndomains = ["localhost"]', "domains"),
        ('connector = "acme-idp"\ndomains = [3]', "domains.0"),
        ('connector = "acme-idp"\ndomains = ["acme.test"]\nverified_domains = ["other.test"]', "(config)"),
        ('connector = "acme-idp"\nextra_params = { state = "s3cr3t-value" }', "extra_params"),
        ('connector = "acme-idp"\nextra_params = { hint = 5 }', "extra_params.hint"),
        ('connector = "acme-idp"\nlogin_hint = ""', "login_hint"),
        ('connector = "acme-idp"\nrequire_domain_verification = "no"', "require_domain_verification"),
        ('connector = ""', "connector"),
    ],
)
def test_invalid_table(tmp_path: Path, table: str, field: str) -> None:
    err = _load_error(tmp_path, f"[organizations.acme]\n{table}\n")
    assert err.code == "config.invalid"
    assert err.field == field
    assert err.details["organization"] == "acme"
    assert err.message.startswith("organization 'acme': invalid configuration")
    for value in ("s3cr3t-value", "*.acme.test", "blue", "localhost"):
        assert value not in err.message


def test_invalid_organization_id(tmp_path: Path) -> None:
    err = _load_error(tmp_path, '[organizations."acme corp!"]\nconnector = "acme-idp"\n')
    assert err.field == "organizations"


def test_organizations_must_be_tables(tmp_path: Path) -> None:
    path = tmp_path / "top.toml"
    path.write_text('organizations = 5\n[connectors.x]\nprovider = "oidc"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError) as info:
        idpbridge.load(path)
    err = info.value
    assert "[organizations.<id>]" in err.message


async def test_environment_reference_names_the_organization(tmp_path: Path) -> None:
    err = _load_error(tmp_path, '[organizations.acme]\nconnector = "acme-idp"\nlogin_hint = "${HINT}"\n')
    assert "organization acme" in err.message
    assert "HINT" in err.message
    path = write(tmp_path, '[organizations.acme]\nconnector = "${C}"\n')
    async with idpbridge.load(path, env={"C": "acme-idp"}) as conns:
        assert conns.organizations["acme"].connector == "acme-idp"


async def test_from_file_over_loaded_connectors(tmp_path: Path) -> None:
    path = write(tmp_path, '[organizations.acme]\nconnector = "acme-idp"\ndomains = ["acme.test"]\n')
    async with idpbridge.load(path) as conns:
        directory = Directory.from_file(path, conns)
        assert directory.route(org="acme").connector is conns["acme-idp"]
        with pytest.raises(ConfigurationError) as info:
            Directory({"acme": {"connector": "nope"}}, conns)
        assert info.value.code == "config.org_connector_unknown"
