"""Configuration of the ``saml`` connector."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from ..config import ConnectorConfig
from ..errors import ConfigurationError
from ..http import require_secure_url
from ..methods import Method
from .attributes import FIELDS, PRESETS

__all__ = ["SAMLConfig"]

Preset = Literal[
    "default", "okta", "entra", "adfs", "google_workspace", "onelogin", "pingfederate", "keycloak"
]


class SAMLConfig(ConnectorConfig):
    """Settings of one SAML 2.0 IdP.

    Give the IdP metadata as exactly one of ``idp_metadata_url``, ``idp_metadata_file`` or
    ``idp_metadata_xml``. Validation is strict by default: the assertion must be signed,
    SHA-1 is refused, the clock skew is two minutes.
    """

    supported_methods: ClassVar[frozenset[Method]] = frozenset({Method.SAML})

    idp_metadata_url: str | None = None
    idp_metadata_file: str | None = None
    idp_metadata_xml: str | None = None
    idp_entity_id: str | None = Field(None, description="Pick the IdP in a metadata aggregate / pin it.")
    idp_metadata_signing_cert: str | None = Field(
        None, description="PEM certificate that must have signed the metadata (recommended for URLs)."
    )
    metadata_ttl: int = Field(3600, ge=60, le=7 * 86_400, description="Seconds metadata is reused.")
    sp_entity_id: str = Field(min_length=1, max_length=1024)
    acs_url: str = Field(min_length=1, max_length=2048)
    name_id_format: str | None = None
    authn_request_binding: Literal["redirect", "post"] = "redirect"
    sign_authn_requests: bool = False
    sp_signing_key: SecretStr | None = None
    sp_signing_cert: str | None = Field(None, description="PEM certificate of sp_signing_key (SP metadata).")
    sp_decryption_key: SecretStr | None = None
    sp_encryption_cert: str | None = Field(None, description="PEM certificate of sp_decryption_key.")
    want_assertions_signed: bool = True
    want_response_signed: bool = False
    allow_sha1: bool = False
    clock_skew: int = Field(120, ge=0, le=600)
    attribute_preset: Preset = "default"
    attribute_map: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("idp_metadata_url")
    @classmethod
    def _secure_metadata_url(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                require_secure_url(value, what="idp_metadata_url")
            except ConfigurationError as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("attribute_map")
    @classmethod
    def _known_fields(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown attribute_map fields: {', '.join(sorted(unknown))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SAMLConfig:
        sources = [self.idp_metadata_url, self.idp_metadata_file, self.idp_metadata_xml]
        if sum(s is not None for s in sources) != 1:
            raise ValueError("give exactly one of idp_metadata_url, idp_metadata_file, idp_metadata_xml")
        if self.sign_authn_requests and self.sp_signing_key is None:
            raise ValueError("sign_authn_requests needs sp_signing_key")
        if self.attribute_preset not in PRESETS:  # pragma: no cover - Literal already checks
            raise ValueError("unknown attribute_preset")
        return self
