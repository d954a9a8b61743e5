"""Configuration of the ``pingone`` connector: regions, the environment base URL and the issuer.

Every URL of an environment hangs off one base, ``https://auth.pingone.{tld}/{environmentId}``:
the issuer is ``{base}/as`` (exact), the Flows API ``{base}/flows/{flowId}``, resume
``{base}/as/resume?flowId=…``. With a custom domain the base is the domain's origin
(``https://login.acme.com``; UNCONFIRMED that the environment id is then dropped from paths).
Source: ``reference/providers.md`` §8.1-8.3 (PingOne API domains page, PingOne workflow docs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from ...errors import ConfigurationError
from ...http import require_secure_url
from ...oidc.config import DerivedIssuerConfig
from ...oidc.urls import secure_url

__all__ = ["REGION_TLDS", "PingOneConfig", "environment_base"]

#: Region -> top-level domain of ``auth.pingone.{tld}`` (and ``api.pingone.{tld}``).
REGION_TLDS: Mapping[str, str] = MappingProxyType(
    {"NA": "com", "CA": "ca", "EU": "eu", "AU": "com.au", "SG": "sg", "AP": "asia"}
)

Region = Literal["NA", "CA", "EU", "AU", "SG", "AP"]
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def environment_base(region: str, environment_id: str, base_url: str | None = None) -> str:
    """The environment's base URL (no trailing slash)."""
    if base_url:
        return base_url.rstrip("/")
    return f"https://auth.pingone.{REGION_TLDS[region]}/{environment_id}"


class PingOneConfig(DerivedIssuerConfig):
    """Settings of a PingOne OIDC application.

    ``issuer`` follows from ``region`` and ``environment_id`` (or ``base_url``). The ``password``
    method drives PingOne's redirectless flow (``response_mode=pi.flow``): enable it on the
    application and give the sign-on policy a username/password step.
    """

    environment_id: str = Field(description="The PingOne environment id (a UUID).")
    region: Region = Field("NA", description="NA, CA, EU, AU, SG or AP.")
    base_url: str | None = Field(
        None,
        description="Environment base URL when not https://auth.pingone.{tld}/{environment_id} "
        "(a custom domain's origin).",
    )
    password_redirect_uri: str | None = Field(
        None, description="redirect_uri sent by the password method (pi.flow needs none; some apps do)."
    )

    issuer_source: ClassVar[str] = "region and environment_id (or base_url)"

    @classmethod
    def derive_issuer(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        region, env, base = data.get("region", "NA"), data.get("environment_id"), data.get("base_url")
        if isinstance(region, str):
            region = region.upper()
        if not isinstance(env, str) or (not base and region not in REGION_TLDS):
            return {**data, "region": region, "issuer": "https://pingone.invalid/as"}  # reported below
        url = base.rstrip("/") if isinstance(base, str) and base else None
        if url is not None:
            try:
                require_secure_url(url, what="base_url")
            except ConfigurationError:
                url = "https://pingone.invalid"  # base_url's own validator reports it
        return {**data, "region": region, "issuer": environment_base(region, env.lower(), url) + "/as"}

    @field_validator("environment_id")
    @classmethod
    def _check_environment(cls, value: str) -> str:
        if not _UUID.fullmatch(value):
            raise ValueError("must be the environment id, a UUID")
        return value.lower()

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = secure_url(value, what="base_url").rstrip("/")
        parts = urlsplit(url)
        if parts.query or parts.fragment or parts.path.endswith("/as"):
            raise ValueError("must be the environment base (…/<environment_id>), without /as")
        return url

    @field_validator("password_redirect_uri")
    @classmethod
    def _check_redirect(cls, value: str | None) -> str | None:
        if value is not None and (not urlsplit(value).scheme or "#" in value):
            raise ValueError("must be an absolute URI without a fragment")
        return value

    @property
    def environment_base(self) -> str:
        """The environment's base URL."""
        return environment_base(self.region, self.environment_id, self.base_url)
