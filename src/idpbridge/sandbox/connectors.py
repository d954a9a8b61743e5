"""Connector configurations for a running sandbox: dicts for :func:`idpbridge.connect`, or a TOML
file for :func:`idpbridge.load` and the CLI (``idpbridge login``/``check``).

Three connectors, all of them the ordinary ones: ``sandbox-keycloak`` (provider ``keycloak``),
``sandbox-cognito`` (provider ``cognito``, API at the sandbox, Hosted UI at the sandbox) and
``sandbox-oidc`` (the generic ``oidc`` connector on the Keycloak realm). ``methods`` lists what
the sandbox serves *and* the installed connector supports, so a connector that gains a method
(Keycloak ``totp``) gets it enabled here without a change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import IdpBridgeError
from ..methods import Method
from ..registry import Registry, default_registry

if TYPE_CHECKING:
    from .server import Sandbox

__all__ = ["COGNITO", "KEYCLOAK", "OIDC", "connector_tables", "connectors_toml"]

KEYCLOAK, COGNITO, OIDC = "sandbox-keycloak", "sandbox-cognito", "sandbox-oidc"
_KEYCLOAK_METHODS = (Method.PASSWORD, Method.TOTP, Method.OIDC, Method.TOKEN)
_COGNITO_METHODS = (Method.PASSWORD, Method.EMAIL_OTP, Method.SMS_OTP, Method.OIDC)


def _supported(registry: Registry, provider: str, wanted: tuple[Method, ...]) -> list[str] | None:
    """The wanted methods the installed connector supports; ``None`` when it is unavailable."""
    try:
        cls = registry.get(provider)
    except IdpBridgeError:
        return None
    supported: frozenset[Method] = cls.Config.supported_methods & cls.methods
    return [m.value for m in wanted if m in supported]


def _secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value())


def connector_tables(sandbox: Sandbox, *, registry: Registry | None = None) -> dict[str, dict[str, Any]]:
    """``{name: fields}`` (with ``provider``) for every sandbox IdP whose connector is installed."""
    reg = registry or default_registry()
    out: dict[str, dict[str, Any]] = {}
    kc = sandbox.seed.keycloak
    if kc is not None:
        client = kc.clients[0]
        common = {"client_id": client.client_id}
        if client.secret is not None:
            common["client_secret"] = str(_secret(client.secret))
        methods = _supported(reg, "keycloak", _KEYCLOAK_METHODS)
        if methods is not None:
            out[KEYCLOAK] = {
                "provider": "keycloak",
                "server_url": sandbox.keycloak_server_url,
                "realm": kc.realm,
                **common,
                "methods": methods,
            }
        methods = _supported(reg, "oidc", _KEYCLOAK_METHODS)
        if methods is not None:
            out[OIDC] = {
                "provider": "oidc",
                "issuer": sandbox.keycloak_issuer(),
                **common,
                "methods": methods,
            }
    cg = sandbox.seed.cognito
    if cg is not None:
        methods = _supported(reg, "cognito", _COGNITO_METHODS)
        if methods is not None:
            table: dict[str, Any] = {
                "provider": "cognito",
                "region": cg.region,
                "user_pool_id": cg.user_pool_id,
                "client_id": cg.client.client_id,
            }
            if cg.client.secret is not None:
                table["client_secret"] = _secret(cg.client.secret)
            table.update(
                endpoint_url=sandbox.base_url,
                hosted_ui_domain=sandbox.base_url,
                prevent_user_existence_errors=cg.client.prevent_user_existence_errors,
                methods=methods,
            )
            out[COGNITO] = table
    return out


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string is a JSON string


def connectors_toml(tables: Mapping[str, Mapping[str, Any]], *, continuation_key: str | None = None) -> str:
    """A connectors file: optional ``[settings]`` then one ``[connectors.<name>]`` table each."""
    lines = [
        "# idpbridge connectors for the local sandbox (every secret here only unlocks the sandbox).",
    ]
    if continuation_key is not None:
        # One local process serves every flow: say so, or check() asks for a shared store.
        lines += ["[settings]", f"continuation_keys = [{_value(continuation_key)}]", 'store = "memory"', ""]
    for name, fields in tables.items():
        lines.append(f"[connectors.{name}]")
        lines += [f"{key} = {_value(value)}" for key, value in fields.items()]
        lines.append("")
    return "\n".join(lines)
