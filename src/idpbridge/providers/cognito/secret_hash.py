"""Cognito's SECRET_HASH.

``Base64(HMAC-SHA256(key=client_secret, msg=username + client_id))``, standard Base64 with
padding over the UTF-8 bytes. Required in ``AuthParameters`` and in every ``ChallengeResponses``
when the app client has a secret. In challenge responses the username must be the one Cognito
returned (``USER_ID_FOR_SRP`` / ``USERNAME``), not the alias the user typed: see
:func:`challenge_username`. Sources: https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
and https://github.com/qwigo/warrant/issues/74 (alias vs internal user name).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import SecretStr

if TYPE_CHECKING:
    from .config import CognitoConfig

__all__ = ["challenge_username", "secret_hash", "secret_hash_params"]


def secret_hash(username: str, client_id: str, client_secret: SecretStr) -> str:
    """The SECRET_HASH for ``username`` on the app client ``client_id``."""
    mac = hmac.new(
        client_secret.get_secret_value().encode("utf-8"),
        (username + client_id).encode("utf-8"),
        hashlib.sha256,
    )
    return base64.b64encode(mac.digest()).decode("ascii")


def secret_hash_params(client: CognitoConfig, username: str) -> dict[str, str]:
    """``{"SECRET_HASH": …}`` for ``username`` when the app client has a secret, else ``{}``."""
    secret = client.client_secret
    return {} if secret is None else {"SECRET_HASH": secret_hash(username, client.client_id, secret)}


def challenge_username(parameters: Mapping[str, object], typed: str) -> str:
    """The username to answer a challenge with.

    After sign-in with an alias (e-mail, phone) Cognito answers challenges for the *internal*
    user name, which it returns as ``USER_ID_FOR_SRP`` or ``USERNAME`` in ``ChallengeParameters``;
    SECRET_HASH must be computed over that name. Falls back to what the user typed.
    """
    for key in ("USER_ID_FOR_SRP", "USERNAME"):
        value = parameters.get(key)
        if isinstance(value, str) and 0 < len(value) <= 128:
            return value
    return typed
