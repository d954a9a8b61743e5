"""Compact JWS parsing and signature verification for the token validator (strict, allocation-light).

Parsing refuses anything but the compact serialization of a JWS: three base64url segments
(URL alphabet, no padding, canonical final character), a protected header that is a JSON object
without duplicate members, a string ``alg``, a short string ``kid`` when present, no ``crit``
(we understand no extensions) and a string ``typ`` when present. Verification uses joserfc's
algorithm models; the keys come from :mod:`.jwks` or the client secret, never from the header.
"""

from __future__ import annotations

import binascii
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc.jwk import OctKey, RSAKey
from joserfc.jws import JWSRegistry

from .._json import loads_object
from ..errors import TokenValidationError
from .jwks import VerificationKey

__all__ = ["Compact", "b64url", "fail", "json_segment", "parse_compact", "verify_signature"]

_MAX_KID = 256
_PADDING = (b"", b"=", b"==")
_CANONICAL_LAST = {1: "AEIMQUYcgkosw048", 2: "AQgw"}
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


#: RSASSA-PKCS1-v1_5 (RFC 7518 §3.3): the hash per algorithm; padding and hash objects are
#: stateless, so one of each serves every call.
_PKCS1 = padding.PKCS1v15()
_RS_HASHES: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}
#: id(RSAKey) -> (key, its public key), filled on first use; the key is held so the id stays its.
_OP_KEYS: dict[int, tuple[RSAKey, Any]] = {}
_MAX_OP_KEYS = 256


def _rsa_verify(key: RSAKey, alg: str, signing_input: bytes, signature: bytes) -> bool:
    """What joserfc's RS* model does (``key.get_op_key("verify")``, then PKCS#1 v1.5 verify with
    the algorithm's hash), with the op key looked up once per key instead of per token."""
    hit = _OP_KEYS.get(id(key))
    if hit is None or hit[0] is not key:
        if len(_OP_KEYS) >= _MAX_OP_KEYS:
            _OP_KEYS.clear()
        hit = _OP_KEYS[id(key)] = (key, key.get_op_key("verify"))  # checks use/key_ops once
    try:
        hit[1].verify(signature, signing_input, _PKCS1, _RS_HASHES[alg])
    except InvalidSignature:
        return False
    return True


def fail(code: str, message: str) -> TokenValidationError:
    """A TokenValidationError with ``code`` (never carries token material)."""
    return TokenValidationError(message, code=code)


#: A split compact JWS: ``(header, header segment, payload segment, signing input, signature)``;
#: the header is parsed and checked, the payload not yet decoded (a plain tuple: it is unpacked
#: once per token).
Compact = tuple[Mapping[str, Any], str, str, bytes, bytes]


def b64url(segment: str, what: str) -> bytes:
    """Strict base64url (RFC 7515 §2): URL alphabet, no padding, canonical final character."""
    pad = -len(segment) % 4
    try:
        raw = segment.encode("ascii")
        # Map the URL alphabet to the standard one, deleting "+", "/" and "=" (a length change
        # means the segment had them); strict_mode then refuses anything else outside the alphabet.
        mapped = raw.translate(_FROM_URLSAFE, b"+/=")
        if pad == 3 or len(mapped) != len(raw) or (pad and segment[-1] not in _CANONICAL_LAST[pad]):
            raise ValueError("not base64url")
        return binascii.a2b_base64(mapped + _PADDING[pad], strict_mode=True)
    except (ValueError, UnicodeEncodeError):  # binascii.Error is a ValueError
        raise fail("token.malformed", f"token {what} is not base64url") from None


def json_segment(data: bytes, what: str) -> dict[str, Any]:
    value = loads_object(data)  # parse_json_object's rules, without building a message per call
    if value is None:
        raise fail("token.malformed", f"token {what} is not a strict JSON object")
    return value


def _check_header(header: Mapping[str, Any]) -> None:
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise fail("token.malformed", "token header has no alg string")
    kid = header.get("kid", "-")
    if not isinstance(kid, str) or not kid or len(kid) > _MAX_KID:
        raise fail("token.malformed", "token header kid is not a short string")
    if "crit" in header:
        raise fail("token.malformed", "token header has crit extensions, which are not supported")
    typ = header.get("typ")
    if typ is not None and not isinstance(typ, str):
        raise fail("token.type", "token header typ is not a string")


def parse_compact(token: object, max_size: int, headers: OrderedDict[str, Mapping[str, Any]]) -> Compact:
    """Split and check ``token``; ``headers`` maps header segments already known to be good."""
    if not isinstance(token, str):
        raise fail("token.malformed", "token is not a string")
    if len(token) > max_size:
        raise fail("token.too_large", f"token is longer than {max_size} characters")
    if not token.isascii():
        raise fail("token.malformed", "token has non-ASCII characters")
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise fail("token.malformed", "token is not a compact JWS (three segments)")
    header_segment, payload_segment, signature_segment = parts
    header = headers.get(header_segment)
    if header is None:
        header = MappingProxyType(json_segment(b64url(header_segment, "header"), "header"))
        _check_header(header)
    signature = b64url(signature_segment, "signature") if signature_segment else b""
    signing_input = token[: len(header_segment) + 1 + len(payload_segment)].encode("ascii")
    return header, header_segment, payload_segment, signing_input, signature


def verify_signature(
    signing_input: bytes,
    signature: bytes,
    alg: str,
    key: VerificationKey | OctKey | None,
    *,
    key_checked: bool = False,
) -> None:
    """Verify a JWS signature with joserfc's algorithm model; raise ``token.signature``.

    ``key_checked`` skips joserfc's key/alg compatibility check when the caller already made it
    (:meth:`JWKSManager.get_key` does, once per key and algorithm).
    """
    if alg == "none":
        if signature:
            raise fail("token.signature", "an unsigned token carries a signature")
        return
    model = JWSRegistry.algorithms.get(alg)
    if model is None or key is None:
        raise fail("token.algorithm", "algorithm is not supported")
    try:
        if not key_checked:
            model.check_key(key)
        if key_checked and alg in _RS_HASHES and isinstance(key, RSAKey):
            ok = _rsa_verify(key, alg, signing_input, signature)
        else:
            ok = model.verify(signing_input, signature, key)
    except Exception:  # wrong key type, bad key ops, malformed signature: all just "invalid"
        ok = False
    if not ok:
        raise fail("token.signature", "token signature is invalid")
