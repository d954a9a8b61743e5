"""Legacy password hashes: real hashes made by the real libraries and the formats' own recipes."""

from __future__ import annotations

import base64
import hashlib
import secrets

import argon2
import bcrypt
import pytest
from pydantic import SecretStr

from idpbridge.jit.hashes import HashFormatError, hash_password, verify_legacy_hash

PW = "correct horse \u00e9"


def django_pbkdf2(password: str, salt: str = "saltsalt", iterations: int = 1000) -> str:
    raw = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(raw).decode()}"


def werkzeug_pbkdf2(password: str, salt: str = "s4lt", iterations: int = 1000) -> str:
    raw = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2:sha256:{iterations}${salt}${raw.hex()}"


def werkzeug_scrypt(password: str, salt: str = "s4lt", n: int = 1024) -> str:
    raw = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=8, p=1, maxmem=132 * n * 8)
    return f"scrypt:{n}:8:1${salt}${raw.hex()}"


def passlib_scrypt(password: str) -> str:
    salt = secrets.token_bytes(16)
    raw = hashlib.scrypt(password.encode(), salt=salt, n=2**10, r=8, p=1, dklen=32)

    def ab64(b: bytes) -> str:
        return base64.b64encode(b).decode().rstrip("=").replace("+", ".")

    return f"$scrypt$ln=10,r=8,p=1${ab64(salt)}${ab64(raw)}"


def django_salted(scheme: str, password: str, salt: str = "abc") -> str:
    return f"{scheme}${salt}${hashlib.new(scheme, (salt + password).encode()).hexdigest()}"


CASES = {
    "bcrypt": lambda pw: bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=4)).decode(),
    "bcrypt-2y": lambda pw: "$2y$" + bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=4)).decode()[4:],
    "argon2id": lambda pw: argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(pw),
    "django-pbkdf2": django_pbkdf2,
    "werkzeug-pbkdf2": werkzeug_pbkdf2,
    "werkzeug-scrypt": werkzeug_scrypt,
    "passlib-scrypt": passlib_scrypt,
    "sha1": lambda pw: django_salted("sha1", pw),
    "md5": lambda pw: django_salted("md5", pw),
}
SCHEMES = {"bcrypt-2y": "bcrypt", "django-pbkdf2": "pbkdf2_sha256", "werkzeug-pbkdf2": "pbkdf2_sha256"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_format_verifies_and_refuses(case: str) -> None:
    encoded = CASES[case](PW)
    verdict = verify_legacy_hash(SecretStr(PW), encoded)
    assert verdict.ok
    assert verdict.scheme == SCHEMES.get(case, case.rsplit("-", maxsplit=1)[-1])
    assert verdict.weak is (case in ("sha1", "md5"))
    assert not verify_legacy_hash(PW + "x", encoded).ok
    assert not verify_legacy_hash("", encoded).ok


def test_a_cheap_argon2id_needs_rehash_and_a_modern_one_does_not() -> None:
    assert verify_legacy_hash(PW, CASES["argon2id"](PW)).needs_rehash
    modern = hash_password(PW)
    verdict = verify_legacy_hash(PW, modern)
    assert verdict.ok
    assert verdict.scheme == "argon2id"
    assert not verdict.needs_rehash


@pytest.mark.parametrize(
    ("encoded", "code"),
    [
        ("plaintext", "jit.hash_unknown"),
        ("", "jit.hash_malformed"),
        ("$2b$04$tooshort", "jit.hash_malformed"),
        ("$argon2id$v=19$m=8,t=1,p=1$!!$!!", "jit.hash_malformed"),
        ("pbkdf2_sha256$abc$salt$AAAA", "jit.hash_malformed"),
        ("pbkdf2_sha256$999999999$salt$" + "A" * 44, "jit.hash_malformed"),  # cost bound
        ("pbkdf2:sha256$salt$" + "00" * 32, "jit.hash_malformed"),  # no iteration count
        ("scrypt:1048576:64:64$salt$" + "00" * 64, "jit.hash_malformed"),  # memory bound
        ("scrypt:1000:8:1$salt$" + "00" * 64, "jit.hash_malformed"),  # N not a power of two
        ("sha1$salt$nothex", "jit.hash_malformed"),
        ("md5$nosep", "jit.hash_malformed"),
    ],
)
def test_malformed_and_unknown_hashes_are_typed(encoded: str, code: str) -> None:
    with pytest.raises(HashFormatError) as caught:
        verify_legacy_hash(PW, encoded)
    assert caught.value.code == code
