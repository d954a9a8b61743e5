"""Password hashes exported from a legacy user store: verify them offline, then rehash.

For an offline cut-over (the legacy system is gone, its users table exported), check a password
against the exported hash and store a modern one::

    from idpbridge.jit.hashes import hash_password, verify_legacy_hash

    verdict = verify_legacy_hash(password, row.password_hash)
    if verdict.ok:
        new_hash = hash_password(password) if verdict.needs_rehash else row.password_hash

Formats (the ones migrations meet most):

===================  ==============================================  ======================
scheme               encoded form                                    needs
===================  ==============================================  ======================
``bcrypt``           ``$2a$`` / ``$2b$`` / ``$2y$`` + cost + salt/hash   ``bcrypt``
``argon2id``         ``$argon2id$v=19$m=…,t=…,p=…$salt$hash``        ``argon2-cffi``
``scrypt``           Werkzeug ``scrypt:N:r:p$salt$hex`` or passlib   hashlib
                     ``$scrypt$ln=…,r=…,p=…$salt$hash``
``pbkdf2_sha256``    Django ``pbkdf2_sha256$iter$salt$b64`` or       hashlib
                     Werkzeug ``pbkdf2:sha256:iter$salt$hex``
``sha1`` / ``md5``   Django ``sha1$salt$hex`` (``hex(H(salt + password))``)  hashlib; **weak**
===================  ==============================================  ======================

Libraries: passlib is unmaintained (and breaks with bcrypt >= 4.1), so idpbridge uses the
maintained primitives directly: ``bcrypt`` (pyca) and ``argon2-cffi`` (the reference Argon2
bindings), behind the ``hashes`` extra and imported only when such a hash is met; scrypt and
PBKDF2 come from :mod:`hashlib`. Every comparison is constant time. Cost parameters are bounded,
so a hostile row cannot make a verification run for minutes. A malformed or unknown hash raises
:class:`HashFormatError` (code ``jit.hash_malformed`` / ``jit.hash_unknown``), never a bare error.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
from typing import Any

from pydantic import SecretStr

from ..errors import PluginError
from .errors import JITError

__all__ = ["HashFormatError", "HashVerdict", "hash_password", "verify_legacy_hash"]

#: Bounds on cost parameters read from an exported hash.
MAX_PBKDF2_ITERATIONS = 5_000_000
MAX_SCRYPT_MEMORY = 256 * 1024 * 1024
MAX_ENCODED = 1024
_INSTALL = 'pip install "idpbridge[hashes]"'


class HashFormatError(JITError):
    """An exported hash is malformed (``jit.hash_malformed``) or unknown (``jit.hash_unknown``)."""

    default_code = "jit.hash_malformed"


@dataclasses.dataclass(frozen=True, slots=True)
class HashVerdict:
    """The result of :func:`verify_legacy_hash`.

    Attributes:
        ok: the password matches.
        scheme: ``bcrypt``, ``argon2id``, ``scrypt``, ``pbkdf2_sha256``, ``sha1`` or ``md5``.
        weak: the scheme is a fast salted digest: rehash at once, and consider a reset.
        needs_rehash: store :func:`hash_password`'s result instead (anything but a current argon2id).
    """

    ok: bool
    scheme: str
    weak: bool = False
    needs_rehash: bool = True


def _text(password: str | SecretStr) -> bytes:
    value = password.get_secret_value() if isinstance(password, SecretStr) else password
    if not isinstance(value, str):
        raise HashFormatError("the password must be a str or SecretStr", code="jit.bad_password")
    return value.encode("utf-8")


def _malformed(scheme: str) -> HashFormatError:
    return HashFormatError(f"the {scheme} hash is malformed")


def _int(value: str, scheme: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise _malformed(scheme)
    return int(value)


def _b64(value: str, scheme: str, *, adapted: bool = False) -> bytes:
    if adapted:
        value = value.replace(".", "+")
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise _malformed(scheme) from None


def _unhex(value: str, scheme: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _malformed(scheme) from None


def _library(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise PluginError(
            f"verifying this hash needs {name} ({exc.name} is missing)",
            code="plugin.unavailable",
            install_hint=_INSTALL,
        ) from exc


def verify_legacy_hash(password: str | SecretStr, encoded: str) -> HashVerdict:
    """Check ``password`` against a hash exported from a legacy store (see the module docstring)."""
    if not isinstance(encoded, str) or not 0 < len(encoded) <= MAX_ENCODED or not encoded.isascii():
        raise HashFormatError("the exported hash is empty, too long or not ASCII")
    secret = _text(password)
    if encoded.startswith(("$2a$", "$2b$", "$2y$")):
        return _bcrypt(secret, encoded)
    if encoded.startswith("$argon2"):
        return _argon2(secret, encoded)
    if encoded.startswith(("scrypt:", "$scrypt$")):
        return _scrypt(secret, encoded)
    if encoded.startswith(("pbkdf2_sha256$", "pbkdf2:sha256")):
        return _pbkdf2(secret, encoded)
    if encoded.startswith(("sha1$", "md5$")):
        scheme, _, rest = encoded.partition("$")
        salt, sep, digest = rest.partition("$")
        if not sep or not digest:
            raise _malformed(scheme)
        expected = _unhex(digest, scheme)
        actual = hashlib.new(scheme, salt.encode() + secret, usedforsecurity=False).digest()
        return HashVerdict(hmac.compare_digest(actual, expected), scheme, weak=True)
    raise HashFormatError("the exported hash is of no scheme idpbridge knows", code="jit.hash_unknown")


def _bcrypt(secret: bytes, encoded: str) -> HashVerdict:
    bcrypt = _library("bcrypt")
    # bcrypt reads at most 72 bytes; legacy libraries truncated silently, bcrypt >= 5 refuses.
    normalized = "$2b$" + encoded[4:] if encoded.startswith("$2y$") else encoded
    try:
        ok = bool(bcrypt.checkpw(secret[:72], normalized.encode()))
    except ValueError:
        raise _malformed("bcrypt") from None
    return HashVerdict(ok, "bcrypt")


def _argon2(secret: bytes, encoded: str) -> HashVerdict:
    argon2 = _library("argon2")
    hasher = argon2.PasswordHasher()
    try:
        ok = bool(hasher.verify(encoded, secret))
    except argon2.exceptions.VerifyMismatchError:
        ok = False
    except (argon2.exceptions.InvalidHashError, argon2.exceptions.VerificationError):
        raise _malformed("argon2") from None
    scheme = encoded.split("$", 2)[1]
    return HashVerdict(ok, scheme, needs_rehash=scheme != "argon2id" or hasher.check_needs_rehash(encoded))


def _scrypt(secret: bytes, encoded: str) -> HashVerdict:
    parts = encoded.split("$")
    if encoded.startswith("scrypt:"):  # Werkzeug: scrypt:N:r:p$salt$hex, salt used as text
        params, salt, digest = parts if len(parts) == 3 else ("", "", "")
        fields = params.split(":")
        if len(fields) != 4:
            raise _malformed("scrypt")
        n, r, p = (_int(f, "scrypt", 1, 2**24) for f in fields[1:])
        salt_bytes, expected = salt.encode(), _unhex(digest, "scrypt")
    else:  # passlib: $scrypt$ln=..,r=..,p=..$salt$hash (adapted base64)
        if len(parts) != 5:
            raise _malformed("scrypt")
        try:
            values = dict(item.split("=", 1) for item in parts[2].split(","))
            n = 2 ** _int(values["ln"], "scrypt", 1, 24)
            r, p = _int(values["r"], "scrypt", 1, 64), _int(values["p"], "scrypt", 1, 64)
        except (KeyError, ValueError):
            raise _malformed("scrypt") from None
        salt_bytes, expected = _b64(parts[3], "scrypt", adapted=True), _b64(parts[4], "scrypt", adapted=True)
    memory = 128 * n * r * p + 1024 * r
    if n & (n - 1) or memory > MAX_SCRYPT_MEMORY or not 16 <= len(expected) <= 128:
        raise _malformed("scrypt")
    actual = hashlib.scrypt(
        secret, salt=salt_bytes, n=n, r=r, p=p, maxmem=memory + 2**20, dklen=len(expected)
    )
    return HashVerdict(hmac.compare_digest(actual, expected), "scrypt")


def _pbkdf2(secret: bytes, encoded: str) -> HashVerdict:
    parts = encoded.split("$")
    if len(parts) != 4 and not (encoded.startswith("pbkdf2:") and len(parts) == 3):
        raise _malformed("pbkdf2_sha256")
    if encoded.startswith("pbkdf2_sha256$"):  # Django
        iterations = _int(parts[1], "pbkdf2_sha256", 1, MAX_PBKDF2_ITERATIONS)
        salt, expected = parts[2], _b64(parts[3], "pbkdf2_sha256")
    else:  # Werkzeug: pbkdf2:sha256:iterations$salt$hex
        method = parts[0].split(":")
        if len(method) != 3:  # the default count changed across Werkzeug versions: require it
            raise _malformed("pbkdf2_sha256")
        iterations = _int(method[2], "pbkdf2_sha256", 1, MAX_PBKDF2_ITERATIONS)
        salt, expected = parts[1], _unhex(parts[2], "pbkdf2_sha256")
    if not 16 <= len(expected) <= 64:
        raise _malformed("pbkdf2_sha256")
    actual = hashlib.pbkdf2_hmac("sha256", secret, salt.encode(), iterations, dklen=len(expected))
    return HashVerdict(hmac.compare_digest(actual, expected), "pbkdf2_sha256")


def hash_password(password: str | SecretStr) -> str:
    """A modern argon2id hash (argon2-cffi's RFC 9106 low-memory defaults) to store after a match."""
    return str(_library("argon2").PasswordHasher().hash(_text(password)))
