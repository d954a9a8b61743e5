"""The organization routing error."""

from __future__ import annotations

from ..errors import IdpBridgeError

__all__ = ["OrganizationError"]


class OrganizationError(IdpBridgeError):
    """An organization cannot be routed or completed (an :class:`~idpbridge.IdpBridgeError`).

    Codes:

    * ``org.unknown`` — no organization has this id (or it was removed while a flow was open);
    * ``org.invalid_email`` — not exactly one ``@``, or an empty or invalid domain part;
    * ``org.unknown_domain`` — no organization claims the email's domain;
    * ``org.domain_unverified`` — an organization claims the domain, but it is not verified, so it
      routes only by explicit organization id;
    * ``org.mismatch`` — a flow completed for another organization than the one it started for,
      or the organization now uses another connector.

    ``details["organization"]`` names the organization when there is one. Configuration problems
    (unknown connector, a domain claimed twice) are :class:`~idpbridge.ConfigurationError`\\ s
    raised when the directory is built.
    """

    default_code = "org.error"
