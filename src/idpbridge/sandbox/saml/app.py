"""The SAML 2.0 IdP face's routes (an app of :mod:`idpbridge.sandbox._http`).

===============================  ==================================================================
``GET  /saml/metadata``           IdP metadata: entity ID, SSO endpoints (HTTP-Redirect and
                                  HTTP-POST), the signing certificate
``GET|POST /saml/sso``            SSO endpoint: takes the ``AuthnRequest`` (deflated in the query,
                                  or base64 in the form) and ``RelayState``; shows the login page
``POST /saml/login``              the login form; on success an auto-POST form to the SP's ACS URL
                                  carrying a signed ``SAMLResponse`` and the ``RelayState``
===============================  ==================================================================

The entity ID is ``{base_url}/saml/metadata``. Any SP is accepted whose ACS URL is ``http(s)`` on a
loopback address (as RFC 8252 redirect URIs are for the Keycloak face); the ``Audience`` is the
request's ``Issuer``. The Response and its Assertion are both signed (RSA-SHA256, a key generated
per start); the Assertion is encrypted (AES-256-GCM, RSA-OAEP) for an SP the seed gives an
``encryption_cert``. AuthnRequest signatures are not checked (the sandbox is not a security
boundary).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .._http import HttpAnswer, Request
from ..keycloak.pages import error_page, form_post_page, login_page
from ..seed import SAMLSeed, SAMLUserSeed

__all__ = ["SAMLApp", "SAMLState"]

PREFIX = "/saml/"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
_PENDING_TTL = 600.0
_MAX_PENDING = 1000  # the oldest pending request is dropped beyond this
_LABEL = "saml"
_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def _keypair() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idpbridge sandbox SAML IdP")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class _Pending:
    request_id: str
    sp_entity_id: str
    acs_url: str
    relay_state: str | None
    expires: float


@dataclass
class SAMLState:
    """The SAML face's users, signing key (new per instance) and pending AuthnRequests."""

    seed: SAMLSeed
    clock: Callable[[], float] = time.time
    assertion_lifetime: float = 300.0
    pending: dict[str, _Pending] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.key, self.cert_pem = _keypair()

    @property
    def cert_b64(self) -> str:
        """The signing certificate's DER, base64 (as metadata carries it)."""
        return "".join(line for line in self.cert_pem.splitlines() if "-----" not in line)

    def rotate_key(self) -> str:
        """A new signing key and certificate; returns the certificate's SHA-256 fingerprint."""
        self.key, self.cert_pem = _keypair()
        cert = x509.load_pem_x509_certificate(self.cert_pem.encode())
        return cert.fingerprint(hashes.SHA256()).hex()

    def user(self, username: str) -> SAMLUserSeed | None:
        """The enabled user called ``username`` (or with that e-mail)."""
        for u in self.seed.users:
            if u.enabled and username in (u.username, u.email):
                return u
        return None

    def encryption_cert(self, sp_entity_id: str) -> str | None:
        """The certificate the seed gives to encrypt ``sp_entity_id``'s assertions to, if any."""
        for sp in self.seed.service_providers:
            if sp.entity_id == sp_entity_id:
                return sp.encryption_cert
        return None

    def prune(self) -> None:
        """Forget expired pending requests."""
        now = self.clock()
        for token in [t for t, p in self.pending.items() if p.expires <= now]:
            del self.pending[token]


def metadata_xml(base_url: str, cert_b64: str) -> str:
    """The IdP's ``EntityDescriptor``."""
    entity = f"{base_url}{PREFIX}metadata"
    sso = f"{base_url}{PREFIX}sso"
    return (
        '<?xml version="1.0"?>'
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        f"<ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data>"
        "</ds:KeyInfo></md:KeyDescriptor>"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
        f'<md:SingleSignOnService Binding="{_REDIRECT}" Location="{sso}"/>'
        f'<md:SingleSignOnService Binding="{_POST}" Location="{sso}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


class _BadRequest(Exception):
    pass


def _loopback_url(url: str | None) -> str:
    if not url:
        raise _BadRequest("The AuthnRequest names no AssertionConsumerServiceURL.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in _LOOPBACK:
        raise _BadRequest("The ACS URL must be on a loopback address.")
    return url


class SAMLApp:
    """Serve the SAML face of a :class:`SAMLState` (callable: request -> answer)."""

    def __init__(self, state: SAMLState) -> None:
        self.state = state

    @staticmethod
    def handles(path: str) -> bool:
        """Whether ``path`` belongs to this face (``/saml/…``)."""
        return path.startswith(PREFIX)

    def __call__(self, request: Request) -> HttpAnswer:
        self.state.prune()
        route = request.path[len(PREFIX) :]
        try:
            if route == "metadata" and request.method == "GET":
                xml = metadata_xml(request.base_url, self.state.cert_b64)
                return HttpAnswer(200, {"Content-Type": "application/samlmetadata+xml"}, xml.encode())
            if route == "sso" and request.method in ("GET", "POST"):
                return self._sso(request)
            if route == "login" and request.method == "POST":
                return self._login(request)
        except _BadRequest as exc:
            return HttpAnswer.page(400, error_page(_LABEL, str(exc)))
        return HttpAnswer.page(404, error_page(_LABEL, "Page not found."))

    def _sso(self, request: Request) -> HttpAnswer:
        from ...errors import IdpBridgeError
        from ...saml._xml import parse, qn, text_of

        fields = request.query if request.method == "GET" else request.form()
        encoded = fields.get("SAMLRequest")
        if not encoded:
            raise _BadRequest("No SAMLRequest.")
        try:
            raw = base64.b64decode(encoded, validate=False)
            xml = zlib.decompress(raw, -15) if request.method == "GET" else raw
            root = parse(xml, what="AuthnRequest")
        except (ValueError, zlib.error, IdpBridgeError) as exc:
            raise _BadRequest("The SAMLRequest is not a readable AuthnRequest.") from exc
        issuer_el = root.find(qn("saml", "Issuer"))
        request_id = root.get("ID")
        if root.tag != qn("samlp", "AuthnRequest") or issuer_el is None or not request_id:
            raise _BadRequest("The SAMLRequest is not an AuthnRequest with an ID and an Issuer.")
        pending = _Pending(
            request_id=request_id,
            sp_entity_id=text_of(issuer_el, what="Issuer"),
            acs_url=_loopback_url(root.get("AssertionConsumerServiceURL")),
            relay_state=fields.get("RelayState"),
            expires=self.state.clock() + _PENDING_TTL,
        )
        token = secrets.token_urlsafe(24)
        while len(self.state.pending) >= _MAX_PENDING:
            del self.state.pending[next(iter(self.state.pending))]
        self.state.pending[token] = pending
        return HttpAnswer.page(200, login_page(_LABEL, f"{PREFIX}login?t={token}"))

    def _login(self, request: Request) -> HttpAnswer:
        from .assertion import signed_response

        token = request.query.get("t", "")
        pending = self.state.pending.get(token)
        if pending is None:
            raise _BadRequest("This sign-in expired; start again from the application.")
        form = request.form()
        username = form.get("username", "")
        user = self.state.user(username)
        if user is None or not secrets.compare_digest(
            user.password.get_secret_value().encode(), form.get("password", "").encode()
        ):
            action = f"{PREFIX}login?t={token}"
            return HttpAnswer.page(
                200, login_page(_LABEL, action, username=username, error="Invalid username or password.")
            )
        del self.state.pending[token]
        attributes = [("uid", [user.username])]
        attributes += [(n, [v]) for n, v in (("email", user.email), ("displayName", user.name)) if v]
        if user.groups:
            attributes.append(("groups", list(user.groups)))
        response = signed_response(
            issuer=f"{request.base_url}{PREFIX}metadata",
            audience=pending.sp_entity_id,
            acs_url=pending.acs_url,
            in_response_to=pending.request_id,
            name_id=self.state.seed.name_id(user),
            attributes=attributes,
            now=dt.datetime.fromtimestamp(self.state.clock(), dt.UTC),
            lifetime=dt.timedelta(seconds=self.state.assertion_lifetime),
            key=self.state.key,
            cert_pem=self.state.cert_pem,
            encrypt_to=self.state.encryption_cert(pending.sp_entity_id),
        )
        params = {"SAMLResponse": response}
        if pending.relay_state is not None:
            params["RelayState"] = pending.relay_state
        return HttpAnswer.page(200, form_post_page(pending.acs_url, params))
