"""RFC 6238 TOTP, as authenticator apps compute it (the sandbox IdPs verify it; the demo types it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct

__all__ = ["totp_code", "verify_totp"]


def totp_code(secret_b32: str, at: float, *, step: int = 30, digits: int = 6) -> str:
    """The TOTP code (HMAC-SHA-1) of a base32 secret at UNIX time ``at``."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8), casefold=True)
    mac = hmac.new(key, struct.pack(">Q", int(at // step)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(value).zfill(digits)


def verify_totp(secret_b32: str, code: object, now: float, *, window: int = 1, step: int = 30) -> bool:
    """Whether ``code`` is the TOTP of ``secret_b32`` within ``window`` steps of ``now``."""
    if not isinstance(code, str) or not code:
        return False
    return any(
        hmac.compare_digest(code, totp_code(secret_b32, now + d * step, step=step))
        for d in range(-window, window + 1)
    )
