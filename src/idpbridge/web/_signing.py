"""Signed browser state: the flow carrier (cookie or form field) and the double-submit CSRF token.

The continuation inside a flow value is already sealed (AES-256-GCM, see
:mod:`idpbridge.continuation`), so it is carried as is, not encrypted again. The HMAC around it
binds it to its purpose: the step kind, the connector, the fields the step asks for and the
mount path of the routes, so a value minted for one route or step is refused by another.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re
import secrets

from pydantic import SecretStr

from ..errors import ConfigurationError, FlowError

__all__ = ["FlowValue", "Signer"]

#: The flow kinds: which request resumes the flow.
KINDS = frozenset({"oidc", "saml", "org", "input", "code"})
_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,8192}")


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclasses.dataclass(frozen=True, slots=True)
class FlowValue:
    """One flow in progress: its kind, connector (or organization directory), the field names a
    step asks for, and the sealed continuation."""

    kind: str
    connector: str
    continuation: SecretStr
    fields: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"FlowValue(kind={self.kind!r}, connector={self.connector!r}, fields={self.fields!r})"


class Signer:
    """HMAC-SHA256 signing of flow values and CSRF tokens with keys derived from one secret."""

    __slots__ = ("_csrf_key", "_flow_key")

    def __init__(self, secret: str | bytes | SecretStr) -> None:
        if isinstance(secret, SecretStr):
            secret = secret.get_secret_value()
        raw = secret.encode() if isinstance(secret, str) else secret
        if not isinstance(raw, bytes) or len(raw) < 32:
            raise ConfigurationError(
                "the web secret must be at least 32 bytes (e.g. ContinuationKeys.new_key())", field="secret"
            )
        self._flow_key = hmac.new(raw, b"idpbridge.web.flow.v1", hashlib.sha256).digest()
        self._csrf_key = hmac.new(raw, b"idpbridge.web.csrf.v1", hashlib.sha256).digest()

    def __repr__(self) -> str:
        return "Signer(<secret>)"

    # -- flow values --------------------------------------------------------------------------------

    def _flow_mac(self, path: str, parts: tuple[str, ...]) -> str:
        message = "\0".join((path, *parts)).encode()
        return _b64e(hmac.new(self._flow_key, message, hashlib.sha256).digest())

    def dump_flow(self, flow: FlowValue, *, path: str) -> str:
        """``kind.connector.fields.mac.continuation`` (cookie- and form-safe characters only)."""
        if flow.kind not in KINDS:
            raise ValueError(f"unknown flow kind {flow.kind!r}")
        token = flow.continuation.get_secret_value()
        parts = (flow.kind, _b64e(flow.connector.encode()), _b64e(",".join(flow.fields).encode()))
        return ".".join((*parts, self._flow_mac(path, (*parts, token)), token))

    def load_flow(self, value: str | None, *, path: str, kinds: frozenset[str] = KINDS) -> FlowValue:
        """The flow in ``value``; :class:`~idpbridge.FlowError` when absent, altered, minted for
        another mount path, or of a kind this route does not resume."""
        if not value:
            raise FlowError("no sign-in is in progress in this browser", code="flow.missing")
        pieces = value.split(".", 4)
        if len(pieces) != 5 or not _TOKEN.fullmatch(value):
            raise FlowError("the sign-in state is malformed", code="flow.malformed")
        kind, connector, fields, mac, token = pieces
        if not hmac.compare_digest(mac, self._flow_mac(path, (kind, connector, fields, token))):
            raise FlowError("the sign-in state was altered or belongs elsewhere", code="flow.tampered")
        if kind not in kinds:
            raise FlowError("this sign-in step belongs to another route", code="flow.wrong_method")
        try:
            name = _b64d(connector).decode()
            names = tuple(n for n in _b64d(fields).decode().split(",") if n)
        except (ValueError, UnicodeDecodeError) as exc:  # pragma: no cover - needs a valid MAC
            raise FlowError("the sign-in state is malformed", code="flow.malformed") from exc
        return FlowValue(kind, name, SecretStr(token), names)

    # -- CSRF (signed double submit) ---------------------------------------------------------------

    def new_csrf(self) -> str:
        """A fresh token: random bytes and their MAC (a planted cookie without the MAC is refused)."""
        nonce = _b64e(secrets.token_bytes(18))
        return f"{nonce}.{self._csrf_mac(nonce)}"

    def _csrf_mac(self, nonce: str) -> str:
        return _b64e(hmac.new(self._csrf_key, nonce.encode(), hashlib.sha256).digest())

    def csrf_valid(self, cookie: str | None) -> bool:
        """Whether a CSRF cookie value is one this secret minted."""
        if not cookie or not _TOKEN.fullmatch(cookie) or cookie.count(".") != 1:
            return False
        nonce, mac = cookie.split(".")
        return hmac.compare_digest(mac, self._csrf_mac(nonce))

    def check_csrf(self, cookie: str | None, submitted: str | None) -> None:
        """Refuse a POST whose form token is missing, differs from the cookie, or is not ours."""
        if not (self.csrf_valid(cookie) and submitted and hmac.compare_digest(str(cookie), submitted)):
            raise FlowError("the form's anti-forgery token is missing or wrong", code="flow.csrf")


def valid_name(name: str) -> bool:
    """Whether ``name`` is a connector name the routes accept."""
    return bool(_NAME.fullmatch(name))
