"""Helpers shared by the provider-connector test packages (tests/providers/<name>/).

* :class:`Connectors` — builds connectors through the registry (as users do) and closes them.
* :func:`run_cli` / :func:`cli_oidc_login` — drive the installed ``idpbridge`` console script
  against a TOML configuration, the way tests/oidc/integration/test_cli.py does for ``oidc``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

import idpbridge
from idpbridge import ContinuationKeys
from idpbridge.connector import Connector
from tests.oidc.integration._drive import oidc_provider_login

__all__ = ["IDPBRIDGE", "Connectors", "cli_oidc_login", "run_cli"]

IDPBRIDGE = str(Path(sys.executable).with_name("idpbridge"))


class Connectors:
    """Connector factory for one provider; :meth:`aclose` closes every connector it made."""

    def __init__(self, provider: str, keys: ContinuationKeys, **defaults: Any) -> None:
        self.provider = provider
        self.keys = keys
        self.defaults = defaults
        self.made: list[Connector[Any]] = []

    def __call__(self, **fields: Any) -> Any:
        conn = idpbridge.connect(self.provider, continuation_keys=self.keys, **{**self.defaults, **fields})
        self.made.append(conn)
        return conn

    async def aclose(self) -> None:
        for conn in self.made:
            await conn.aclose()


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200", **(extra or {})}


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``idpbridge`` console script."""
    return subprocess.run(
        [IDPBRIDGE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(env),
        timeout=60,
        check=False,
    )


async def cli_oidc_login(
    config: Path,
    connector: str,
    username: str,
    password: str,
    *,
    env: dict[str, str] | None = None,
    response_mode: str | None = None,
    expect_mode: str | None = None,
) -> dict[str, Any]:
    """``idpbridge login <connector> -m oidc --json``, signing in at oidc-provider's login page
    with httpx; returns the printed identity.

    The OP's answer reaches the CLI's loopback receiver as a browser would send it: a GET for
    ``query``, the auto-submitted form POST for ``form_post``. ``response_mode`` is passed to the
    CLI; ``expect_mode`` asserts how the OP actually answered.
    """
    mode_args = ("--response-mode", response_mode) if response_mode else ()
    proc = await asyncio.create_subprocess_exec(
        IDPBRIDGE,
        *("login", connector, "--config", str(config), "--method", "oidc", "--json", "--timeout", "60"),
        *mode_args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(env),
    )
    assert proc.stdout is not None
    try:
        url = ""
        async with asyncio.timeout(30):
            while not url.startswith("http"):
                line = await proc.stdout.readline()
                assert line, "the CLI exited before printing the URL"
                url = line.decode().strip()
        redirect_uri = httpx.URL(url).params["redirect_uri"]
        callback = await oidc_provider_login(url, username, password, redirect_prefix=redirect_uri)
        if expect_mode is not None:
            assert callback.mode == expect_mode, callback.mode
        async with httpx.AsyncClient() as browser:
            if callback.mode == "form_post":
                landing = await browser.post(callback.url, data={k: v[0] for k, v in callback.params.items()})
            else:
                landing = await browser.get(callback.url)
        assert landing.status_code == 200, landing.text[:200]
        async with asyncio.timeout(30):
            out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result
