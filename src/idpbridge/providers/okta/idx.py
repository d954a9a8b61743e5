"""TOTP through the Okta Identity Engine: the Interaction Code flow and the IDX API
(``totp_flow = "idx"``; wire facts in :mod:`.sheet`; sources: https://github.com/okta/okta-idx-golang/blob/master/idx.go,
https://github.com/guardian/gateway/blob/main/docs/okta/idx/idx-api.md).

1. ``POST {authorization server}/v1/interact`` (PKCE S256, ``state``, ``nonce``) → an interaction
   handle; ``POST /idp/idx/introspect`` → the first IDX state.
2. Answer what the state's ``remediation`` asks, one request at a time: ``identify`` (username,
   and the password when the form wants it), ``select-authenticator-authenticate`` (the password,
   or a TOTP authenticator of ``totp_authenticators``), ``challenge-authenticator`` (the password
   or the code, in the credentials field the form names).
3. ``successWithInteractionCode`` → the token exchange (``grant_type=interaction_code`` with the
   PKCE verifier); the ID token must carry the nonce.

A value the caller has not given yet (the code after a ``Password``, the password after a
password-less ``TOTP``) becomes an :class:`~idpbridge.InputRequired` step whose single-use
continuation seals the ``stateHandle``, the PKCE verifier, the nonce and, if not yet used, the
password; ``Answer`` resumes with ``introspect`` on that handle. IDX ``messages`` are classified by
:data:`.errors.IDX_RULES`; remediations that cannot be answered are typed errors (enrolment needed,
expired password, locked account, an unsupported factor). Handles, codes and passwords go only
into request bodies to the configured org (every ``href`` is checked) and never into errors or logs.
The flow receives a :class:`~.direct.TotpContext` (the engine and the config), never the connector.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ...classify import classify
from ...kit import (
    TOTP_CODE,
    AccountLocked,
    Authenticated,
    CodeStep,
    Continuation,
    FlowError,
    IdpBridgeError,
    InputField,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    MalformedResponse,
    Method,
    MFARequired,
    Outcome,
    PasswordChangeRequired,
    ProviderError,
    ProviderMetadata,
    pkce_params,
    scope_string,
)
from . import idx_doc
from .direct import TOTP_FIELD, TotpContext
from .errors import IDX, IDX_RULES
from .sheet import (
    IDX_ACCEPT,
    IDX_CONTENT_TYPE,
    IDX_PATH,
    INTERACTION_CODE_GRANT,
    PASSWORD_AUTHENTICATOR,
    TOTP_AUTHENTICATORS,
    interact_url,
)

__all__ = ["FLOW", "PASSWORD_FIELD", "login", "new_nonce", "resume"]

#: Marks continuations sealed by this module (``/2``: the sign-in is sealed by field name; a step
#: sealed by an earlier version is refused as ``flow.wrong_method``).
FLOW = "okta-idx/2"
PASSWORD_FIELD = InputField("password", "password", secret=True, label="Password")
#: The two IDX steps (one sub-flow; the sealed ``k`` names the field asked for).
_STEPS = {
    field.name: CodeStep(FLOW, field, what="an Okta IDX step", pattern=pattern)
    for field, pattern in ((PASSWORD_FIELD, None), (TOTP_FIELD, TOTP_CODE))
}
_MAX_STEPS = 10
#: The :class:`_Login` fields sealed with a step (never the code; ``selected`` starts afresh).
_SEALED = ("username", "password", "password_used", "code_used", "identified", "verifier", "nonce", "issuer")


def new_nonce() -> str:
    """The ``nonce`` sent to ``/v1/interact`` (a seam for tests that mint the ID token)."""
    return secrets.token_urlsafe(24)


@dataclasses.dataclass(slots=True)
class _Login:
    """One IDX sign-in: what the caller gave, what is used up, and the values the end checks."""

    username: str
    password: str | None = dataclasses.field(repr=False)
    verifier: str = dataclasses.field(repr=False)
    nonce: str
    issuer: str
    code: str | None = dataclasses.field(default=None, repr=False)
    password_used: bool = False
    code_used: bool = False
    identified: bool = False
    selected: set[str] = dataclasses.field(default_factory=set)


async def login(ctx: TotpContext, username: str, password: str | None, code: str | None) -> Outcome:
    """Start an IDX sign-in with what the caller has (the code may come later, as may the password)."""
    if not username:
        raise InvalidCredentials("the username must not be empty", code="invalid_credentials")
    if code is not None:
        _STEPS[TOTP_FIELD.name].check(code)
    metadata, cfg = await ctx.engine.metadata(), ctx.config
    redirect = str(cfg.interaction_redirect_uri)
    form, verifier = pkce_params(
        cfg.client_id, scope_string(cfg.scopes), redirect_uri=redirect, nonce=new_nonce()
    )
    del form["response_type"]  # /v1/interact takes the rest of a code request
    state = _Login(username, password or None, verifier, form["nonce"], metadata.issuer, code)
    handle = await _interact(ctx, metadata, form)
    return await _run(ctx, metadata, state, {"interactionHandle": handle})


async def resume(ctx: TotpContext, continuation: Continuation, values: Mapping[str, Any]) -> Outcome:
    """``Answer`` to an IDX step: introspect the sealed ``stateHandle`` and go on. Single-use."""
    step = _STEPS.get(str(continuation.data.get("k")), _STEPS["totp"])
    data, answer = step.state(continuation.data, values)
    if (field := step.field) is TOTP_FIELD:
        step.check(answer)  # a malformed code is refused before the step is used up
    await ctx.engine.steps.consume_continuation(continuation)
    metadata = await ctx.engine.metadata()
    if metadata.issuer != data["issuer"]:
        raise FlowError("the IdP's issuer changed during the flow", code="flow.issuer_mismatch")
    answered = {"password" if field is PASSWORD_FIELD else "code": answer}
    state = _Login(**{name: data[name] for name in _SEALED} | answered)
    return await _run(ctx, metadata, state, {"stateHandle": str(data["sh"])})


# -- the remediation loop ------------------------------------------------------------------------


async def _run(
    ctx: TotpContext, metadata: ProviderMetadata, state: _Login, introspect: Mapping[str, str]
) -> Outcome:
    """Introspect (the interaction handle, or a sealed state handle), then answer each remediation."""
    doc = await _call(ctx, f"{ctx.config.base_url}{IDX_PATH}introspect", introspect, state, first=True)
    for _ in range(_MAX_STEPS):
        success = doc.get("successWithInteractionCode")
        if isinstance(success, Mapping):
            return await _exchange(ctx, metadata, state, success)
        message = idx_doc.message(doc, errors_only=True)
        if message is not None:
            raise _classify(message, status=None)
        handle = doc.get("stateHandle")
        if not isinstance(handle, str) or not handle:
            raise MalformedResponse("Okta's IDX answer has no stateHandle", code="provider.idx_response")
        step = _next(ctx, state, doc, handle)
        if isinstance(step, InputRequired):
            return step
        remediation, body = step
        doc = await _call(ctx, _href(ctx, remediation), {**body, "stateHandle": handle}, state)
    raise ProviderError("Okta's IDX flow did not finish", code="provider.idx_loop")


def _next(
    ctx: TotpContext, state: _Login, doc: Mapping[str, Any], handle: str
) -> InputRequired | tuple[Mapping[str, Any], dict[str, Any]]:
    """The remediation to answer and its body, an ``InputRequired`` step, or a typed error."""
    remediations = idx_doc.remediations(doc)
    if "identify" in remediations and not state.identified:
        rem = remediations["identify"]
        credentials = idx_doc.fields(rem).get("credentials")
        body = {} if credentials is None else _take(ctx, state, PASSWORD_FIELD, handle, credentials)
        if isinstance(body, InputRequired):
            return body
        state.identified = True
        return rem, {"identifier": state.username, **body}
    if "challenge-authenticator" in remediations:
        rem = remediations["challenge-authenticator"]
        key = idx_doc.current_key(doc)
        totp = key in ctx.config.totp_authenticators
        field = PASSWORD_FIELD if key == PASSWORD_AUTHENTICATOR else TOTP_FIELD if totp else None
        if field is None:
            raise MFARequired(
                "Okta asks for a second factor idpbridge cannot answer (only TOTP)",
                code="mfa_unsupported_factor",
                factors=(key,),
            )
        if state.password_used if field is PASSWORD_FIELD else state.code_used:
            raise _stuck(doc, remediations)
        body = _take(ctx, state, field, handle, idx_doc.fields(rem).get("credentials"))
        return body if isinstance(body, InputRequired) else (rem, body)
    if "select-authenticator-authenticate" in remediations:
        rem = remediations["select-authenticator-authenticate"]
        options = idx_doc.options(doc, rem)
        choice = _choose(ctx, state, options)
        if choice is None:
            if options and all(key in state.selected for key, _, _ in options):
                raise _stuck(doc, remediations)
            raise MFARequired(
                "Okta offers no authenticator idpbridge can answer (it answers a password and TOTP)",
                code="mfa_unsupported_factor",
                factors=_keys(options),
            )
        key, authenticator_id, method_type = choice
        state.selected.add(key)
        return rem, {"authenticator": {"id": authenticator_id, "methodType": method_type}}
    if "reenroll-authenticator" in remediations:
        raise PasswordChangeRequired(
            "the Okta password expired and must be changed", provider_code="reenroll"
        )
    if "select-authenticator-enroll" in remediations or "enroll-authenticator" in remediations:
        raise MFARequired(
            "the user has no TOTP authenticator enrolled at Okta (Okta asks to enrol one)",
            code="mfa_enrollment_required",
            factors=_keys(idx_doc.options(doc, remediations.get("select-authenticator-enroll"))),
        )
    if "unlock-account" in remediations and "identify" not in remediations:
        # A fallback: Identity Engine answers a locked user like a wrong password (okta-auth-js#1592).
        raise AccountLocked("the account is locked at Okta", provider_code="unlock-account")
    raise _stuck(doc, remediations)


def _keys(options: list[tuple[str, str, tuple[str, ...]]]) -> tuple[str, ...]:
    return tuple(sorted({key for key, _, _ in options}))


def _choose(
    ctx: TotpContext, state: _Login, options: list[tuple[str, str, tuple[str, ...]]]
) -> tuple[str, str, str] | None:
    by_key = {key: (auth_id, methods) for key, auth_id, methods in options if key not in state.selected}
    if state.password is not None and not state.password_used and PASSWORD_AUTHENTICATOR in by_key:
        authenticator_id, methods = by_key[PASSWORD_AUTHENTICATOR]
        return PASSWORD_AUTHENTICATOR, authenticator_id, methods[0] if methods else "password"
    for key in () if state.code_used else ctx.config.totp_authenticators:
        wanted = TOTP_AUTHENTICATORS[key]
        if key in by_key and (not by_key[key][1] or wanted in by_key[key][1]):
            return key, by_key[key][0], wanted
    return None


def _take(
    ctx: TotpContext, state: _Login, field: InputField, handle: str, credentials: Any
) -> dict[str, Any] | InputRequired:
    """The ``credentials`` body with the password or the code (now used up), or the step asking for it."""
    value = state.password if field is PASSWORD_FIELD else state.code
    if value is None:
        return _ask(ctx, state, field, handle)
    if field is PASSWORD_FIELD:
        state.password, state.password_used = None, True
    else:
        state.code_used = True
    return {"credentials": {idx_doc.credential_field(credentials): value}}


def _ask(ctx: TotpContext, state: _Login, field: InputField, handle: str) -> InputRequired:
    sealed = {name: getattr(state, name) for name in _SEALED}
    return _STEPS[field.name].ask(ctx.engine.steps, {**sealed, "k": field.name, "sh": handle})


async def _exchange(
    ctx: TotpContext, metadata: ProviderMetadata, state: _Login, success: Mapping[str, Any]
) -> Authenticated:
    code = idx_doc.fields(success).get("interaction_code", {}).get("value")
    if not isinstance(code, str) or not code:
        raise MalformedResponse("Okta's IDX success has no interaction_code", code="provider.idx_response")
    params = {"interaction_code": code, "code_verifier": state.verifier}
    method = Method.TOTP if state.code_used else Method.PASSWORD
    return await ctx.engine.grant(metadata, INTERACTION_CODE_GRANT, params, method=method, nonce=state.nonce)


# -- HTTP ------------------------------------------------------------------------------------------


async def _interact(ctx: TotpContext, metadata: ProviderMetadata, form: dict[str, str]) -> str:
    if ctx.config.client_secret is not None:  # okta-auth-js sends it for confidential apps
        form["client_secret"] = ctx.config.client_secret.get_secret_value()
    response, doc = await ctx.engine.send("POST", interact_url(metadata.issuer), data=form)
    if not 200 <= response.status < 300:
        raise ctx.engine.oauth(metadata).error(response, doc, context="interact")
    handle = doc.get("interaction_handle") if doc is not None else None
    if not isinstance(handle, str) or not handle:
        raise MalformedResponse(
            "Okta's /v1/interact gave no interaction_handle", code="provider.idx_response"
        )
    return handle


async def _call(
    ctx: TotpContext, url: str, body: Mapping[str, Any], state: _Login, *, first: bool = False
) -> dict[str, Any]:
    """POST one IDX request; the IDX state, or the classified error (never retried)."""
    headers = {"content-type": IDX_ACCEPT if first else IDX_CONTENT_TYPE, "accept": IDX_ACCEPT}
    response, doc = await ctx.engine.send("POST", url, json_body=body, headers=headers)
    if 200 <= response.status < 300:
        if doc is None:
            raise MalformedResponse("Okta's IDX answer is not a JSON object", status=response.status)
        return doc
    message = idx_doc.message(doc, errors_only=False)
    error = _classify(message, status=response.status, retry_after=response.retry_after())
    if isinstance(error, InvalidCode) and doc is not None and isinstance(doc.get("stateHandle"), str):
        # The challenge is re-offered with the (new) state handle: another try needs no restart.
        state.code_used = False
        error.continuation = _ask(ctx, state, TOTP_FIELD, doc["stateHandle"]).continuation
    raise error


def _classify(message: tuple[str | None, str | None] | None, **status: Any) -> IdpBridgeError:
    """An IDX message classified by :data:`.errors.IDX_RULES` (``status``: HTTP status, retry_after)."""
    key, text = message or (None, None)
    return classify(IDX_RULES, error=None, provider_code=key, description=text, context=IDX, **status)


def _href(ctx: TotpContext, remediation: Mapping[str, Any]) -> str:
    """The remediation's ``href``, only when it is an IDX endpoint of the configured org."""
    href = remediation.get("href")
    base = urlsplit(ctx.config.base_url)
    target = urlsplit(href) if isinstance(href, str) else None
    if (
        target is None
        or (target.scheme, target.netloc) != (base.scheme, base.netloc)
        or not target.path.startswith(IDX_PATH)
        or target.query
        or target.fragment
        or str(remediation.get("method", "POST")).upper() != "POST"
    ):
        raise MalformedResponse(
            "an IDX remediation points outside the Okta org's IDX API", code="provider.idx_response"
        )
    return str(href)


def _stuck(doc: Mapping[str, Any], remediations: Mapping[str, Any]) -> IdpBridgeError:
    """Nothing idpbridge can answer: an INFO message says why (unknown user, …), else name the steps."""
    message = idx_doc.message(doc, errors_only=False)
    if message is not None:
        return _classify(message, status=None)
    names = (
        ", ".join(sorted(n for n in remediations if re.fullmatch(r"[a-z][a-z0-9-]{0,63}", n))) or "nothing"
    )
    return ProviderError(
        f"Okta's IDX flow asks for {names}, which idpbridge cannot answer", code="provider.idx_unsupported"
    )
