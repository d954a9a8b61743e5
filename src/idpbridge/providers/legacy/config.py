"""Configuration of a legacy connector, entirely in the connectors file (see ``docs/legacy.md``).

==================  =============================================================================
field               meaning
==================  =============================================================================
``issuer``          required: the issuer of ``(issuer, subject)``, an https URL you own
                    (``https://legacy.acme.example``); it names the legacy system forever
``password``        request template of the ``password`` method (:class:`RequestTemplate`)
``token``           request template of the ``token`` method
``client_auth``     how idpbridge authenticates to the legacy API (:class:`ClientAuth`)
``response``        how answers are read (:class:`ResponseMapping`)
``username_match``  ``exact`` (default) or ``casefold``: the ``token`` seed rule
``health_url``      optional GET endpoint for ``check()``; else ``check()`` submits a known-bad
                    password (``check_username``) and expects a refusal
==================  =============================================================================
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ...http import require_secure_url
from ...kit import ConnectorConfig, ProviderSheet
from .sheet import SHEET
from .template import JsonPath, placeholders_in

__all__ = ["ClientAuth", "FailureKind", "LegacyConfig", "RequestTemplate", "ResponseMapping"]

FailureKind = Literal["invalid_credentials", "user_not_found", "locked", "disabled", "invalid_token"]
_STRICT = ConfigDict(frozen=True, extra="forbid")
_HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"


def _url(value: str, what: str) -> str:
    try:
        return require_secure_url(value, what=what)
    except Exception as exc:  # ConfigurationError -> a field error pydantic reports
        raise ValueError(getattr(exc, "message", str(exc))) from None


class RequestTemplate(BaseModel):
    """One request: ``method``, ``url``, ``headers``, ``query`` and a JSON or form ``body``.

    String values of ``headers``, ``query`` and ``body`` may use ``{username}``, ``{password}`` and
    ``{token}``; the URL may not (put values in ``query``, which is URL-encoded).
    """

    model_config = _STRICT

    method: Literal["GET", "POST", "PUT"] = "POST"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, str] = Field(default_factory=dict)
    body_format: Literal["json", "form", "none"] = "json"
    body: dict[str, Any] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if "{" in value or "}" in value:
            raise ValueError("the URL takes no placeholders: put values in query (URL-encoded)")
        return _url(value, "url")

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        import re

        for name in value:
            if not re.fullmatch(_HEADER_NAME, name):
                raise ValueError(f"{name[:40]!r} is not a header name")
        return value

    @model_validator(mode="after")
    def _check_slots(self) -> RequestTemplate:
        if self.method == "GET" and self.body:
            raise ValueError("a GET request has no body: use query")
        if self.body_format == "form" and any(not isinstance(v, str) for v in self.body.values()):
            raise ValueError("a form body holds only string values")
        self.placeholders()
        return self

    def placeholders(self) -> set[str]:
        """Every placeholder the template uses."""
        names: set[str] = set()
        for text in [*self.headers.values(), *self.query.values(), *_strings(self.body)]:
            names |= placeholders_in(text)
        return names


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


class ClientAuth(BaseModel):
    """How idpbridge proves itself to the legacy API.

    * ``basic``: ``Authorization: Basic base64(username:secret)`` (RFC 7617, UTF-8).
    * ``bearer``: ``Authorization: Bearer <secret>``.
    * ``hmac``: ``<signature_header>: sha256=<hex>``, the HMAC-SHA256 under ``secret`` of
      ``METHOD \\n URL \\n TIMESTAMP \\n BODY`` (URL with its query, BODY the exact bytes sent),
      and ``<timestamp_header>: <POSIX seconds>``.
    * ``mtls``: a client certificate (``cert_file``, ``key_file``), optionally ``ca_file`` to trust.
    """

    model_config = _STRICT

    kind: Literal["none", "basic", "bearer", "hmac", "mtls"] = "none"
    username: str | None = None
    secret: SecretStr | None = None
    signature_header: str = Field("X-Signature", pattern=_HEADER_NAME)
    timestamp_header: str = Field("X-Timestamp", pattern=_HEADER_NAME)
    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> ClientAuth:
        if self.kind in ("basic", "bearer", "hmac") and not (self.secret and self.secret.get_secret_value()):
            raise ValueError(f"client_auth.kind = {self.kind!r} needs a secret")
        if self.kind == "basic" and not self.username:
            raise ValueError("client_auth.kind = 'basic' needs a username")
        if self.kind == "mtls" and not self.cert_file:
            raise ValueError("client_auth.kind = 'mtls' needs cert_file (and key_file unless combined)")
        return self


class ResponseMapping(BaseModel):
    """How an answer is read. Paths are dotted JSON paths (``user.emails[0]``).

    Success: the status is in ``success_status`` and, when ``success_path`` is set, the value
    there is exactly ``success_value`` (type included: the string ``"true"`` is not ``true``).
    ``subject_is_username`` (status-code-only APIs) uses the submitted username as the subject.
    A refusal's kind comes from ``failure_status`` (status -> kind), then ``failure_path`` looked
    up in ``failures`` (value -> kind); else the method's default refusal.
    """

    model_config = _STRICT

    success_status: tuple[int, ...] = (200,)
    success_path: str | None = None
    success_value: bool | str | int = True
    failure_status: dict[int, FailureKind] = Field(default_factory=dict)
    failure_path: str | None = None
    failures: dict[str, FailureKind] = Field(default_factory=dict)
    subject: str = "sub"
    subject_is_username: bool = False
    username: str | None = None
    email: str | None = None
    email_verified: str | None = None
    name: str | None = None
    groups: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _paths(self) -> ResponseMapping:
        for path in self.path_texts():
            JsonPath(path)
        for status in (*self.success_status, *self.failure_status):
            if not 100 <= status <= 599:
                raise ValueError(f"{status} is not an HTTP status")
        return self

    def path_texts(self) -> list[str]:
        """Every configured path."""
        named = (self.success_path, self.failure_path, self.subject, self.username, self.email)
        more = (self.email_verified, self.name, self.groups, *self.attributes.values())
        return [p for p in (*named, *more) if p is not None]


class LegacyConfig(ConnectorConfig):
    """Settings of one legacy connector (see the module docstring)."""

    sheet: ClassVar[ProviderSheet | None] = SHEET

    issuer: str = Field(description="Issuer of this system's identities (an https URL you own).")
    password: RequestTemplate | None = None
    token: RequestTemplate | None = None
    client_auth: ClientAuth = Field(default_factory=ClientAuth)
    response: ResponseMapping = Field(default_factory=ResponseMapping)
    token_response: ResponseMapping | None = Field(
        None, description="Mapping for the token method's answers (default: response)."
    )
    username_match: Literal["exact", "casefold"] = "exact"
    health_url: str | None = None
    check_username: str = Field("idpbridge-check-no-such-user", min_length=1, max_length=200)

    @field_validator("issuer")
    @classmethod
    def _check_issuer(cls, value: str) -> str:
        return _url(value, "issuer")

    @field_validator("health_url")
    @classmethod
    def _check_health(cls, value: str | None) -> str | None:
        return None if value is None else _url(value, "health_url")

    @model_validator(mode="after")
    def _templates(self) -> LegacyConfig:
        for method in sorted(m.value for m in self.enabled_methods):
            template: RequestTemplate | None = getattr(self, method)
            if template is None:
                raise ValueError(f"method {method!r} is enabled: configure its request template [{method}]")
            wanted = {"username", "password"} if method == "password" else {"token"}
            missing = wanted - template.placeholders()
            if missing:
                raise ValueError(f"the {method} template never sends {{{sorted(missing)[0]}}}")
        if "token" in {m.value for m in self.enabled_methods} and not self.token_mapping.username:
            raise ValueError("the token method needs the username path (token_response.username)")
        return self

    @property
    def token_mapping(self) -> ResponseMapping:
        """The mapping the ``token`` method reads."""
        return self.token_response or self.response

    def mapping_for(self, method: str) -> ResponseMapping:
        """The mapping for ``"password"`` or ``"token"``."""
        return self.token_mapping if method == "token" else self.response
