"""Okta's TOTP wire facts, in one table (``reference/providers.md`` §2.4 to §2.6).

Every grant type, parameter name, media type and IDX name the ``totp`` method sends or reads is
defined here and nowhere else; entries marked UNCONFIRMED are best readings of Okta's SDKs and
guides, to check against a live org (``nox -s record -- okta``) and correct in this one place.

==========================  ===============================================  ==================
fact                        value                                            source / status
==========================  ===============================================  ==================
MFA OTP grant               ``http://auth0.com/oauth/grant-type/mfa-otp``    dev-docs mfa-otp
                            with ``mfa_token`` + ``otp`` (+ ``scope``)       use-flow.md
primary OTP grant           ``urn:okta:params:oauth:grant-type:otp``         dev-docs otp
                            with ``login_hint`` + ``otp`` (no password)      use-flow.md
wrong code on either grant  ``invalid_grant``                                UNCONFIRMED
spent ``mfa_token``         ``invalid_grant`` naming "expired"               UNCONFIRMED
no OTP factor enrolled      ``mfa_registration_required`` /                  UNCONFIRMED (Auth0
                            ``unsupported_challenge_type``                   dialect, same family)
interact                    ``{oauth}/v1/interact``: ``client_id``, ``scope``,  okta-idx-golang,
                            ``redirect_uri``, PKCE S256, ``state``, ``nonce``   okta-auth-js
                            (+ ``client_secret`` for confidential apps)      UNCONFIRMED: needed?
IDX media types             ``application/ion+json; okta-version=1.0.0``     okta-idx-golang
                            (Accept), ``application/json; okta-version=…``
                            (Content-Type of remediations)
IDX endpoints               ``{org}/idp/idx/{introspect,identify,challenge,  providers.md §2.2
                            challenge/answer}`` — org level, never under
                            ``/oauth2``
TOTP authenticators         ``google_otp`` (methodType ``otp``),             okta-auth-js
                            ``okta_verify`` (methodType ``totp``)            authenticators.ts
credentials field           ``passcode``; ``totp`` for Okta Verify TOTP      OktaVerifyTotp.ts
                            (taken from the challenge form when it names one)
interaction code exchange   ``grant_type=interaction_code`` +                providers.md §2.5
                            ``interaction_code`` + ``code_verifier``
nonce in that ID token      required when sent to interact                   UNCONFIRMED
==========================  ===============================================  ==================
"""

from __future__ import annotations

__all__ = [
    "CREDENTIAL_FIELDS",
    "IDX_ACCEPT",
    "IDX_CONTENT_TYPE",
    "IDX_PATH",
    "INTERACTION_CODE_GRANT",
    "MFA_OTP_GRANT",
    "MFA_OTP_PARAMS",
    "OTP_GRANT",
    "OTP_PARAMS",
    "PASSWORD_AUTHENTICATOR",
    "TOTP_AUTHENTICATORS",
    "interact_url",
]

# -- Direct Authentication grants (token endpoint) -----------------------------------------------

#: Second factor after ``403 mfa_required``: okta-developer-docs
#: guides/implement-grant-type/main/mfa-otp/use-flow.md.
MFA_OTP_GRANT = "http://auth0.com/oauth/grant-type/mfa-otp"
#: Its parameters: the sealed ``mfa_token`` and the code.
MFA_OTP_PARAMS = ("mfa_token", "otp")
#: TOTP as the primary factor (no password): okta-developer-docs .../main/otp/use-flow.md.
OTP_GRANT = "urn:okta:params:oauth:grant-type:otp"
#: Its parameters: the username as ``login_hint`` and the code.
OTP_PARAMS = ("login_hint", "otp")

# -- Identity Engine: Interaction Code flow and the IDX API --------------------------------------

#: Token exchange at the end of an IDX login.
INTERACTION_CODE_GRANT = "interaction_code"
#: IDX lives at the org, never under an authorization server.
IDX_PATH = "/idp/idx/"
#: ``Accept`` of every IDX request; ``Content-Type`` of introspect.
IDX_ACCEPT = "application/ion+json; okta-version=1.0.0"
#: ``Content-Type`` of remediation requests (the remediations' ``accepts``).
IDX_CONTENT_TYPE = "application/json; okta-version=1.0.0"
#: The password authenticator's key.
PASSWORD_AUTHENTICATOR = "okta_password"
#: TOTP authenticator key -> the ``methodType`` to select it with.
TOTP_AUTHENTICATORS: dict[str, str] = {"google_otp": "otp", "okta_verify": "totp"}
#: Field names inside ``credentials`` a code or password may go in (first one the form names wins).
CREDENTIAL_FIELDS = ("passcode", "totp")


def interact_url(issuer: str) -> str:
    """``/v1/interact`` of the authorization server: ``{issuer}/v1/interact`` for a custom server,
    ``{issuer}/oauth2/v1/interact`` for the org server (okta-idx-golang ``oAuthEndPoint``)."""
    return f"{issuer}/v1/interact" if "/oauth2/" in issuer + "/" else f"{issuer}/oauth2/v1/interact"
