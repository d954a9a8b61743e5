"""`idpbridge login --method device --qr` draws the verification URL as a terminal QR code that an
independent decoder (zxing-cpp) reads back, then signs in once the peer approves the code."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import zxingcpp

from idpbridge.cli import _qr
from tests.peers import oidc_provider as op
from tests.support.providers import cli_output, connectors_file, running_cli

from .test_device import _admin, _fields

SCALE = 4


def decode(lines: list[str]) -> list[str]:
    """Rasterize half-block lines (painted = light) and decode them with zxing-cpp."""
    upper = {"█": True, "▀": True, "▄": False, " ": False}
    lower = {"█": True, "▀": False, "▄": True, " ": False}
    rows: list[list[bool]] = []
    for line in lines:
        rows.append([upper[c] for c in line])
        rows.append([lower[c] for c in line])
    height, width = len(rows) * SCALE, len(rows[0]) * SCALE
    pixels = bytearray(height * width)
    for y, row in enumerate(rows):
        for x, light in enumerate(row):
            if light:
                for dy in range(SCALE):
                    start = (y * SCALE + dy) * width + x * SCALE
                    pixels[start : start + SCALE] = b"\xff" * SCALE
    image = memoryview(bytes(pixels)).cast("B", (height, width))
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_rendering_round_trips() -> None:
    url = "https://login.example.com/device?user_code=WDJB-MJHT"
    assert decode(_qr.qr_lines(url)) == [url]
    assert decode(_qr.render(_qr.matrix(url))) == [url]


async def test_cli_device_login_draws_a_scannable_qr_code(
    oidc_provider: op.OIDCProviderPeer, tmp_path: Path
) -> None:
    config = connectors_file(
        tmp_path, "tv", {"provider": "oidc", **_fields(oidc_provider.issuer, client_id="device-throttled")}
    )
    args = ("login", "tv", "--config", str(config), "--method", "device", "--json", "--qr", "--timeout", "60")
    async with running_cli(*args) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        async with asyncio.timeout(30):
            first = (await proc.stdout.readline()).decode()
            complete = (await proc.stdout.readline()).decode().removeprefix("Or open: ").strip()
            assert (await proc.stderr.readline()).decode().strip() == "Or scan:"
            lines = [(await proc.stderr.readline()).decode().rstrip("\n")]
            while len(lines) < len(lines[0]) // 2 + 1:
                lines.append((await proc.stderr.readline()).decode().rstrip("\n"))
        assert "user_code=" in complete
        assert decode(lines) == [complete]
        await _admin(oidc_provider, "approve", first.rsplit("enter the code: ", 1)[1].strip())
        out = await cli_output(proc)
    assert json.loads(out)["subject"] == "alice"
