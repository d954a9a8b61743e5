"""The OAuth 2.0 client side of the token and revocation endpoints.

* Client authentication: ``client_secret_basic``, ``client_secret_post``, ``client_secret_jwt``,
  ``private_key_jwt`` (RFC 7523, see :mod:`.assertion`) or ``none`` for a public client — exactly
  one per request (RFC 6749 §2.3), chosen by configuration or, when unset, from the IdP's
  ``token_endpoint_auth_methods_supported``.
* Token requests are credential submissions: sent with :meth:`HttpClient.post
  <idpbridge.http.HttpClient.post>`, never replayed once they may have reached the IdP.
* A 200 answer carrying ``error`` is an error; error answers are classified through an
  :class:`~idpbridge.classify.ErrorRule` table.
* A success must carry ``access_token`` and ``token_type`` ``Bearer`` (any case): a missing or
  other ``token_type`` is :class:`~idpbridge.MalformedResponse` ``provider.token_type``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import SecretStr

from ..classify import ErrorInfo, ErrorRule, classify
from ..errors import ConfigurationError, IdpBridgeError, MalformedResponse
from ..http import HttpClient, Response, parse_json_object, redact_url
from ..sheet import oauth_error
from .assertion import ASSERTION_TYPE, AssertionSigner

__all__ = [
    "AUTH_METHODS",
    "AuthMethod",
    "ClientCredentials",
    "ErrorHook",
    "ErrorInfo",
    "ErrorParser",
    "OAuthClient",
    "check_token_type",
    "choose_auth_method",
    "classify_response",
    "error_body",
    "oauth_error",
]

AuthMethod = Literal[
    "client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"
]
AUTH_METHODS: tuple[AuthMethod, ...] = (
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
)
_JWT_METHODS = ("client_secret_jwt", "private_key_jwt")


@dataclasses.dataclass(frozen=True, slots=True, repr=False)
class ClientCredentials:
    """Who we are at the IdP and how we prove it.

    ``signer`` mints the client assertions of ``client_secret_jwt`` / ``private_key_jwt``;
    ``assertion_audience`` is their ``aud`` (the token endpoint URL unless configured otherwise).
    """

    client_id: str
    client_secret: SecretStr | None
    method: AuthMethod
    signer: AssertionSigner | None = None
    assertion_audience: str | None = None

    def __post_init__(self) -> None:
        if self.method not in AUTH_METHODS:
            raise ConfigurationError(
                f"unsupported client authentication method {self.method!r}",
                field="token_endpoint_auth_method",
            )
        if self.method in _JWT_METHODS:
            if self.signer is None or self.signer.method != self.method or not self.assertion_audience:
                raise ConfigurationError(
                    f"{self.method} needs a signing key and an assertion audience",
                    field="client_assertion_key",
                    code="config.missing_secret",
                )
            return
        if self.method != "none" and not (self.client_secret and self.client_secret.get_secret_value()):
            raise ConfigurationError(
                f"{self.method} needs a client_secret", field="client_secret", code="config.missing_secret"
            )

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, method={self.method!r})"

    def apply(self, form: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, str] | None]:
        """The form and HTTP Basic credentials for one request, using exactly one method.

        A JWT method adds a fresh single-use ``client_assertion`` each call.
        """
        data = dict(form)
        for key in ("client_id", "client_secret", "client_assertion", "client_assertion_type"):
            data.pop(key, None)
        secret = self.client_secret.get_secret_value() if self.client_secret else ""
        if self.method == "client_secret_basic":
            return data, (self.client_id, secret)
        data["client_id"] = self.client_id
        if self.method == "client_secret_post":
            data["client_secret"] = secret
        elif self.signer is not None and self.assertion_audience:
            data["client_assertion_type"] = ASSERTION_TYPE
            data["client_assertion"] = self.signer.assertion(self.assertion_audience)
        return data, None


def choose_auth_method(
    configured: AuthMethod | None, supported: Sequence[str], *, has_secret: bool, has_key: bool = False
) -> AuthMethod:
    """The client authentication method to use.

    The configured one wins. Otherwise a client with a private key uses ``private_key_jwt``
    (when the IdP lists it, or lists nothing); a client without a secret is public (``none``);
    a confidential one prefers ``client_secret_basic`` (the RFC 8414 default when the IdP lists
    nothing), then ``client_secret_post``, then ``client_secret_jwt``.
    """
    if configured is not None:
        return configured
    if has_key and (not supported or "private_key_jwt" in supported):
        return "private_key_jwt"
    if not has_secret:
        if has_key:
            raise ConfigurationError(
                f"the IdP does not list private_key_jwt (it lists: {', '.join(supported)[:200]}); "
                "set token_endpoint_auth_method",
                field="token_endpoint_auth_method",
            )
        return "none"
    if not supported or "client_secret_basic" in supported:
        return "client_secret_basic"
    if "client_secret_post" in supported:
        return "client_secret_post"
    if "client_secret_jwt" in supported:
        return "client_secret_jwt"
    raise ConfigurationError(
        "the IdP supports none of client_secret_basic, client_secret_post, client_secret_jwt "
        f"(it lists: {', '.join(supported)[:200]}); set token_endpoint_auth_method",
        field="token_endpoint_auth_method",
    )


ErrorParser = Callable[[Mapping[str, Any]], ErrorInfo]
#: Refines a classified error using the raw error body (e.g. seals an Auth0/Okta ``mfa_token``).
ErrorHook = Callable[[IdpBridgeError, Mapping[str, Any]], IdpBridgeError]


class OAuthClient:
    """Token-endpoint and revocation requests for one client.

    Args:
        http: the connector's HTTP client.
        credentials: client id, secret and authentication method.
        rules: the error table (provider rules first, then the standard ones).
        error_parser: extracts ``error``/description/provider code from an error body.
    """

    def __init__(
        self,
        http: HttpClient,
        credentials: ClientCredentials,
        *,
        rules: Sequence[ErrorRule],
        error_parser: ErrorParser = oauth_error,
    ) -> None:
        self.http = http
        self.credentials = credentials
        self.rules = tuple(rules)
        self.error_parser = error_parser

    def __repr__(self) -> str:
        return f"OAuthClient(client_id={self.credentials.client_id!r}, method={self.credentials.method!r})"

    async def token(
        self,
        token_endpoint: str,
        grant_type: str,
        params: Mapping[str, str],
        *,
        context: str | None = None,
        on_error: ErrorHook | None = None,
    ) -> dict[str, Any]:
        """POST a token request; return the validated JSON success body.

        ``context`` (default: the grant type) selects context-specific error rules, e.g.
        ``invalid_grant`` is wrong credentials for ``password`` but a spent code for
        ``authorization_code``. ``on_error`` may refine the classified error from the raw body.
        429 and 5xx answers are classified too (their bodies can say more than the status).
        """
        context = context or grant_type
        form, auth = self.credentials.apply({"grant_type": grant_type, **params})
        response = await self.http.post(token_endpoint, data=form, auth=auth, return_errors=True)
        body = self._body(response, context=context, on_error=on_error)
        _check_token_response(body, url=response.url)
        return body

    async def revoke(self, endpoint: str, token: str, *, token_type_hint: str | None = None) -> None:
        """RFC 7009 revocation. Success is any 2xx; an unknown token is success too."""
        form: dict[str, str] = {"token": token}
        if token_type_hint:
            form["token_type_hint"] = token_type_hint
        data, auth = self.credentials.apply(form)
        response = await self.http.post(endpoint, data=data, auth=auth, return_errors=True)
        if 200 <= response.status < 300:
            return
        raise self.error(response, error_body(response), context="revocation")

    def _body(self, response: Response, *, context: str, on_error: ErrorHook | None) -> dict[str, Any]:
        if 200 <= response.status < 300:
            body = response.json()
            if "error" in body:  # 200-with-error is an error (GitHub and others do this)
                raise self.error(response, body, context=context, on_error=on_error)
            return body
        raise self.error(response, error_body(response), context=context, on_error=on_error)

    def error(
        self,
        response: Response,
        body: Mapping[str, Any] | None,
        *,
        context: str | None,
        on_error: ErrorHook | None = None,
    ) -> IdpBridgeError:
        """The classified error for an error answer (refined by ``on_error`` when there is a body)."""
        info = self.error_parser(body) if body is not None else ErrorInfo()
        error = classify_response(self.rules, info, response, context=context)
        return on_error(error, body) if on_error is not None and body is not None else error


def classify_response(
    rules: Sequence[ErrorRule], info: ErrorInfo, response: Response, *, context: str | None
) -> IdpBridgeError:
    """:func:`~idpbridge.classify.classify` an error answer: its parsed fields, status, ``Retry-After``."""
    return classify(
        rules,
        error=info.error,
        description=info.description,
        provider_code=info.provider_code,
        status=response.status,
        context=context,
        retry_after=response.retry_after(),
    )


def error_body(response: Response) -> dict[str, Any] | None:
    """An error answer's body as a JSON object when it is one, whatever its content type; else ``None``."""
    if not response.body.lstrip().startswith(b"{"):
        return None
    try:
        return parse_json_object(response.body, status=response.status)
    except MalformedResponse:
        return None


def _check_token_response(body: Mapping[str, Any], *, url: str) -> None:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise _malformed(url, "has no access_token")
    token_type = body.get("token_type")
    if not (isinstance(token_type, str) and token_type.lower() == "bearer"):  # message built on failure only
        check_token_type(token_type, source=f"token response from {redact_url(url)}")
    for name in ("id_token", "refresh_token"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise _malformed(url, f"has a malformed {name}")


def check_token_type(token_type: object, *, source: str) -> None:
    """Require ``token_type`` ``Bearer`` (case-insensitive, RFC 6749 §5.1 and §7.1).

    Every token response must carry ``token_type`` (RFC 6749 §5.1 makes it REQUIRED); we send
    no DPoP proof, so any other type is not one we can use. Raises
    :class:`~idpbridge.MalformedResponse` with code ``provider.token_type``; ``source`` names
    the response in the message.
    """
    if isinstance(token_type, str) and token_type.lower() == "bearer":
        return
    if token_type is None:
        what = "has no token_type"
    else:
        shown = token_type[:20] if isinstance(token_type, str) else type(token_type).__name__
        what = f"has unsupported token_type {shown!r} (expected Bearer)"
    raise MalformedResponse(f"{source} {what}", code="provider.token_type")


def _malformed(url: str, what: str) -> MalformedResponse:
    return MalformedResponse(f"token response from {redact_url(url)} {what}", code="provider.token_response")
