"""Connectors files with organizations, written for a test."""

from __future__ import annotations

from pathlib import Path

from idpbridge import ContinuationKeys

KEY = ContinuationKeys.new_key()


def connectors_toml(issuer: str = "https://idp.acme.example") -> str:
    """Two oidc connectors (``acme-idp``, ``globex-idp``) and a password-only one (``legacy``)."""
    return f"""
[settings]
continuation_keys = ["{KEY}"]
store = "memory"

[connectors.acme-idp]
provider = "oidc"
issuer = "{issuer}"
client_id = "test-client"
client_secret = "test-secret"
methods = ["oidc"]
scopes = ["openid", "email", "profile", "groups"]

[connectors.globex-idp]
provider = "oidc"
issuer = "{issuer}"
client_id = "post-client"
client_secret = "post-secret"
token_endpoint_auth_method = "client_secret_post"
methods = ["oidc"]
scopes = ["openid", "email", "profile", "groups"]

[connectors.legacy]
provider = "oidc"
issuer = "{issuer}"
client_id = "test-client"
client_secret = "test-secret"
methods = ["password"]
"""


ORGS = """
[organizations.acme]
name = "Acme Corp"
connector = "acme-idp"
domains = ["acme.test", "Bücher.example", "unverified.acme.test"]
verified_domains = ["acme.test", "xn--bcher-kva.example"]
extra_params = { domain_hint = "acme" }

[organizations.globex]
connector = "globex-idp"
domains = ["globex.test"]
require_domain_verification = false
login_hint = false
"""


def write(tmp_path: Path, body: str, *, issuer: str = "https://idp.acme.example") -> Path:
    path = tmp_path / "idpbridge.toml"
    path.write_text(connectors_toml(issuer) + body, encoding="utf-8")
    return path
