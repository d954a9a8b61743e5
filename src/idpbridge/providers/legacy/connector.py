"""The legacy connector: a home-grown REST API driven by the request templates and response mapping.

Every request goes through the connector's :class:`~idpbridge.kit.HttpClient` (timeouts, body
caps, redirect refusal, log redaction) and is never retried: a password or token submission is
not idempotent. HMAC signing and mTLS need idpbridge's own ``httpx`` client (signing hooks the
final request bytes; the client certificate lives in its TLS context).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import ssl
from collections.abc import Mapping
from typing import Any, ClassVar

from ...http import AsyncClient, new_client, redact_url
from ...kit import (
    Authenticated,
    CheckResult,
    ConfigurationError,
    Connector,
    ExternalToken,
    HttpClient,
    Identity,
    IdpBridgeError,
    InvalidCredentials,
    MalformedResponse,
    Method,
    Password,
    ProviderError,
    Response,
    TokenSet,
    TokenValidationError,
    UserNotFound,
    opt_str,
    run_probes,
    str_list,
    strict_bool,
)
from .config import LegacyConfig, RequestTemplate, ResponseMapping
from .errors import refusal
from .sheet import SHEET
from .template import MISSING, JsonPath, fill

__all__ = ["LegacyConnector", "hmac_signature"]

_SIGNED = ("hmac", "mtls")


def hmac_signature(secret: bytes, method: str, url: str, timestamp: str, body: bytes) -> str:
    """The ``sha256=<hex>`` signature of a request (see :class:`~.config.ClientAuth`)."""
    message = f"{method.upper()}\n{url}\n{timestamp}\n".encode() + body
    return "sha256=" + hmac.new(secret, message, hashlib.sha256).hexdigest()


def _fill_tree(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return fill(node, values)
    if isinstance(node, dict):
        return {key: _fill_tree(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill_tree(value, values) for value in node]
    return node


def _same(value: Any, expected: Any) -> bool:
    return type(value) is type(expected) and value == expected


class LegacyConnector(Connector[LegacyConfig]):
    """A legacy HTTP API: ``password`` and ``token`` through configured templates (see :mod:`.config`)."""

    sheet = SHEET
    Config: ClassVar[type[LegacyConfig]] = LegacyConfig
    config: LegacyConfig

    def __init__(
        self,
        config: LegacyConfig | Mapping[str, Any] | None = None,
        /,
        *,
        http_client: AsyncClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, http_client=http_client, **kwargs)
        self._own_client: AsyncClient | None = None
        kind = self.config.client_auth.kind
        if kind in _SIGNED or self.config.client_auth.ca_file:
            if http_client is not None and kind == "hmac":
                raise ConfigurationError(
                    "client_auth.kind = 'hmac' signs requests in idpbridge's own HTTP client: "
                    "do not pass http_client",
                    connector=self.instance_name,
                )
            if http_client is None:
                self._own_client = self._build_client()
                self.http = HttpClient(self.config.http_policy(), self._own_client)

    def _build_client(self) -> AsyncClient:
        auth = self.config.client_auth
        try:
            context = ssl.create_default_context(cafile=auth.ca_file)
            if auth.kind == "mtls" and auth.cert_file:
                context.load_cert_chain(auth.cert_file, auth.key_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(
                f"client_auth: cannot load the certificate files ({type(exc).__name__})",
                field="client_auth",
                connector=self.instance_name,
            ) from None
        signer = self._sign if auth.kind == "hmac" else None
        return new_client(self.config.http_policy(), verify=context, signer=signer)

    def _sign(self, method: str, url: str, body: bytes) -> dict[str, str]:
        auth = self.config.client_auth
        secret = auth.secret.get_secret_value().encode() if auth.secret else b""
        timestamp = str(int(self.clock()))
        return {
            auth.timestamp_header: timestamp,
            auth.signature_header: hmac_signature(secret, method, url, timestamp, body),
        }

    async def aclose(self) -> None:
        """Release network resources (and idpbridge's own client, if it built one)."""
        await super().aclose()
        if self._own_client is not None:
            await self._own_client.aclose()

    # -- methods ----------------------------------------------------------------------------------

    async def password(self, request: Password) -> Authenticated:
        """Submit the username and password; map the answer to an identity or a typed refusal."""
        values = {"username": request.username, "password": request.password.get_secret_value()}
        doc = await self._call("password", values)
        identity = self._identity(doc, self.config.response, submitted=request.username)
        return Authenticated(identity=identity, tokens=TokenSet(), method=Method.PASSWORD)

    async def validate_token(self, request: ExternalToken) -> Authenticated:
        """Validate the token through the service; the mapped username must match the request's."""
        if request.username is None:
            raise TokenValidationError(
                "a legacy token is accepted only with the username it belongs to", code="token.username"
            )
        values = {"token": request.token.get_secret_value(), "username": request.username}
        doc = await self._call("token", values)
        identity = self._identity(doc, self.config.token_mapping, submitted=None)
        if not self._same_user(request.username, identity.username):
            raise TokenValidationError(
                "the legacy token belongs to another user than the one given", code="token.username"
            )
        return Authenticated(identity=identity, tokens=TokenSet(), method=Method.TOKEN)

    def _same_user(self, given: str, mapped: str | None) -> bool:
        if mapped is None:
            return False
        if self.config.username_match == "casefold":
            return hmac.compare_digest(given.casefold().encode(), mapped.casefold().encode())
        return hmac.compare_digest(given.encode(), mapped.encode())

    # -- the exchange -----------------------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        auth = self.config.client_auth
        secret = auth.secret.get_secret_value() if auth.secret else ""
        if auth.kind == "basic":
            raw = f"{auth.username}:{secret}".encode()
            return {"authorization": "Basic " + base64.b64encode(raw).decode()}
        if auth.kind == "bearer":
            return {"authorization": f"Bearer {secret}"}
        return {}

    async def _call(self, method: str, values: Mapping[str, str]) -> Any:
        template: RequestTemplate | None = getattr(self.config, method)
        if template is None:  # pragma: no cover - the config validator requires it
            raise ConfigurationError(f"no request template for {method}", connector=self.instance_name)
        headers = {name: fill(value, values) for name, value in template.headers.items()}
        if any(not value.isascii() or not value.isprintable() for value in headers.values()):
            # a submitted value that cannot travel in a header: refused, never sent
            raise refusal("", method=method)
        headers.update(self._auth_headers())
        query = {name: fill(value, values) for name, value in template.query.items()}
        body = _fill_tree(template.body, values)
        response = await self.http.request(
            template.method,
            template.url,
            params=query or None,
            json_body=body if template.body_format == "json" and template.method != "GET" else None,
            data=body if template.body_format == "form" and body else None,
            headers=headers,
            idempotent=False,  # a credential submission is never replayed
        )
        return self._read(response, self.config.mapping_for(method), method)

    def _read(self, response: Response, mapping: ResponseMapping, method: str) -> Any:
        doc: Any = None
        if response.body.strip():
            try:
                doc = response.json(any_content_type=True)
            except MalformedResponse:
                if mapping.success_path or mapping.failure_path or not mapping.subject_is_username:
                    raise
        ok = response.status in mapping.success_status
        if ok and mapping.success_path is not None:
            ok = _same(JsonPath(mapping.success_path).get(doc), mapping.success_value)
        if ok:
            return doc
        kind = mapping.failure_status.get(response.status)
        if kind is None and mapping.failure_path is not None:
            value = JsonPath(mapping.failure_path).get(doc)
            if isinstance(value, str | int) and not isinstance(value, bool):
                kind = mapping.failures.get(str(value))
        if kind is None and not (response.status in mapping.success_status or 400 <= response.status < 500):
            raise ProviderError(
                f"{redact_url(response.url)} answered HTTP {response.status}, which the mapping "
                "names neither success nor failure",
                status=response.status,
            )
        raise refusal(kind or "", method=method)

    def _identity(self, doc: Any, mapping: ResponseMapping, *, submitted: str | None) -> Identity:
        def at(path: str | None) -> Any:
            return MISSING if path is None else JsonPath(path).get(doc)

        subject: Any = submitted if mapping.subject_is_username else at(mapping.subject)
        if isinstance(subject, int) and not isinstance(subject, bool):
            subject = str(subject)
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
            raise MalformedResponse(
                f"the legacy answer has no usable subject at {mapping.subject!r}",
                code="provider.malformed_response",
            )
        username = opt_str(at(mapping.username)) if mapping.username else submitted
        found = {name: at(path) for name, path in mapping.attributes.items()}
        claims = {name: value for name, value in found.items() if value is not MISSING}
        groups = at(mapping.groups)
        return Identity(
            provider=self.name,
            connector=self.instance_name,
            issuer=self.config.issuer,
            subject=subject,
            email=opt_str(at(mapping.email)),
            email_verified=strict_bool(at(mapping.email_verified)) if mapping.email_verified else None,
            username=username,
            name=opt_str(at(mapping.name)),
            groups=(str_list(groups) or ()) if groups is not MISSING else (),
            claims=claims,
        )

    # -- check ------------------------------------------------------------------------------------

    def describe_mapping(self) -> str:
        """One line naming the templates and the mapping in use (shown by ``check()``)."""
        parts = []
        for method in sorted(m.value for m in self.enabled_methods):
            template: RequestTemplate = getattr(self.config, method)
            m = self.config.mapping_for(method)
            success = f"status {'/'.join(map(str, m.success_status))}"
            if m.success_path:
                success += f" and {m.success_path} == {m.success_value!r}"
            subject = "the username" if m.subject_is_username else m.subject
            parts.append(
                f"{method}: {template.method} {redact_url(template.url)} ({template.body_format}); "
                f"success: {success}; subject: {subject}; username: {m.username or 'as submitted'}"
            )
        return f"issuer {self.config.issuer}; client auth {self.config.client_auth.kind}; " + "; ".join(parts)

    async def probes(self) -> list[CheckResult]:
        """The mapping in use, then the health endpoint or a known-bad credential (expect a refusal)."""
        results = [CheckResult("mapping", True, self.describe_mapping())]
        health_url = self.config.health_url or ""

        async def health() -> tuple[bool, str]:
            response = await self.http.request(
                "GET", health_url, headers=self._auth_headers(), idempotent=True
            )
            return 200 <= response.status < 300, f"HTTP {response.status}"

        async def known_bad() -> tuple[bool, str]:
            bad = secrets.token_urlsafe(24)
            try:
                if Method.PASSWORD in self.enabled_methods:
                    await self._call("password", {"username": self.config.check_username, "password": bad})
                else:
                    await self._call("token", {"token": bad, "username": self.config.check_username})
            except (InvalidCredentials, UserNotFound, TokenValidationError) as exc:
                return True, f"a known-bad credential was refused ({exc.code})"
            except IdpBridgeError as exc:
                return False, f"unexpected answer to a known-bad credential: {exc.code}: {exc.message}"
            return False, "the legacy API ACCEPTED a random credential: check the success mapping"

        probe = ("health", health) if health_url else ("known_bad_credential", known_bad)
        return [*results, *await run_probes([probe])]
