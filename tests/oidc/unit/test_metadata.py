"""ProviderMetadata: exact issuer, secure endpoints, JSON types, overrides."""

from __future__ import annotations

from typing import Any

import pytest

from idpbridge.errors import ConfigurationError, MalformedResponse
from idpbridge.oidc import ProviderMetadata

from .conftest import ISSUER, discovery_doc


def test_from_document() -> None:
    md = ProviderMetadata.from_document(discovery_doc(), expected_issuer=ISSUER)
    assert md.issuer == ISSUER
    assert md.jwks_uri == f"{ISSUER}/jwks"
    assert md.id_token_signing_alg_values_supported == ("RS256", "ES256")
    assert md.raw["subject_types_supported"] == ["public"]
    assert md.authorization_response_iss_parameter_supported is False


@pytest.mark.parametrize(
    "doc_issuer",
    [ISSUER + "INVALID", ISSUER + "/", "https://OP.example.com", "https://example.com", "https://op.example"],
)
def test_issuer_mismatch(doc_issuer: str) -> None:
    doc = {**discovery_doc(), "issuer": doc_issuer}
    with pytest.raises(ConfigurationError) as info:
        ProviderMetadata.from_document(doc, expected_issuer=ISSUER)
    assert info.value.code == "config.issuer_mismatch"


def test_issuer_check_can_be_skipped_only_explicitly() -> None:
    doc = {**discovery_doc(), "issuer": "https://login.example/{tenantid}/v2.0"}
    md = ProviderMetadata.from_document(doc, expected_issuer=None)
    assert md.issuer == "https://login.example/{tenantid}/v2.0"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("issuer", None),
        ("issuer", 5),
        ("token_endpoint", "http://op.example.com/token"),  # plain http, not loopback
        ("jwks_uri", "ftp://op.example.com/jwks"),
        ("jwks_uri", ["https://op.example.com/jwks"]),
        ("id_token_signing_alg_values_supported", "RS256"),
        ("id_token_signing_alg_values_supported", ["RS256", 5]),
        ("grant_types_supported", {"a": 1}),
        ("authorization_response_iss_parameter_supported", "true"),
    ],
)
def test_malformed(field: str, value: Any) -> None:
    doc = {**discovery_doc(), field: value}
    with pytest.raises(MalformedResponse):
        ProviderMetadata.from_document(doc, expected_issuer=None)


def test_loopback_http_allowed() -> None:
    doc = discovery_doc("http://127.0.0.1:8080")
    md = ProviderMetadata.from_document(doc, expected_issuer="http://127.0.0.1:8080")
    assert md.token_endpoint == "http://127.0.0.1:8080/token"
    doc = discovery_doc("http://localhost:9")
    assert (
        ProviderMetadata.from_document(doc, expected_issuer="http://localhost:9").issuer
        == "http://localhost:9"
    )


def test_overrides() -> None:
    md = ProviderMetadata.from_document(discovery_doc(), expected_issuer=ISSUER)
    md2 = md.with_overrides(
        {
            "token_endpoint": "https://other.example/token",
            "id_token_signing_alg_values_supported": "RS256 PS256",
            "authorization_response_iss_parameter_supported": True,
        }
    )
    assert md2.token_endpoint == "https://other.example/token"
    assert md2.id_token_signing_alg_values_supported == ("RS256", "PS256")
    assert md2.authorization_response_iss_parameter_supported is True
    assert md.token_endpoint == f"{ISSUER}/token"  # original untouched
    assert md.with_overrides({}) is md


@pytest.mark.parametrize(
    "overrides",
    [
        {"issuer": "https://evil.example"},
        {"raw": "x"},
        {"nonsense": "x"},
        {"token_endpoint": "http://evil.example/token"},
        {"token_endpoint": 5},
        {"grant_types_supported": [1]},
        {"authorization_response_iss_parameter_supported": "yes"},
    ],
)
def test_bad_overrides(overrides: dict[str, Any]) -> None:
    md = ProviderMetadata.from_document(discovery_doc(), expected_issuer=ISSUER)
    with pytest.raises(ConfigurationError):
        md.with_overrides(overrides)


def test_built_by_hand() -> None:
    md = ProviderMetadata(
        issuer="https://www.facebook.com",
        authorization_endpoint="https://www.facebook.com/dialog/oauth",
        token_endpoint="https://graph.facebook.com/oauth/access_token",
        jwks_uri="https://www.facebook.com/.well-known/oauth/openid/jwks/",
    )
    assert md.raw == {}
    with pytest.raises(ConfigurationError):
        ProviderMetadata(
            issuer="https://x.example",
            authorization_endpoint="http://x.example/a",
            token_endpoint=None,
            jwks_uri=None,
        )
