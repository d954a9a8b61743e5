"""Sign-in routes for web frameworks: carry a flow across HTTP requests the way a framework expects.

:class:`WebAuth` is framework-agnostic (no web framework is imported here): it serves a sign-in
page, the password, one-time-code and answer steps, the OIDC and SAML callbacks and the
organization (B2B) route, keeping the sealed continuation in a signed, HttpOnly cookie (or a signed
hidden field), checking a CSRF token on every form POST, and answering typed errors with a status
and a safe message (:func:`http_error`). The adapters translate requests and responses:

* :mod:`idpbridge.web.starlette` — Starlette and FastAPI (``pip install "idpbridge[fastapi]"``);
* :mod:`idpbridge.web.django` — Django (``pip install "idpbridge[django]"``);
* :mod:`idpbridge.web.flask` — Flask (``pip install "idpbridge[flask]"``).

See ``docs/web.md``.
"""

from __future__ import annotations

from ._auth import SignedIn, WebAuth
from ._errors import HttpError, http_error
from ._http import Cookie, WebRequest, WebResponse
from ._pages import ErrorPage, LoginOption, LoginPage, Step, StepField, Templates

__all__ = [
    "Cookie",
    "ErrorPage",
    "HttpError",
    "LoginOption",
    "LoginPage",
    "SignedIn",
    "Step",
    "StepField",
    "Templates",
    "WebAuth",
    "WebRequest",
    "WebResponse",
    "http_error",
]
