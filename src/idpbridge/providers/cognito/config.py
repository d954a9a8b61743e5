"""Configuration of a Cognito connector (a user pool app client).

=========================  =====================================================================
field                      meaning
=========================  =====================================================================
``region``                 AWS region of the user pool, e.g. ``eu-west-1``
``user_pool_id``           ``{region}_{suffix}``, e.g. ``eu-west-1_AbCdEf123``
``client_id``              the app client id
``client_secret``          the app client secret, when the client has one (enables SECRET_HASH)
``hosted_ui_domain``       Hosted UI / managed login domain; required only for ``oidc``
``endpoint_url``           API endpoint override (moto, VPC endpoint, FIPS host)
``issuer``                 token issuer override (default: the sheet's pool issuer)
``prevent_user_existence_errors``  mirror of the app client setting: ``True`` (``ENABLED``,
                           the console default) reports an unknown user as wrong credentials
``scopes``                 scopes requested from the Hosted UI
``max_concurrency``        worker threads (and pooled connections) for the boto3 client
``use_fips_endpoint``      use ``cognito-idp-fips.{region}.amazonaws.com``
=========================  =====================================================================

No AWS credentials: the connector only calls ``InitiateAuth`` and ``RespondToAuthChallenge``,
which AWS serves unsigned (``authtype: none``); the app client id and SECRET_HASH are the only
client authentication.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from ...kit import Method, OIDCConfig, ProviderSheet, base_url_field, matching
from .sheet import API_METHODS, POOL_ID, SHEET

__all__ = ["API_METHODS", "CognitoConfig"]

_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_CLIENT_ID = re.compile(r"[\w+]+")  # botocore ClientIdType


Region = Annotated[str, matching(_REGION, "not an AWS region name such as eu-west-1")]
PoolId = Annotated[str, matching(POOL_ID, "not a user pool id such as eu-west-1_AbCdEf123")]
ClientId = Annotated[str, matching(_CLIENT_ID, "an app client id has only letters, digits, '_' and '+'")]
BaseURL = Annotated[str, base_url_field()]


class CognitoConfig(OIDCConfig):
    """Settings of one Cognito user pool app client. See the module docstring for the fields.

    It extends :class:`~idpbridge.oidc.OIDCConfig` (the Hosted UI is an ordinary OpenID
    Provider); ``issuer`` defaults to the pool's issuer.
    """

    sheet: ClassVar[ProviderSheet | None] = SHEET

    region: Region = Field(description="AWS region of the user pool, e.g. eu-west-1.")
    user_pool_id: PoolId = Field(max_length=55, description="User pool id, {region}_{suffix}.")
    client_id: ClientId = Field(min_length=1, max_length=128, description="App client id.")
    client_secret: SecretStr | None = Field(None, description="App client secret, if the client has one.")
    hosted_ui_domain: BaseURL | None = Field(
        None, description="Hosted UI domain (prefix or custom domain); required for the oidc method."
    )
    endpoint_url: BaseURL | None = Field(
        None, description="User-pools API endpoint override (moto, VPC endpoint, FIPS host)."
    )
    prevent_user_existence_errors: bool = Field(
        True,
        description="Mirror of the app client's PreventUserExistenceErrors (True = ENABLED): "
        "an unknown user is then reported as InvalidCredentials, never UserNotFound.",
    )
    max_concurrency: int = Field(10, ge=1, le=100, description="Worker threads for boto3 calls.")
    use_fips_endpoint: bool = Field(False, description="Use the FIPS endpoint of the user-pools API.")

    @field_validator("client_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            raise ValueError("must not be empty (leave it out for a client without a secret)")
        return value

    @model_validator(mode="after")
    def _check_combination(self) -> Self:
        pool_region = POOL_ID.fullmatch(self.user_pool_id)
        if pool_region and _REGION.fullmatch(pool_region["region"]) and pool_region["region"] != self.region:
            raise ValueError(
                f"user_pool_id belongs to region {pool_region['region']}, but region is {self.region}"
            )
        if self.methods is not None and Method.OIDC in self.methods and self.hosted_ui_domain is None:
            raise ValueError("hosted_ui_domain is required when the oidc method is enabled")
        if Method.OIDC in self.enabled_methods and "openid" not in self.scopes:
            raise ValueError("scopes must include 'openid' for the oidc method")
        return self

    @property
    def enabled_methods(self) -> frozenset[Method]:
        """The configured methods; by default every method this configuration can serve.

        Without ``hosted_ui_domain`` the default leaves out ``oidc`` (asking for it explicitly is
        a configuration error naming the field).
        """
        if self.methods is not None:
            return self.methods
        return SHEET.methods if self.hosted_ui_domain is not None else API_METHODS

    @property
    def jwks_uri(self) -> str:
        """The pool's JWKS URL (:data:`.sheet.POOL_DOCUMENTS`; ``endpoints.jwks_uri`` overrides)."""
        return self.endpoints["jwks_uri"]

    @property
    def discovery_url(self) -> str:
        """The pool's OpenID configuration URL (``endpoints.discovery`` overrides)."""
        return self.endpoints["discovery"]
