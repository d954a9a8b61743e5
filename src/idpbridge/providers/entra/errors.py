"""Entra error classification: the AADSTS code table and the error-body field spec.

Entra error bodies carry the RFC 6749 ``error`` plus ``error_codes`` (``[50126]``) and an
``error_description`` that starts ``AADSTS50126: …`` and ends with ``\\r\\nTrace ID: …``
trailers. Classification uses ``error_codes[0]``, then the ``AADSTS`` prefix of the description,
and only then the OAuth ``error`` (the body shape and this order:
https://github.com/MicrosoftDocs/azure-docs/blob/main/articles/active-directory/develop/v2-oauth-ropc.md
and the responses captured in https://github.com/openshift/cluster-authentication-operator/pull/248).

Source of every row unless :data:`AADSTS_SOURCES` names another: the AADSTS reference,
https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes (:data:`DOCS`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...kit import (
    STANDARD_OAUTH_RULES,
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    ConsentRequired,
    ErrorInfo,
    ErrorRule,
    ExpiredCode,
    IdpBridgeError,
    InvalidCredentials,
    MFARequired,
    PasswordChangeRequired,
    ProviderUnavailable,
    RateLimited,
    UserCancelled,
    UserNotFound,
    first_text,
)

__all__ = ["AADSTS", "ERROR_FIELDS", "RULES", "parse_error"]

_ROPC_ACCOUNT = (
    "Entra cannot check this account's password with the password (ROPC) grant "
    "(federated, passwordless, guest or personal Microsoft account); use the oidc method"
)
_MFA = "Entra requires multi-factor authentication; the password grant cannot complete it (use oidc)"
_SECRET = "Entra rejected the client secret (wrong, expired or for another app)"

#: AADSTS code -> (error class, idpbridge code or None for the class default, message shown).
#: The IdP's own description is never shown for these: the message says what it means.
AADSTS: Mapping[int, tuple[type[IdpBridgeError], str | None, str]] = {
    # -- the user's credentials ---------------------------------------------------------------
    50126: (InvalidCredentials, None, "invalid username or password"),
    50173: (InvalidCredentials, None, "the grant was revoked (the password changed); sign in again"),
    50034: (UserNotFound, None, "the user does not exist in this directory"),
    90072: (UserNotFound, None, "the user's account is in another tenant and not in this one"),
    # ROPC answers it for a work account of another tenant that is no member or guest here.
    50020: (UserNotFound, None, "the user's account is in another tenant and not in this one"),
    50053: (AccountLocked, None, "the account is locked (too many attempts or a blocked IP address)"),
    50057: (AccountDisabled, None, "the account is disabled"),
    50055: (PasswordChangeRequired, None, "the password has expired"),
    50144: (PasswordChangeRequired, None, "the on-premises Active Directory password has expired"),
    50125: (PasswordChangeRequired, None, "sign-in was interrupted by a password reset or registration"),
    50135: (PasswordChangeRequired, None, "a password change is required because of account risk"),
    # -- a second factor or another interactive step ----------------------------------------------
    50072: (MFARequired, None, "the user must enrol in multi-factor authentication"),
    50074: (MFARequired, None, _MFA),
    50076: (MFARequired, None, _MFA),  # with suberror "basic_action"
    50079: (MFARequired, None, "the user must register security info for multi-factor authentication"),
    50158: (MFARequired, None, "an external security challenge was not satisfied"),
    53004: (MFARequired, None, "the user must complete multi-factor authentication proof-up"),
    50058: (ConsentRequired, "consent_required", "the user must sign in interactively"),
    65004: (UserCancelled, None, "the user declined consent"),
    # -- accounts the password grant cannot serve (the answer for federated and MSA users) --------
    50056: (ConfigurationError, "config.ropc_unsupported_account", _ROPC_ACCOUNT),
    # "The grant type is not supported over the /common or /consumers endpoints" (idpbridge refuses
    # those tenants for ROPC before sending anything).
    9001023: (ConfigurationError, "config.ropc_unsupported", "use a tenant id, domain or 'organizations'"),
    # -- Conditional Access ---------------------------------------------------------------------
    53000: (AuthenticationFailed, "conditional_access", "Conditional Access: the device is not compliant"),
    53001: (AuthenticationFailed, "conditional_access", "Conditional Access: the device is not joined"),
    53002: (AuthenticationFailed, "conditional_access", "Conditional Access: the app is not approved"),
    53003: (AuthenticationFailed, "conditional_access", "Conditional Access blocked the sign-in"),
    50105: (AuthenticationFailed, "not_assigned", "the user is not assigned to this application"),
    # -- the application's registration -----------------------------------------------------------
    65001: (ConfigurationError, "config.consent_required", "the application lacks consent in the tenant"),
    90094: (ConfigurationError, "config.consent_required", "an administrator must consent"),
    70002: (ConfigurationError, "config.invalid_client", _SECRET),
    7000215: (ConfigurationError, "config.invalid_client", _SECRET),
    7000222: (ConfigurationError, "config.invalid_client", "the client secret has expired"),
    7000218: (
        ConfigurationError,
        "config.invalid_client",
        "send a client secret, or enable 'Allow public client flows' on the app registration",
    ),
    700016: (ConfigurationError, "config.invalid_client", "the application was not found in the tenant"),
    7000112: (ConfigurationError, "config.invalid_client", "the application is disabled"),
    90002: (ConfigurationError, "config.unknown_tenant", "the tenant was not found"),
    50059: (ConfigurationError, "config.unknown_tenant", "no tenant could be identified from the request"),
    50011: (ConfigurationError, "config.redirect_uri", "the redirect URI is not registered for the app"),
    70011: (ConfigurationError, "config.invalid_scope", "a requested scope is invalid"),
    500011: (ConfigurationError, "config.invalid_scope", "a requested resource is not in the tenant"),
    # -- codes and sessions -----------------------------------------------------------------------
    70008: (ExpiredCode, None, "the authorization code or refresh token expired or was revoked"),
    54005: (ExpiredCode, None, "the authorization code was already redeemed"),
    # -- throttling and outages -------------------------------------------------------------------
    90055: (RateLimited, None, "Entra is throttling requests"),
    50196: (RateLimited, None, "Entra detected a request loop; slow down"),
    90033: (ProviderUnavailable, None, "Entra is temporarily unavailable"),
}

DOCS = "doc:https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes"

#: Rows whose answer was seen beyond the reference (which grant answers it, the body).
AADSTS_SOURCES: Mapping[int, str] = {
    50020: "seen:https://github.com/AzureAD/microsoft-authentication-library-for-dotnet/issues/2255",
    9001023: "seen:https://github.com/AzureAD/microsoft-authentication-library-for-dotnet/issues/1572 ; "
    "seen:https://github.com/AzureAD/microsoft-authentication-library-for-java/issues/382",
    50126: "seen:https://github.com/openshift/cluster-authentication-operator/pull/248 ; " + DOCS,
}

#: Provider rules first (one per AADSTS code), then the standard OAuth rules.
RULES: tuple[ErrorRule, ...] = (
    *(
        ErrorRule(
            provider_code=f"AADSTS{code}",
            raises=raises,
            code=stable,
            message=message,
            source=AADSTS_SOURCES.get(code, DOCS),
        )
        for code, (raises, stable, message) in AADSTS.items()
    ),
    *STANDARD_OAUTH_RULES,
)

#: ``(error keys, description keys)`` of an error body; the AADSTS code is read besides them.
ERROR_FIELDS = (("error",), ("error_description",))

_AADSTS_PREFIX = re.compile(r"AADSTS(\d{1,9})(?!\d)")
_TRAILER = re.compile(r"[\r\n]|\s+Trace ID:")


def parse_error(body: Mapping[str, Any]) -> ErrorInfo:
    """``error``, the first line of ``error_description`` and the AADSTS code (``"AADSTS50126"``)."""
    errors, descriptions = ERROR_FIELDS
    codes = body.get("error_codes")
    first = codes[0] if isinstance(codes, list) and codes else None
    code = first if isinstance(first, int) and not isinstance(first, bool) and 0 < first < 10**9 else None
    description = first_text(body, descriptions)
    if description is not None:
        if code is None and (m := _AADSTS_PREFIX.match(description)):
            code = int(m.group(1))
        description = _TRAILER.split(description, maxsplit=1)[0].strip() or None
    return ErrorInfo(
        error=first_text(body, errors),
        description=description,
        provider_code=f"AADSTS{code}" if code is not None else None,
    )
