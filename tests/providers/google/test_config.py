"""Google configuration: defaults, the hosted-domain and azp settings, what is refused."""

from __future__ import annotations

import pytest

import idpbridge
from idpbridge import ConfigurationError, Method
from idpbridge.oidc.issuer import ExactIssuer, OneOfIssuers

from .conftest import CLIENT_ID, CLIENT_SECRET, Make


def test_defaults(make_google: Make) -> None:
    conn = make_google()
    cfg = conn.config
    assert cfg.issuer == "https://accounts.google.com"
    assert cfg.scopes == ("openid", "email", "profile")
    assert conn.enabled_methods == {Method.OIDC, Method.TOKEN}
    assert isinstance(conn.policy, OneOfIssuers)
    assert conn.policy.issuers == {"https://accounts.google.com", "accounts.google.com"}
    md = conn.engine.static_metadata()
    assert md.token_endpoint == "https://oauth2.googleapis.com/token"
    assert md.jwks_uri == "https://www.googleapis.com/oauth2/v3/certs"


def test_one_or_many_domains_and_parties(make_google: Make) -> None:
    conn = make_google(hosted_domain="acme.example", authorized_parties="android-client")
    assert conn.config.hosted_domain == ("acme.example",)
    assert conn.config.authorized_parties == ("android-client",)


@pytest.mark.parametrize("domain", ["Acme.Example", "acme", "*.acme.example", "acme.example/", ""])
def test_bad_hosted_domain(domain: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("google", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, hosted_domain=domain)
    assert err.value.field == "hosted_domain"


def test_password_is_not_a_google_method() -> None:
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("google", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, methods=["password"])
    assert "not supported" in err.value.message


def test_sandbox_issuer_needs_endpoints(make_google: Make) -> None:
    with pytest.raises(ConfigurationError) as err:
        make_google(issuer="https://sandbox.example.test")
    assert "endpoints" in err.value.message
    conn = make_google(
        issuer="https://sandbox.example.test",
        endpoints={
            "authorization_endpoint": "https://sandbox.example.test/auth",
            "token_endpoint": "https://sandbox.example.test/token",
            "jwks_uri": "https://sandbox.example.test/jwks",
        },
    )
    assert conn.policy == ExactIssuer("https://sandbox.example.test")
    assert conn.engine.static_metadata().issuer == "https://sandbox.example.test"


def test_symmetric_tokens_refused() -> None:
    with pytest.raises(ConfigurationError):
        idpbridge.connect(
            "google", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, allow_symmetric_id_tokens=True
        )


def test_secret_not_in_repr_or_errors(make_google: Make) -> None:
    conn = make_google()
    assert CLIENT_SECRET not in repr(conn) + repr(conn.config)
    with pytest.raises(ConfigurationError) as err:
        idpbridge.connect("google", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, hosted_domain="BAD!")
    assert CLIENT_SECRET not in str(err.value)
    assert "BAD!" not in str(err.value)
