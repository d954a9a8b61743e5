"""Google error classification: Google's rows first, then the standard OAuth table.

Sources: https://developers.google.com/identity/protocols/oauth2/web-server#handlingresponse
(googleworkspace/go-samples#85 for ``Malformed auth code``;
openshift/cluster-authentication-operator#248 for the password grant).
Google shows most authorization errors (bad redirect URI, unknown client) on its own page rather
than redirecting; the callback rows below are the ones that do come back.
"""

from __future__ import annotations

from ...errors import ConfigurationError, ConsentRequired, InvalidCode
from ...kit import AUTHORIZATION_CODE, AUTHORIZE, STANDARD_OAUTH_RULES, ErrorRule

__all__ = ["RULES"]

RULES: tuple[ErrorRule, ...] = (
    # -- token endpoint ------------------------------------------------------------------------
    # A code that was never valid (truncated, double-encoded) rather than a spent one.
    ErrorRule(
        error="invalid_grant",
        description_contains="Malformed auth code",
        context=AUTHORIZATION_CODE,
        raises=InvalidCode,
        message="the authorization code is malformed",
    ),
    # Spent or expired codes: "Bad Request" (UNCONFIRMED description): the standard rule
    # (invalid_grant on a code exchange -> ExpiredCode).
    ErrorRule(
        error="redirect_uri_mismatch",
        raises=ConfigurationError,
        code="config.redirect_uri",
        message="the redirect URI is not registered for this Google OAuth client",
    ),
    # "The OAuth client was deleted." (UNCONFIRMED wording); invalid_client itself is standard.
    ErrorRule(
        error="deleted_client",
        raises=ConfigurationError,
        code="config.invalid_client",
        message="the Google OAuth client was deleted",
    ),
    # -- authorization response ---------------------------------------------------------------
    # Workspace admin policy blocks the app or a scope (UNCONFIRMED that it is redirected).
    ErrorRule(
        error="admin_policy_enforced",
        context=AUTHORIZE,
        raises=ConsentRequired,
        message="the user's Google Workspace administrator does not allow this app",
    ),
    # An Internal app used by an account outside its organization (UNCONFIRMED that it is redirected).
    ErrorRule(
        error="org_internal",
        context=AUTHORIZE,
        raises=ConfigurationError,
        code="config.authorize_rejected",
        message="this Google OAuth client is restricted to its own organization",
    ),
    *STANDARD_OAUTH_RULES,
)
