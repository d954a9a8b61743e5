"""Configuration of a Sign in with Apple connector.

=========================  =====================================================================
field                      meaning
=========================  =====================================================================
``client_id``              the **Services ID** (web), e.g. ``com.example.signin``; a native
                           app's bundle id goes in ``token_audience`` for the ``token`` method
``team_id``                your Apple Developer team id (10 characters)
``key_id``                 the id of the Sign in with Apple key (10 characters)
``private_key``            the ``.p8`` key file's text (PEM), e.g. ``"${APPLE_P8}"``
``private_key_path``       or the path of the ``.p8`` file
``client_secret``          or a client-secret JWT minted elsewhere (then no key material);
                           it is not renewed by idpbridge
``client_secret_ttl``      lifetime of each minted secret in seconds (default one day, at most
                           30 days; a new one is minted at half-life)
``scopes``                 default ``name email`` (``openid`` is added); with ``name`` or
                           ``email`` Apple requires ``response_mode=form_post``
``issuer``                 leave unset (``https://appleid.apple.com``); tests and sandboxes only
=========================  =====================================================================
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, Field, SecretStr, model_validator

from ...kit import OIDCConfig, ProviderSheet, matching
from .client_secret import ClientSecret, check_private_key, mint_client_secret, unverified_claims
from .sheet import SHEET

__all__ = ["AppleConfig"]

AppleId = Annotated[
    str, matching(r"[A-Z0-9]{10}", "expected the 10-character id from the Apple Developer portal")
]


def _p8(key: SecretStr) -> SecretStr:
    check_private_key(key.get_secret_value())
    return key


class AppleConfig(OIDCConfig):
    """Settings of one Sign in with Apple client. See the module docstring for the fields."""

    sheet: ClassVar[ProviderSheet | None] = SHEET

    client_id: str = Field(min_length=1, description="The Services ID (web sign-in).")
    team_id: AppleId | None = Field(None, description="Apple Developer team id.")
    key_id: AppleId | None = Field(None, description="Key id of the Sign in with Apple key.")
    private_key: Annotated[SecretStr, AfterValidator(_p8)] | None = Field(
        None, description="The .p8 key (PEM text)."
    )
    private_key_path: Path | None = Field(None, description="Path of the .p8 key file.")
    client_secret_ttl: int = Field(86_400, ge=600, le=30 * 86_400, description="Seconds per minted secret.")
    scopes: tuple[str, ...] = ("name", "email")

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        path = data.get("private_key_path")
        if path is not None and data.get("private_key") is None:
            try:
                data["private_key"] = Path(path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError, TypeError):
                raise ValueError("private_key_path: cannot read the .p8 file") from None
        return data

    @model_validator(mode="after")
    def _check_apple(self) -> Self:
        minted = self.team_id is not None or self.key_id is not None or self.private_key is not None
        if self.client_secret is not None:
            if minted:
                raise ValueError(
                    "client_secret: give either a ready client secret or team_id/key_id/private_key, not both"
                )
            try:
                unverified_claims(self.client_secret.get_secret_value())
            except ValueError:
                raise ValueError("client_secret: not an ES256 client-secret JWT") from None
        elif not (self.team_id and self.key_id and self.private_key):
            raise ValueError("team_id, key_id and private_key (or private_key_path) are required")
        return self

    def minted_secret(self, clock: Callable[[], float]) -> ClientSecret | None:
        """The client secret minted from the key (``None`` when a ready client secret is given)."""
        if not (self.team_id and self.key_id and self.private_key is not None):
            return None
        mint = functools.partial(
            mint_client_secret,
            team_id=self.team_id,
            key_id=self.key_id,
            client_id=self.client_id,
            private_key=self.private_key,
            lifetime=self.client_secret_ttl,
        )
        return ClientSecret(mint, lifetime=self.client_secret_ttl, clock=clock)
