"""Drive ``idpbridge login --method oidc`` (the installed console script) through a real OP's
login page; shared by the onelogin and pingone peer tests."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.oidc.integration._drive import oidc_provider_login

IDPBRIDGE = str(Path(sys.executable).with_name("idpbridge"))


async def cli_oidc_login(
    config: Path, connector: str, username: str, password: str, *, env: dict[str, str]
) -> dict[str, Any]:
    """Run the CLI login, sign in at the OP as the browser would, return the printed identity."""
    proc = await asyncio.create_subprocess_exec(
        IDPBRIDGE, "login", connector, "--config", str(config), "--method", "oidc", "--json",
        "--timeout", "60", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
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
        async with httpx.AsyncClient() as browser:
            landing = await browser.get(callback.url)
        assert landing.status_code == 200
        async with asyncio.timeout(30):
            out, err = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    identity: dict[str, Any] = json.loads(out)
    return identity
