"""What :meth:`Connector.authenticate <idpbridge.Connector.authenticate>` returns.

A call either finishes (:class:`Authenticated`) or asks the caller for the next step of a
multi-step flow (:class:`RedirectRequired`, :class:`CodeSent`, :class:`InputRequired`). Every
next step carries a sealed ``continuation`` that any worker holding the same continuation keys can
resume; failures raise :class:`~idpbridge.IdpBridgeError` subclasses instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ._secrets import secret_type
from .identity import Identity, TokenSet
from .methods import Method, OTPChannel

if TYPE_CHECKING:
    from pydantic import SecretStr

__all__ = [
    "Authenticated",
    "CIBAPending",
    "CIBAStarted",
    "CodeSent",
    "DeviceCodeIssued",
    "DevicePending",
    "InputField",
    "InputRequired",
    "Outcome",
    "PostRequired",
    "RedirectRequired",
]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Authenticated:
    """The user is authenticated. ``identity`` is normalized; ``userinfo`` is the raw userinfo
    (or provider profile) response when one was fetched."""

    identity: Identity
    tokens: TokenSet
    method: Method
    userinfo: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.userinfo is not None:
            object.__setattr__(self, "userinfo", MappingProxyType(dict(self.userinfo)))

    def __repr__(self) -> str:
        return f"Authenticated(method={self.method.value!r}, identity={self.identity!r})"


def _seal(value: SecretStr | str) -> SecretStr:
    secret_str = secret_type()
    return value if isinstance(value, secret_str) else secret_str(value)  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RedirectRequired:
    """Send the browser to ``url``; resume with :class:`~idpbridge.FinishOIDC`."""

    url: str
    continuation: SecretStr
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "continuation", _seal(self.continuation))

    def __repr__(self) -> str:
        return f"RedirectRequired(url=<{len(self.url)} chars>, expires_at={self.expires_at!r})"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CodeSent:
    """A one-time code was sent; resume with :class:`~idpbridge.VerifyOTP`.

    ``destination`` is the IdP's masked destination (``"j***@e***"``), when it gives one.
    """

    channel: OTPChannel
    destination: str | None
    continuation: SecretStr
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "continuation", _seal(self.continuation))


@dataclasses.dataclass(frozen=True, slots=True)
class InputField:
    """One value the IdP wants next. ``kind`` is ``"totp"``, ``"password"``, ``"otp"``, …"""

    name: str
    kind: str
    secret: bool = True
    label: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class InputRequired:
    """The IdP wants more input (e.g. a TOTP code after the password).

    Resume with :class:`~idpbridge.Answer` giving a value for each name in ``fields``.
    """

    fields: tuple[InputField, ...]
    continuation: SecretStr
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "continuation", _seal(self.continuation))
        object.__setattr__(self, "fields", tuple(self.fields))

    @property
    def field_names(self) -> tuple[str, ...]:
        """The names to answer."""
        return tuple(f.name for f in self.fields)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PostRequired:
    """Send the browser to ``url`` with an HTTP POST of ``fields`` (SAML HTTP-POST binding).

    :meth:`html` renders the usual self-submitting form. Resume with
    :class:`~idpbridge.methods.FinishSAML`.
    """

    url: str
    fields: Mapping[str, str]
    continuation: SecretStr
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "continuation", _seal(self.continuation))
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def html(self) -> str:
        """A minimal HTML page that POSTs ``fields`` to ``url`` (escaped; no inline data URLs)."""
        from html import escape

        inputs = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in self.fields.items()
        )
        return (
            '<!doctype html><html><body onload="document.forms[0].submit()">'
            f'<form method="post" action="{escape(self.url)}">{inputs}'
            '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
        )

    def __repr__(self) -> str:
        return f"PostRequired(url=<{len(self.url)} chars>, fields=<{', '.join(self.fields)}>)"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DeviceCodeIssued:
    """Show ``user_code`` and ``verification_uri`` to the user (RFC 8628 §3.3), then poll with
    :class:`~idpbridge.PollDevice` every ``interval`` seconds (or use ``wait_device``)."""

    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    interval: int
    continuation: SecretStr
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "continuation", _seal(self.continuation))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DevicePending:
    """The user has not finished yet: poll again with ``continuation`` after ``interval`` seconds
    (raised by 5 s after each ``slow_down``, RFC 8628 §3.5)."""

    interval: int
    continuation: SecretStr
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "continuation", _seal(self.continuation))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CIBAStarted:
    """The OP accepted a backchannel authentication request and is asking the user.

    Poll mode: poll with :class:`~idpbridge.PollCIBA` every ``interval`` seconds (or use
    ``wait_ciba``). Ping mode: keep ``continuation`` under ``request_key``; the OP's ping carries
    the same key (``ciba_request_key``) and ``ciba_notified`` finishes the sign-in.
    ``request_key`` is a digest of the ``auth_req_id``, never the id itself.
    """

    request_key: str
    mode: str
    interval: int
    continuation: SecretStr
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "continuation", _seal(self.continuation))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CIBAPending:
    """The user has not answered yet: poll again with ``continuation`` after ``interval`` seconds
    (raised by 5 s after each ``slow_down``)."""

    interval: int
    continuation: SecretStr
    expires_at: dt.datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "continuation", _seal(self.continuation))


Outcome = (
    Authenticated
    | RedirectRequired
    | CodeSent
    | InputRequired
    | PostRequired
    | DeviceCodeIssued
    | DevicePending
    | CIBAStarted
    | CIBAPending
)
"""Any result of :meth:`Connector.authenticate <idpbridge.Connector.authenticate>`."""
