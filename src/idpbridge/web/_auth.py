"""The framework-agnostic sign-in routes: :class:`WebAuth`.

Every route takes a :class:`~idpbridge.web.WebRequest` and returns a
:class:`~idpbridge.web.WebResponse`; the adapters (:mod:`idpbridge.web.starlette`,
:mod:`idpbridge.web.django`) only translate. Paths, relative to the mount path ``base``:

=====================================  ======  ==============================================
``/login``                             GET     the sign-in page (sets the CSRF cookie)
``/{connector}/password``              POST    ``Password``
``/{connector}/otp``                   POST    ``StartOTP`` (``channel`` = ``email``/``sms``)
``/step``                              POST    ``Answer`` / ``VerifyOTP`` for the open step
``/{connector}/oidc``                  POST    ``StartOIDC``, then a redirect to the IdP
``/{connector}/oidc/callback``         GET     ``FinishOIDC`` (POST for ``form_post``)
``/{connector}/saml``                  POST    ``StartSAML``
``/{connector}/saml/acs``              POST    ``FinishSAML`` (also ends organization flows)
``/org``                               POST    an organization's flow, routed by e-mail domain
``/org/callback``                      GET     its OIDC callback
=====================================  ======  ==============================================
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import SecretStr

from ..connector import Connector
from ..errors import AuthenticationFailed, ConfigurationError, FlowError, IdpBridgeError, InvalidCode
from ..methods import (
    Answer,
    FinishOIDC,
    FinishSAML,
    InvalidRequest,
    Method,
    OTPChannel,
    Password,
    Request,
    StartOIDC,
    StartOTP,
    StartSAML,
    VerifyOTP,
)
from ..orgs import Directory, FederatedIdentity, Organization
from ..outcomes import Authenticated, CodeSent, InputRequired, Outcome, PostRequired, RedirectRequired
from ._carrier import Carrier
from ._errors import HttpError, http_error
from ._http import WebRequest, WebResponse
from ._pages import ErrorPage, LoginOption, LoginPage, Step, StepField, Templates
from ._signing import FlowValue, Signer, valid_name

__all__ = ["SignedIn", "WebAuth"]

log = logging.getLogger("idpbridge.web")

_CALLBACKS = frozenset({"oidc/callback", "saml/acs"})


class SignedIn:
    """A finished sign-in, handed to your ``on_success``: ``authenticated`` (identity, tokens),
    the ``connector`` name and, for an organization flow, ``organization`` and ``federated``."""

    __slots__ = ("authenticated", "connector", "federated", "organization")

    def __init__(
        self, authenticated: Authenticated, connector: str, federated: FederatedIdentity | None = None
    ) -> None:
        self.authenticated = authenticated
        self.connector = connector
        self.federated = federated
        self.organization: Organization | None = federated.organization if federated else None

    def __repr__(self) -> str:
        return f"SignedIn(connector={self.connector!r}, identity={self.authenticated.identity!r})"


OnSuccess = Callable[[WebRequest, SignedIn], Awaitable[WebResponse] | WebResponse]


class WebAuth:
    """Sign-in routes for one or more connectors, mounted at ``base`` (e.g. ``"/auth"``).

    Args:
        connectors: the connectors offered, by name (``idpbridge.load(...)`` gives such a mapping).
        secret: at least 32 bytes; signs the flow carrier and the CSRF token. Give every worker the
            same one.
        on_success: ``(request, SignedIn) -> WebResponse`` (sync or async): create your session.
        base: the mount path of the routes (cookies are scoped to it).
        organizations: an :class:`idpbridge.orgs.Directory` for the ``/org`` routes.
        public_url: the scheme and host the browser sees, for callback URLs (default: the
            request's own).
        secure_cookies: ``Secure`` on every cookie (keep it on outside plain-http development).
        carrier: where a step's continuation travels: ``"cookie"`` (HttpOnly) or ``"form"``
            (a signed hidden field). Redirect flows always use the cookie.
        templates: page renderers (see :class:`~idpbridge.web.Templates`).
        listed: the connectors the sign-in page offers (default: all); the others still serve
            their callbacks, e.g. a SAML connector reached only through ``organizations``.
        cookie_prefix: names of the cookies (``<prefix>_flow``, ``<prefix>_csrf``).
    """

    def __init__(
        self,
        connectors: Mapping[str, Connector[Any]],
        *,
        secret: str | bytes | SecretStr,
        on_success: OnSuccess,
        base: str = "/auth",
        organizations: Directory | None = None,
        public_url: str | None = None,
        secure_cookies: bool = True,
        carrier: Literal["cookie", "form"] = "cookie",
        templates: Templates | None = None,
        listed: Sequence[str] | None = None,
        cookie_prefix: str = "idpb",
    ) -> None:
        if not base.startswith("/") or (base.endswith("/") and base != "/"):
            raise ConfigurationError("base must start with '/' and not end with one", field="base")
        if carrier not in ("cookie", "form"):
            raise ConfigurationError("carrier must be 'cookie' or 'form'", field="carrier")
        bad = [name for name in connectors if not valid_name(name)]
        if bad:
            raise ConfigurationError(f"connector names not usable in a URL: {bad!r}", field="connectors")
        self.connectors = dict(connectors)
        self.listed = tuple(self.connectors if listed is None else listed)
        if set(self.listed) - set(self.connectors):
            raise ConfigurationError("listed names a connector that is not given", field="listed")
        self.organizations = organizations
        self.base = "" if base == "/" else base
        self.public_url = public_url.rstrip("/") if public_url else None
        self.secure = secure_cookies
        self.carrier = carrier
        self.templates = templates or Templates()
        self._carrier = Carrier(
            Signer(secret), path=self.cookie_path, secure=secure_cookies, prefix=cookie_prefix
        )
        self._on_success = on_success

    def __repr__(self) -> str:
        return f"WebAuth(base={self.base!r}, connectors={list(self.connectors)!r})"

    @property
    def cookie_path(self) -> str:
        """The ``Path`` of every cookie: the mount path."""
        return self.base or "/"

    # -- dispatch -----------------------------------------------------------------------------------

    async def handle(self, request: WebRequest, subpath: str) -> WebResponse:
        """Answer ``request`` for the route ``subpath`` (the path below ``base``, no leading ``/``)."""
        route = subpath.strip("/")
        try:
            return await self._route(request, route)
        except IdpBridgeError as exc:
            return self._failure(request, route, exc)

    async def _route(self, request: WebRequest, route: str) -> WebResponse:
        if route == "login":
            return self._allow(request, "GET") or self.login_page(request)
        if route == "step":
            return self._allow(request, "POST") or await self._step(request)
        if route in ("org", "org/callback") and self.organizations is not None:
            if route == "org":
                return self._allow(request, "POST") or await self._org_start(request)
            return self._allow(request, "GET", "POST") or await self._org_finish(
                request, self._params(request)
            )
        name, _, action = route.partition("/")
        connector = self.connectors.get(name)
        methods = _METHODS.get(action)
        if (
            connector is None
            or methods is None
            or not _offers(connector, action, request.form.get("channel"))
        ):
            return self._not_found()
        if action not in _CALLBACKS and name not in self.listed:
            return self._not_found()
        if request.method not in methods:
            return self._not_allowed(*methods)
        if action == "saml/acs":
            return await self._acs(request, connector)
        if action not in _CALLBACKS:
            self._carrier.check_csrf(request)
        return await self._run(request, connector, self._request(request, name, action))

    def _request(self, request: WebRequest, name: str, action: str) -> Request:
        """The request a connector route makes of its form, query or flow cookie."""
        form = request.form
        if action == "password":
            return Password(form.get("username", ""), SecretStr(form.get("password", "")))
        if action == "otp":
            channel = OTPChannel.SMS if form.get("channel") == "sms" else OTPChannel.EMAIL
            return StartOTP(form.get("username", ""), channel)
        if action == "oidc":
            return StartOIDC(self._url(request, f"/{name}/oidc/callback"))
        if action == "oidc/callback":
            flow = self._carrier.load(request, kinds=frozenset({"oidc"}), connector=name)
            return FinishOIDC(self._params(request), flow.continuation)
        return StartSAML()

    # -- routes -------------------------------------------------------------------------------------

    def login_page(
        self, request: WebRequest, *, message: str | None = None, status: int = 200
    ) -> WebResponse:
        """The sign-in page (``GET /login``); sets a CSRF cookie when the browser has none."""
        hidden, cookie = self._carrier.csrf(request)
        options = tuple(
            LoginOption(name, getattr(c, "title", name), tuple(sorted(m.value for m in c.enabled_methods)))
            for name, c in self.connectors.items()
            if name in self.listed
        )
        page = LoginPage(
            self.base,
            options,
            hidden,
            organizations=self.organizations is not None,
            username=request.form.get("username", ""),
            message=message,
        )
        return WebResponse(status=status, body=self.templates.login(page), cookies=cookie)

    async def _step(self, request: WebRequest) -> WebResponse:
        self._carrier.check_csrf(request)
        raw = request.form.get("flow") if self.carrier == "form" else None
        flow = self._carrier.load(request, kinds=frozenset({"input", "code"}), value=raw)
        connector = self.connectors.get(flow.connector)
        if connector is None:
            raise FlowError("this sign-in belongs to a connector that is gone", code="flow.wrong_connector")
        answer: Request
        if flow.kind == "code":
            answer = VerifyOTP(SecretStr(request.form.get("code", "")), flow.continuation)
        else:
            values = {n: SecretStr(request.form.get(n, "")) for n in flow.fields}
            answer = Answer(flow.continuation, values)
        try:
            outcome = await connector.authenticate(answer)
        except InvalidCode as exc:
            if exc.continuation is None:
                raise
            retry = FlowValue(flow.kind, flow.connector, exc.continuation, flow.fields)
            return self._step_page(request, retry, http_error(exc), exc)
        return await self._outcome(request, connector.instance_name, outcome)

    async def _acs(self, request: WebRequest, connector: Connector[Any]) -> WebResponse:
        flow = self._carrier.load(request, kinds=frozenset({"saml", "org"}))
        if flow.kind == "org":
            return await self._org_finish(request, dict(request.form), flow)
        if flow.connector != connector.instance_name:
            raise FlowError("this sign-in belongs to another connector", code="flow.wrong_connector")
        response = request.form.get("SAMLResponse")
        if response is None:
            raise FlowError("the callback carries no SAMLResponse", code="flow.malformed")
        finish = FinishSAML(SecretStr(response), request.form.get("RelayState"), flow.continuation)
        return await self._run(request, connector, finish)

    async def _org_start(self, request: WebRequest) -> WebResponse:
        self._carrier.check_csrf(request)
        start = await self._directory().start(
            request.form.get("email", ""), redirect_uri=self._url(request, "/org/callback")
        )
        return self._redirect_flow(start.outcome, "org", "org")

    async def _org_finish(
        self, request: WebRequest, params: Mapping[str, Any], flow: FlowValue | None = None
    ) -> WebResponse:
        flow = flow or self._carrier.load(request, kinds=frozenset({"org"}))
        done = await self._directory().complete(params, flow.continuation)
        signed = SignedIn(done.authenticated, done.idp.connector, done)
        return await self._success(request, signed)

    def _directory(self) -> Directory:
        if self.organizations is None:
            raise FlowError("no organizations are configured", code="flow.wrong_method")
        return self.organizations

    # -- outcomes -----------------------------------------------------------------------------------

    async def _run(self, request: WebRequest, connector: Connector[Any], req: Request) -> WebResponse:
        return await self._outcome(request, connector.instance_name, await connector.authenticate(req))

    async def _outcome(self, request: WebRequest, name: str, outcome: Outcome) -> WebResponse:
        if isinstance(outcome, Authenticated):
            return await self._success(request, SignedIn(outcome, name))
        if isinstance(outcome, InputRequired | CodeSent):
            kind = "code" if isinstance(outcome, CodeSent) else "input"
            fields = outcome.field_names if isinstance(outcome, InputRequired) else ()
            return self._step_page(
                request, FlowValue(kind, name, outcome.continuation, fields), None, outcome
            )
        if isinstance(outcome, RedirectRequired):
            kind = "saml" if "SAMLRequest=" in outcome.url else "oidc"
            return self._redirect_flow(outcome, kind, name)
        if isinstance(outcome, PostRequired):
            response = WebResponse(body=outcome.html())
            response.cookies.append(
                self._carrier.cookie(FlowValue("saml", name, outcome.continuation), outcome)
            )
            return response
        raise ConfigurationError(f"the web routes cannot carry a {type(outcome).__name__} step")

    async def _success(self, request: WebRequest, signed: SignedIn) -> WebResponse:
        result = self._on_success(request, signed)
        response = await result if inspect.isawaitable(result) else result
        response.cookies.append(self._carrier.clear())
        return response

    def _redirect_flow(self, outcome: Any, kind: str, name: str) -> WebResponse:
        if isinstance(outcome, PostRequired):
            response = WebResponse(body=outcome.html())
        else:
            response = WebResponse.redirect(str(outcome.url))
        response.cookies.append(self._carrier.cookie(FlowValue(kind, name, outcome.continuation), outcome))
        return response

    def _step_page(
        self, request: WebRequest, flow: FlowValue, error: HttpError | None, outcome: Any
    ) -> WebResponse:
        hidden, cookies = self._carrier.csrf(request)
        if self.carrier == "form":
            hidden = {**hidden, "flow": self._carrier.dump(flow)}
        else:
            cookies.append(self._carrier.cookie(flow, outcome))
        if isinstance(outcome, InputRequired | CodeSent):
            step = Step.from_outcome(outcome, action=f"{self.base}/step", hidden=hidden)
        else:  # a retry after a wrong code: the same fields, a fresh continuation
            names = ("code",) if flow.kind == "code" else flow.fields
            fields = tuple(StepField(n, "One-time code", "text", "one-time-code", "numeric") for n in names)
            step = Step(flow.kind, "Try again", f"{self.base}/step", fields, hidden, dt.datetime.now(dt.UTC))
        if error is not None:
            step = dataclasses.replace(step, message=error.message)
        status = error.status if error is not None else 200
        return WebResponse(status=status, body=self.templates.step(step), cookies=cookies)

    # -- failures -----------------------------------------------------------------------------------

    def _failure(self, request: WebRequest, route: str, exc: IdpBridgeError) -> WebResponse:
        err = http_error(exc)
        if err.status >= 500:
            log.warning("idpbridge.web: %s on /%s: %s", type(exc).__name__, route, exc.code)
        if request.wants_json:
            response = WebResponse.json_body(err.json(), status=err.status)
        elif isinstance(exc, AuthenticationFailed | InvalidRequest) and route != "org/callback":
            response = self.login_page(request, message=err.message, status=err.status)
        else:
            cookies = self._carrier.csrf(request)[1]
            page = ErrorPage(err.status, err.code, err.message, f"{self.base}/login")
            response = WebResponse(status=err.status, body=self.templates.error(page), cookies=cookies)
        response.headers.update(err.headers)
        if not any(c.name == self._carrier.flow_cookie for c in response.cookies):
            response.cookies.append(self._carrier.clear())
        return response

    def _not_found(self) -> WebResponse:
        return WebResponse(status=404, body="Not Found", content_type="text/plain; charset=utf-8")

    @classmethod
    def _allow(cls, request: WebRequest, *methods: str) -> WebResponse | None:
        return None if request.method in methods else cls._not_allowed(*methods)

    @staticmethod
    def _not_allowed(*methods: str) -> WebResponse:
        return WebResponse(
            status=405, body="Method Not Allowed", content_type="text/plain; charset=utf-8",
            headers={"Allow": ", ".join(methods)},
        )  # fmt: skip

    # -- helpers ---------------------------------------------------------------------------------------

    def _url(self, request: WebRequest, suffix: str) -> str:
        return f"{self.public_url or request.base_url.rstrip('/')}{self.base}{suffix}"

    @staticmethod
    def _params(request: WebRequest) -> dict[str, Any]:
        return dict(request.form) if request.method == "POST" else dict(request.query)


#: The HTTP methods of each connector route.
_METHODS: dict[str, tuple[str, ...]] = {
    "password": ("POST",),
    "otp": ("POST",),
    "oidc": ("POST",),
    "oidc/callback": ("GET", "POST"),
    "saml": ("POST",),
    "saml/acs": ("POST",),
}
_ACTIONS = {
    "password": Method.PASSWORD,
    "oidc": Method.OIDC,
    "oidc/callback": Method.OIDC,
    "saml": Method.SAML,
}


def _offers(connector: Connector[Any], action: str, channel: str | None) -> bool:
    """Whether ``connector`` enables the method behind ``action`` (else the route is a 404)."""
    if action == "saml/acs":
        return True  # also ends organization flows, whose connector the flow names
    if action == "otp":
        method = Method.SMS_OTP if channel == "sms" else Method.EMAIL_OTP
    else:
        found = _ACTIONS.get(action)
        if found is None:
            return False
        method = found
    return method in connector.enabled_methods
