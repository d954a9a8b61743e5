"""mTLS client authentication against a loopback HTTPS service that requires a client certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from idpbridge import ConfigurationError, Password, ProviderUnavailable
from idpbridge.providers.legacy.connector import LegacyConnector

from ._service import LegacyService, serve
from .test_legacy import JSON_MAPPING

NOW = dt.datetime.now(dt.UTC)


def _cert(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    ip: bool = False,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, signer = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(minutes=5))
        .not_valid_after(NOW + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    pem = path.with_suffix(".pem")
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = path.with_suffix(".key")
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(pem), str(key_path)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    d = tmp_path_factory.mktemp("pki")
    out = {}
    for ca_name in ("ca", "rogue-ca"):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _cert(ca_name, ca_key, None, ca=True)
        out[ca_name] = _write(d / ca_name, ca, ca_key)
        authority = (ca.subject, ca_key)
        for leaf, ip in (("server", True), ("client", False)):
            key = ec.generate_private_key(ec.SECP256R1())
            out[f"{ca_name}-{leaf}"] = _write(
                d / f"{ca_name}-{leaf}", _cert(leaf, key, authority, ip=ip), key
            )
    return out


@pytest.fixture(scope="module")
def tls_service(pki: dict[str, tuple[str, str]]) -> Iterator[LegacyService]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*pki["ca-server"])
    context.load_verify_locations(pki["ca"][0])
    context.verify_mode = ssl.CERT_REQUIRED
    with serve(context) as running:
        yield running


def config(service: LegacyService, pki: dict[str, tuple[str, str]], client: str) -> dict[str, object]:
    cert, key = pki[client]
    return {
        "issuer": "https://legacy.acme.example",
        "methods": ["password"],
        "password": {"url": service.url("/json/login"), "body": {"user": "{username}", "pass": "{password}"}},
        "response": JSON_MAPPING,
        "client_auth": {"kind": "mtls", "cert_file": cert, "key_file": key, "ca_file": pki["ca"][0]},
    }


async def test_mtls_client_certificate(tls_service: LegacyService, pki: dict[str, tuple[str, str]]) -> None:
    async with LegacyConnector(config(tls_service, pki, "ca-client")) as connector:
        outcome = await connector.authenticate(Password("alice", SecretStr("correct horse")))
    assert outcome.identity.subject == "1001"
    # a certificate from another CA: the server refuses the handshake
    async with LegacyConnector(config(tls_service, pki, "rogue-ca-client")) as connector:
        with pytest.raises(ProviderUnavailable):
            await connector.authenticate(Password("alice", SecretStr("correct horse")))


def test_unreadable_certificate_files_are_a_configuration_error(
    tls_service: LegacyService, pki: dict[str, tuple[str, str]], tmp_path: Path
) -> None:
    bad = config(tls_service, pki, "ca-client")
    bad["client_auth"] = {"kind": "mtls", "cert_file": str(tmp_path / "missing.pem")}
    with pytest.raises(ConfigurationError) as caught:
        LegacyConnector(bad)
    assert "missing.pem" not in str(caught.value)
