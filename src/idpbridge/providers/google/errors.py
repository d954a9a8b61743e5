"""Google error classification: Google's rows first, then the standard OAuth table.

Sources: https://developers.google.com/identity/protocols/oauth2/web-server#handlingresponse
(googleworkspace/go-samples#85 for ``Malformed auth code``;
openshift/cluster-authentication-operator#248 for the password grant).
Google shows most authorization errors (bad redirect URI, unknown client) on its own page rather
than redirecting; the callback rows below are the ones that do come back. Each row names its source.
"""

from __future__ import annotations

from ...errors import ConfigurationError, ConsentRequired, InvalidCode
from ...kit import AUTHORIZATION_CODE, AUTHORIZE, STANDARD_OAUTH_RULES, ErrorRule

__all__ = ["RULES"]

DOCS = "doc:https://developers.google.com/identity/protocols/oauth2/web-server#handlingresponse"

RULES: tuple[ErrorRule, ...] = (
    # -- token endpoint ------------------------------------------------------------------------
    # A code that was never valid (truncated, double-encoded) rather than a spent one.
    ErrorRule(
        error="invalid_grant",
        description_contains="Malformed auth code",
        source="seen:https://github.com/googleworkspace/go-samples/issues/85",
        context=AUTHORIZATION_CODE,
        raises=InvalidCode,
        message="the authorization code is malformed",
    ),
    # Spent or expired codes: 400 invalid_grant "Bad Request" (atinux/nuxt-auth-utils#440): the
    # standard rule (invalid_grant on a code exchange -> ExpiredCode).
    ErrorRule(
        error="redirect_uri_mismatch",
        source=DOCS,
        raises=ConfigurationError,
        code="config.redirect_uri",
        message="the redirect URI is not registered for this Google OAuth client",
    ),
    # "The OAuth client was deleted."; invalid_client itself is standard.
    ErrorRule(
        error="deleted_client",
        source="seen:https://github.com/xyou365/AutoRclone/issues/98",
        raises=ConfigurationError,
        code="config.invalid_client",
        message="the Google OAuth client was deleted",
    ),
    # -- authorization response and token endpoint ---------------------------------------------
    # Workspace admin policy blocks the app or a scope. Google mostly shows it on its own page, but
    # it reaches clients as a JSON error at the token step, so no context limits this row.
    ErrorRule(
        error="admin_policy_enforced",
        source="seen:https://github.com/oauthlib/oauthlib/issues/707 ; "
        "seen:https://github.com/GAM-team/got-your-back/issues/284",
        raises=ConsentRequired,
        message="the user's Google Workspace administrator does not allow this app",
    ),
    # An Internal app used by an account outside its organization: Google's own page shows it
    # (jgraph/docker-drawio#156); the row classifies it should a callback ever carry it.
    ErrorRule(
        error="org_internal",
        source="seen:https://github.com/jgraph/docker-drawio/issues/156",
        context=AUTHORIZE,
        raises=ConfigurationError,
        code="config.authorize_rejected",
        message="this Google OAuth client is restricted to its own organization",
    ),
    *STANDARD_OAUTH_RULES,
)
