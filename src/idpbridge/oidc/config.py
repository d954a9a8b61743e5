"""Configuration of the generic OpenID Connect connector (and the base of provider configs).

Provider configs subclass :class:`OIDCConfig`; two kinds share more:
:class:`DerivedIssuerConfig` (the issuer follows from a tenant, region or domain and cannot be
given) and :class:`FixedIssuerConfig` (one well-known issuer, another only for sandboxes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, SecretStr, ValidationInfo, field_validator, model_validator

from ..config import ConnectorConfig
from ..errors import ConfigurationError
from ..methods import Method
from ..sheet import ProviderSheet
from .assertion import AssertionSigner
from .idtoken import EXTERNAL_MAX_IAT_AGE, FLOW_MAX_IAT_AGE
from .metadata import ENDPOINT_FIELDS
from .plugin import SHEET as OIDC_SHEET
from .urls import base_url, domain, secure_url

__all__ = ["ENDPOINT_NAMES", "Domain", "OIDCConfig", "base_url_field"]

#: A config field holding a tenant or custom domain (``acme.okta.com``) or its ``https`` URL,
#: kept as given; :func:`~idpbridge.oidc.urls.base_url` turns it into the base URL.
Domain = Annotated[str, AfterValidator(domain)]


def base_url_field(*, keep: bool = False, what: str | None = None) -> AfterValidator:
    """Check a config field holding a base URL that may carry a path prefix
    (``https://sso.example.com/auth``; a host name gets ``https://``): the value becomes
    :func:`~idpbridge.oidc.urls.base_url`'s canonical form, or is kept as given (``keep``).
    Refusals name ``what`` (default: the field). Use as ``Annotated[str, base_url_field()]``."""

    def check(value: str, info: ValidationInfo) -> str:
        url = base_url(value, what=what or str(info.field_name), allow_path=True)
        return value if keep else url

    return AfterValidator(check)


#: Keys of ``endpoints``: ``discovery`` (the document's URL) and any metadata endpoint.
ENDPOINT_NAMES = frozenset({"discovery", *ENDPOINT_FIELDS})


class OIDCConfig(ConnectorConfig):
    """Settings of an OpenID Connect relying party.

    ``password`` (ROPC) is off unless listed in ``methods`` (RFC 9700 §2.4): the default
    methods are ``oidc`` and ``token``.

    Token age: an ID token from the token endpoint (code, password, OTP and refresh grants) may
    have an ``iat`` at most ``max_token_age`` (+ ``leeway``) old; an
    :class:`~idpbridge.ExternalToken` at most ``max_external_token_age`` (+ ``leeway``).
    ``require_id_token`` decides whether a password or OTP grant answered without an ID token
    may yield an identity from UserInfo alone (the code flow always requires one).
    """

    sheet: ClassVar[ProviderSheet | None] = OIDC_SHEET
    default_methods: ClassVar[frozenset[Method]] = frozenset({Method.OIDC, Method.TOKEN})
    endpoint_names: ClassVar[frozenset[str]] = ENDPOINT_NAMES

    issuer: str = Field(description="The OpenID Provider's issuer identifier, exactly as in its tokens.")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr | None = Field(None, description="Omit for a public client.")
    token_endpoint_auth_method: (
        Literal["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]
        | None
    ) = Field(
        None,
        description=(
            "Default: private_key_jwt with a client_assertion_key, else from discovery "
            "(basic preferred), or none without a secret."
        ),
    )
    client_assertion_key: SecretStr | None = Field(
        None, description="private_key_jwt: the client's private RSA/EC key, as PEM or JWK JSON."
    )
    client_assertion_kid: str | None = Field(
        None, max_length=256, description="kid header of client assertions (default: the JWK's kid)."
    )
    client_assertion_alg: Literal["RS256", "PS256", "ES256", "HS256"] | None = Field(
        None, description="Default: RS256 (RSA key), ES256 (EC key), HS256 (client_secret_jwt)."
    )
    client_assertion_audience: Literal["token_endpoint", "issuer"] = Field(
        "token_endpoint",
        description="aud of client assertions: the token endpoint URL (RFC 7523) or the issuer (FAPI 2.0).",
    )
    use_par: bool = Field(
        False, description="Push authorization requests (RFC 9126); automatic when the OP requires it."
    )
    request_object_signing_alg: Literal["RS256", "PS256", "ES256"] | None = Field(
        None, description="Send signed request objects (JAR, RFC 9101), signed with client_assertion_key."
    )
    ciba_mode: Literal["poll", "ping"] = Field(
        "poll",
        description="CIBA token delivery: poll the token endpoint, or wait for the OP's ping (registered "
        "client_notification_endpoint) and then fetch the tokens.",
    )
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    response_mode: Literal["query", "form_post"] | None = None
    authorize_params: dict[str, str] = Field(
        default_factory=dict, description="Extra authorization request parameters (e.g. audience)."
    )
    id_token_algorithms: tuple[str, ...] | None = Field(
        None, description="ID-token signature allow-list; default: discovery's list, else RS256."
    )
    allow_symmetric_id_tokens: bool = Field(False, description="Accept HS* ID tokens keyed with the secret.")
    leeway: float = Field(60, ge=0, le=300, description="Clock skew tolerated, in seconds.")
    max_token_age: float = Field(
        FLOW_MAX_IAT_AGE,
        ge=30,
        le=3600,
        allow_inf_nan=False,
        description="Maximum iat age (s) of an ID token just received from the token endpoint.",
    )
    max_external_token_age: float = Field(
        EXTERNAL_MAX_IAT_AGE,
        ge=60,
        le=86400,
        allow_inf_nan=False,
        description="Maximum iat age (s) of an ExternalToken (a token issued elsewhere, handed in).",
    )
    require_id_token: bool | None = Field(
        None,
        description=(
            "Refuse a password/OTP grant answered without an id_token. Default: required when "
            "scopes include openid; false lets UserInfo alone identify the user."
        ),
    )
    fetch_userinfo: bool = Field(True, description="Merge the UserInfo claims into the identity.")
    claim_mapping: dict[str, str | bool | None] = Field(
        default_factory=dict, description="Identity field -> claim name (dotted paths reach into objects)."
    )
    token_kind: Literal["id_token", "access_token", "opaque"] = Field(
        "id_token",
        description="What the token method validates: ID tokens, JWT access tokens, or opaque tokens "
        "(by RFC 7662 introspection).",
    )
    introspection_token_type_hint: Literal["access_token", "refresh_token"] | None = Field(
        "access_token", description="token_type_hint sent to the introspection endpoint (opaque tokens)."
    )
    introspection_cache_ttl: float = Field(
        0,
        ge=0,
        le=3600,
        allow_inf_nan=False,
        description="Seconds an active introspection answer may be reused (never past its exp; 0: never).",
    )
    token_client_ids: tuple[str, ...] | None = Field(
        None, description="Opaque tokens: the client_id values accepted (default: not checked)."
    )
    token_audience: str | None = Field(
        None, description="Audience of external tokens (default: client_id; required for access tokens)."
    )
    username_claim: str = Field(
        "preferred_username", description="Claim an ExternalToken username must equal (username_match)."
    )
    username_match: Literal["exact", "casefold"] = Field(
        "exact", description="How an opaque token's username_claim is compared with the request's username."
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_sheet(cls, data: Any) -> Any:
        """The sheet's issuer rule, derived endpoints and default client authentication, before field
        validation."""
        sheet = cls.sheet
        if sheet is None or not isinstance(data, Mapping):
            return data
        out = sheet.issuer.apply(data) if sheet.issuer is not None else dict(data)
        for rule in sheet.derived_endpoints:
            out = dict(rule.apply(out))
        if sheet.username_claim is not None and out.get("username_claim") is None:
            out["username_claim"] = sheet.username_claim
        auth_method = sheet.auth_method(out)
        if auth_method is not None:
            out["token_endpoint_auth_method"] = auth_method
        return out

    @model_validator(mode="after")
    def _check_sandbox_issuer(self) -> Self:
        sheet = type(self).sheet
        if sheet is not None and sheet.issuer is not None:
            sheet.issuer.check_sandbox(self.issuer, self.endpoints)
        form_post = sorted(sheet.form_post_scopes & set(self.scopes)) if sheet is not None else []
        if self.response_mode == "query" and sheet is not None and form_post:
            raise ValueError(
                f"response_mode: {sheet.title} requires form_post when the "
                f"{' or '.join(form_post)} scope is requested"
            )
        if sheet is not None and sheet.rs256_signer is not None and self.allow_symmetric_id_tokens:
            raise ValueError(
                f"allow_symmetric_id_tokens: {sheet.rs256_signer} signs ID tokens with RS256 only"
            )
        return self

    @field_validator("issuer")
    @classmethod
    def _secure_issuer(cls, value: str) -> str:
        return secure_url(value, what="issuer")

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_token_settings(self) -> Self:
        if self.token_kind == "access_token" and not self.token_audience:
            raise ValueError("token_audience: required when token_kind is access_token")
        if self.token_endpoint_auth_method in (
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
        ) and not (self.client_secret and self.client_secret.get_secret_value()):
            raise ValueError(f"client_secret: required by {self.token_endpoint_auth_method}")
        if self.token_endpoint_auth_method == "private_key_jwt" and self.client_assertion_key is None:
            raise ValueError("client_assertion_key: required by private_key_jwt")
        if self.request_object_signing_alg and self.client_assertion_key is None:
            raise ValueError("client_assertion_key: required by request_object_signing_alg")
        try:
            self.assertion_signer()  # a bad key or algorithm fails here, at configuration time
            self.request_object_signer()
        except ConfigurationError as exc:
            raise ValueError(f"{exc.field}: {exc.message}") from None
        return self

    def assertion_signer(self, method: str | None = None) -> AssertionSigner | None:
        """The client-assertion signer for ``method`` (default: the configured one), or ``None``.

        Raises:
            ConfigurationError: an unreadable key, a too-short secret or an algorithm that does
                not fit the key.
        """
        method = method or self.token_endpoint_auth_method
        if method == "client_secret_jwt" and self.client_secret is not None:
            return AssertionSigner(
                self.client_id, "client_secret_jwt", self.client_secret, alg=self.client_assertion_alg
            )
        if self.client_assertion_key is not None and method in (None, "private_key_jwt"):
            return AssertionSigner(
                self.client_id,
                "private_key_jwt",
                self.client_assertion_key,
                alg=self.client_assertion_alg,
                kid=self.client_assertion_kid,
            )
        return None

    def request_object_signer(self) -> AssertionSigner | None:
        """The JAR request-object signer (``request_object_signing_alg`` set), or ``None``."""
        if self.request_object_signing_alg is None or self.client_assertion_key is None:
            return None
        return AssertionSigner(
            self.client_id,
            "private_key_jwt",
            self.client_assertion_key,
            alg=self.request_object_signing_alg,
            kid=self.client_assertion_kid,
        )

    @model_validator(mode="after")
    def _check_id_token_settings(self) -> Self:
        if self.require_id_token and "openid" not in self.scopes:
            raise ValueError("require_id_token: needs 'openid' in scopes (no ID token is asked for)")
        return self

    @model_validator(mode="after")
    def _check_allowed_values(self) -> Self:
        """The settings the sheet's ``allowed_values`` fix (after the generic checks)."""
        sheet = type(self).sheet
        for name, (values, why) in (sheet.allowed_values if sheet is not None else {}).items():
            if getattr(self, name) not in values:
                raise ValueError(f"{name}: {why}")
        return self

    @property
    def id_token_expected(self) -> bool:
        """Whether a password or OTP grant must return an ID token (``require_id_token`` resolved)."""
        if self.require_id_token is not None:
            return self.require_id_token
        return "openid" in self.scopes

    @property
    def enabled_methods(self) -> frozenset[Method]:
        """The configured methods, or :attr:`default_methods`."""
        return self.methods if self.methods is not None else type(self).default_methods
