"""Configuration of the ``pingone`` connector: the environment, region and custom domain.

The issuer (``{base}/as``) follows from them by the rule in :mod:`.sheet`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, field_validator

from ...kit import OIDCConfig, ProviderSheet, base_url, matching
from .sheet import SHEET, environment_base

__all__ = ["PingOneConfig"]

Region = Literal["NA", "CA", "EU", "AU", "SG", "AP"]
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _environment_base(value: str) -> str:
    url = base_url(value, what="base_url", allow_path=True)
    if url.endswith("/as"):
        raise ValueError("must be the environment base (…/<environment_id>), without /as")
    return url


def _absolute(value: str) -> str:
    if not urlsplit(value).scheme or "#" in value:
        raise ValueError("must be an absolute URI without a fragment")
    return value


class PingOneConfig(OIDCConfig):
    """Settings of a PingOne OIDC application.

    ``issuer`` follows from ``region`` and ``environment_id`` (or ``base_url``). The ``password``
    method drives PingOne's redirectless flow (``response_mode=pi.flow``): enable it on the
    application and give the sign-on policy a username/password step.
    """

    environment_id: Annotated[
        str, matching(_UUID, "must be the environment id, a UUID"), AfterValidator(str.lower)
    ] = Field(description="The PingOne environment id (a UUID).")
    region: Region = Field("NA", description="NA, CA, EU, AU, SG or AP.")
    base_url: Annotated[str, AfterValidator(_environment_base)] | None = Field(
        None,
        description="Environment base URL when not https://auth.pingone.{tld}/{environment_id} "
        "(a custom domain's origin).",
    )
    password_redirect_uri: Annotated[str, AfterValidator(_absolute)] | None = Field(
        None, description="redirect_uri sent by the password method (pi.flow needs none; some apps do)."
    )

    sheet: ClassVar[ProviderSheet | None] = SHEET

    @field_validator("region", mode="before")
    @classmethod
    def _upper_region(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def environment_base(self) -> str:
        """The environment's base URL."""
        return environment_base(self.region, self.environment_id, self.base_url)
