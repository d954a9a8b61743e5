"""Engine behaviour that needs no IdP: status codes, configuration errors, request types."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from idpbridge.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConsentRequired,
    FlowError,
    InvalidCredentials,
    MalformedResponse,
    ProviderError,
    UserCancelled,
    UserNotFound,
)
from idpbridge.methods import FinishSAML, InvalidRequest, StartSAML
from idpbridge.saml.config import SAMLConfig
from idpbridge.saml.metadata import IdPMetadata
from idpbridge.saml.response import Expected, validate_response
from tests.peers.lemonldap_saml import make_keypair

META = IdPMetadata(entity_id="https://idp", sso={}, signing_certs=())
EXP = Expected(
    request_id="_req1", acs_url="https://sp/acs", sp_entity_id="https://sp", now=dt.datetime.now(dt.UTC)
)


def _status_response(top: str, sub: str | None = None, in_response_to: str = "_req1") -> str:
    inner = f'<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:{sub}"/>' if sub else ""
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0" '
        f'InResponseTo="{in_response_to}" IssueInstant="2026-01-01T00:00:00Z"><samlp:Status>'
        f'<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:{top}">{inner}</samlp:StatusCode>'
        "</samlp:Status></samlp:Response>"
    )
    return base64.b64encode(xml.encode()).decode()


@pytest.mark.parametrize(
    ("top", "sub", "error"),
    [
        ("Responder", "AuthnFailed", InvalidCredentials),
        ("Responder", "RequestDenied", UserCancelled),
        ("Responder", "NoPassive", ConsentRequired),
        ("Responder", "UnknownPrincipal", UserNotFound),
        ("Requester", "InvalidNameIDPolicy", AuthenticationFailed),
        ("Responder", None, ProviderError),
    ],
)
def test_status_codes_are_typed(top: str, sub: str | None, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        validate_response(_status_response(top, sub), META, EXP)
    assert info.value.code == f"saml.status.{sub or top}"  # type: ignore[attr-defined]


def test_status_of_another_request_is_a_flow_error() -> None:
    with pytest.raises(FlowError) as info:
        validate_response(_status_response("Responder", "AuthnFailed", "_other"), META, EXP)
    assert info.value.code == "saml.in_response_to"


@pytest.mark.parametrize(
    "junk", ["not base64!!", base64.b64encode(b"<a>").decode(), base64.b64encode(b"<x/>").decode()]
)
def test_junk_is_malformed(junk: str) -> None:
    with pytest.raises(MalformedResponse) as info:
        validate_response(junk, META, EXP)
    assert info.value.code.startswith("saml.")


def test_oversized_response_is_refused() -> None:
    big = base64.b64encode(b"<a>" + b" " * (1024 * 1024 + 1) + b"</a>").decode()
    with pytest.raises(MalformedResponse) as info:
        validate_response(big, META, EXP)
    assert info.value.code == "saml.xml_too_large"


@pytest.mark.parametrize(
    "fields",
    [
        {"sp_entity_id": "https://sp", "acs_url": "https://sp/acs"},  # no metadata source
        {
            "idp_metadata_url": "https://idp/md",
            "idp_metadata_xml": "<x/>",
            "sp_entity_id": "https://sp",
            "acs_url": "https://sp/acs",
        },
        {
            "idp_metadata_url": "http://idp.example/md",
            "sp_entity_id": "https://sp",
            "acs_url": "https://sp/acs",
        },
        {
            "idp_metadata_url": "https://idp/md",
            "sp_entity_id": "s",
            "acs_url": "a",
            "sign_authn_requests": True,
        },
        {
            "idp_metadata_url": "https://idp/md",
            "sp_entity_id": "s",
            "acs_url": "a",
            "attribute_map": {"x": ["y"]},
        },
    ],
)
def test_bad_configuration_is_a_configuration_error(fields: dict[str, object]) -> None:
    from idpbridge.saml.connector import SAMLConnector

    with pytest.raises(ConfigurationError):
        SAMLConnector(fields)


def test_keys_are_secret_and_checked() -> None:
    from idpbridge.saml.connector import SAMLConnector

    pair = make_keypair("k")
    cfg = SAMLConfig(
        idp_metadata_url="https://idp/md", sp_entity_id="s", acs_url="a", sp_decryption_key=pair.key_pem
    )
    assert "PRIVATE" not in repr(cfg)
    with pytest.raises(ConfigurationError) as info:
        SAMLConnector(
            idp_metadata_url="https://idp/md", sp_entity_id="s", acs_url="a", sp_decryption_key="nope"
        )
    assert info.value.code == "saml.key_invalid"
    assert "nope" not in str(info.value)


def test_request_types() -> None:
    with pytest.raises(InvalidRequest):
        StartSAML(binding="artifact")
    with pytest.raises(InvalidRequest):
        FinishSAML(b"x", None, "c")  # type: ignore[arg-type]
    finish = FinishSAML("PHNhbWw+", "rs", "cont")
    assert "PHNhbWw" not in repr(finish)


def test_utf16_doctype_is_refused() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>'
    ).encode("utf-16")
    with pytest.raises(MalformedResponse) as info:
        validate_response(base64.b64encode(xml).decode(), META, EXP)
    assert info.value.code == "saml.xml_dtd"


def test_huge_base64_is_refused_before_decoding() -> None:
    with pytest.raises(MalformedResponse) as info:
        validate_response("A" * (2 * 1024 * 1024), META, EXP)
    assert info.value.code == "saml.xml_too_large"
