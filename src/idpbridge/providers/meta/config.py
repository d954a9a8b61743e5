"""Configuration of a Meta (Facebook Login) connector.

=========================  =====================================================================
field                      meaning
=========================  =====================================================================
``client_id``              the **App ID** (digits)
``client_secret``          the **App Secret** (required: code exchange, ``appsecret_proof``,
                           the app token for ``debug_token``)
``graph_api_version``      the Graph API version to call, e.g. ``v24.0``; pin the version your
                           app was tested with
``scopes``                 permissions, default ``email, public_profile`` (sent comma-separated);
                           add ``openid`` for Meta's OIDC variant (an ID token with a nonce)
``profile_fields``         Graph ``/me`` fields (since v2.4 ``/me`` returns only ``id`` and
                           ``name`` unless asked), default ``id,name,email,first_name,last_name``
``trust_email``            ``True`` marks a returned e-mail as verified. Meta has no
                           ``email_verified``; by default the e-mail is treated as unverified
``issuer``                 leave unset (``https://www.facebook.com``); tests and sandboxes only
=========================  =====================================================================
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator

from ...kit import OIDCConfig, ProviderSheet, Words, each_matching, matching, split_words
from .sheet import SHEET

__all__ = ["MetaConfig"]

_VERSION = re.compile(r"v\d{1,2}\.\d{1,2}")
_APP_ID = re.compile(r"\d{1,32}")
_FIELD = re.compile(r"[a-z_]{1,64}(?:\{[a-z_,]{1,200}\})?")
_FIELDS = "Graph field names are lower-case words such as first_name"


def _with_id(fields: tuple[str, ...]) -> tuple[str, ...]:
    return fields if "id" in fields else ("id", *fields)


#: Graph ``/me`` field names (``id`` always among them).
GraphFields = Annotated[Words, each_matching(_FIELD, _FIELDS), AfterValidator(_with_id)]


AppId = Annotated[str, matching(_APP_ID, "a Meta App ID is a number, e.g. 123456789012345")]
GraphVersion = Annotated[str, matching(_VERSION, "expected a Graph API version such as v24.0")]


class MetaConfig(OIDCConfig):
    """Settings of one Meta app for Facebook Login. See the module docstring for the fields."""

    sheet: ClassVar[ProviderSheet | None] = SHEET

    client_id: AppId = Field(min_length=1, description="The App ID.")
    client_secret: SecretStr = Field(description="The App Secret.")
    graph_api_version: GraphVersion = Field("v24.0", description="Graph API version, e.g. v24.0.")
    scopes: tuple[str, ...] = ("email", "public_profile")
    profile_fields: GraphFields = ("id", "name", "email", "first_name", "last_name")
    trust_email: bool = Field(False, description="Treat the e-mail Meta returns as verified.")

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: Any) -> Any:  # commas too (replaces OIDCConfig's)
        return split_words(value)

    @model_validator(mode="after")
    def _check_meta(self) -> Self:
        if not self.client_secret.get_secret_value():
            raise ValueError("client_secret: the App Secret is required")
        if any("," in s or not s for s in self.scopes):
            raise ValueError("scopes: give permission names, e.g. ['email', 'public_profile']")
        return self
