"""The HTML pages of the Keycloak face: login, OTP, error and ``form_post`` pages.

Element ids and field names are those of Keycloak's login theme (``kc-form-login`` with
``username``/``password``/``credentialId``, ``kc-otp-login-form`` with ``otp``, ``kc-login``
submit button, ``input-error`` messages, ``kc-error-message``) so scripts written against a
real Keycloak login page work here too. Every value is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

__all__ = ["error_page", "form_post_page", "login_page", "otp_page"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f0f0f0;margin:0}"
    "main{max-width:380px;margin:60px auto;background:#fff;padding:32px;border-radius:6px;"
    "box-shadow:0 1px 4px #0002}h1{font-size:1.3em;margin-top:0}label{display:block;margin-top:12px}"
    "input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px;margin-top:4px}"
    "#kc-login{margin-top:20px;width:100%;padding:10px;background:#06c;color:#fff;border:0;"
    "border-radius:3px}.kc-feedback-text,.error{color:#c00}.realm{color:#666;font-size:.85em}"
    ".note{color:#666;font-size:.8em;margin-top:18px}"
)


def _frame(title: str, realm: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<main><div class='realm' id='kc-header'>{html.escape(realm.upper())} · idpbridge sandbox</div>"
        f"{body}<p class='note'>A local sandbox speaking Keycloak's protocol; not a Keycloak server.</p>"
        "</main></body></html>"
    )


def _error(message: str | None, element_id: str) -> str:
    if not message:
        return ""
    return f"<span id='{element_id}' class='error' aria-live='polite'>{html.escape(message)}</span>"


def login_page(realm: str, action: str, *, username: str = "", error: str | None = None) -> str:
    """The username/password form posting to ``action``."""
    return _frame(
        f"Sign in to {realm}",
        realm,
        "<h1 id='kc-page-title'>Sign in to your account</h1>"
        f"{_error(error, 'input-error')}"
        f"<form id='kc-form-login' action='{html.escape(action, quote=True)}' method='post'>"
        "<label for='username'>Username or email</label>"
        f"<input tabindex='1' id='username' name='username' value='{html.escape(username, quote=True)}' "
        "type='text' autofocus autocomplete='username'>"
        "<label for='password'>Password</label>"
        "<input tabindex='2' id='password' name='password' type='password' autocomplete='current-password'>"
        "<input type='hidden' id='id-hidden-input' name='credentialId'>"
        "<input tabindex='4' name='login' id='kc-login' type='submit' value='Sign In'>"
        "</form>",
    )


def otp_page(realm: str, action: str, *, error: str | None = None) -> str:
    """The one-time code form (users with an authenticator app)."""
    return _frame(
        f"Sign in to {realm}",
        realm,
        "<h1 id='kc-page-title'>Sign in to your account</h1>"
        f"{_error(error, 'input-error-otp-code')}"
        f"<form id='kc-otp-login-form' action='{html.escape(action, quote=True)}' method='post'>"
        "<label for='otp'>One-time code</label>"
        "<input id='otp' name='otp' autocomplete='one-time-code' type='text' inputmode='numeric' autofocus>"
        "<input name='login' id='kc-login' type='submit' value='Sign In'>"
        "</form>",
    )


def error_page(realm: str, message: str) -> str:
    """Keycloak's error page (``kc-error-message``)."""
    return _frame(
        "We are sorry...",
        realm,
        "<h1 id='kc-page-title'>We are sorry...</h1>"
        f"<div id='kc-error-message'><p class='instruction'>{html.escape(message)}</p></div>",
    )


def form_post_page(redirect_uri: str, params: Mapping[str, str]) -> str:
    """``response_mode=form_post``: a form that posts ``params`` to the client by itself."""
    fields = "".join(
        f"<input type='hidden' name='{html.escape(k, quote=True)}' value='{html.escape(v, quote=True)}'>"
        for k, v in params.items()
    )
    return (
        "<!DOCTYPE html><html><head><title>Submit This Form</title></head>"
        "<body onload='javascript:document.forms[0].submit()'>"
        f"<form method='post' action='{html.escape(redirect_uri, quote=True)}'>{fields}"
        "<noscript><button type='submit'>Continue</button></noscript></form></body></html>"
    )
