"""The Cognito connector.

* ``password``: ``InitiateAuth USER_PASSWORD_AUTH`` (+ SECRET_HASH). MFA challenges become an
  :class:`~idpbridge.InputRequired` (answer with :class:`~idpbridge.Answer`); a temporary password
  is :class:`~idpbridge.PasswordChangeRequired`; MFA enrolment is :class:`~idpbridge.MFARequired`.
* ``email_otp`` / ``sms_otp``: choice-based sign-in, ``InitiateAuth USER_AUTH`` with
  ``PREFERRED_CHALLENGE`` (answering ``SELECT_CHALLENGE`` when Cognito asks), then
  ``RespondToAuthChallenge`` with the code.
* ``oidc``: the Hosted UI through the generic OIDC engine (discovery at the pool issuer,
  endpoints on ``hosted_ui_domain``).

Cognito's ``Session`` handle only ever travels inside a sealed continuation (a
:class:`~idpbridge.kit.CodeStep`). Single use is Cognito's: each answer gets a fresh Session and
an old one is refused, so a wrong code leaves the step answerable. An ``AuthenticationResult`` is
an OAuth token response under other names, completed like any other (ID token validated against
the pool's JWKS: exact pool issuer, ``aud`` = client id, ``token_use`` = ``id``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from ...kit import (
    Answer,
    Authenticated,
    AuthenticationFailed,
    CheckResult,
    CodeSent,
    CodeStep,
    Continuation,
    FlowError,
    InputField,
    InvalidCode,
    InvalidCredentials,
    MalformedResponse,
    Method,
    MFARequired,
    OIDCConnector,
    Outcome,
    Password,
    PasswordChangeRequired,
    ProviderError,
    ProviderMetadata,
    StartOTP,
    TokenSet,
    TokenValidationError,
    VerifyOTP,
    check_code,
    check_token_type,
    run_checks,
    run_probes,
)
from .api import CognitoAPI
from .checks import api_probes
from .config import CognitoConfig
from .secret_hash import challenge_username, secret_hash_params
from .sheet import (
    CODE_CHALLENGES,
    FIRST_FACTOR,
    MFA_FACTORS,
    SELECTABLE_MFA,
    SHEET,
    TOKEN_RESULT_NAMES,
    UNSUPPORTED,
)

__all__ = ["CognitoConnector"]

_MAX_USERNAME = 128

#: A challenge answered with a code (its field and method are set per challenge in ``_step``).
CODE = CodeStep(flow="cognito-code", field=InputField("code", "otp"), what="a Cognito code challenge")
#: ``SELECT_MFA_TYPE``: the user picks one of the offered factors.
MFA_CHOICE = CodeStep(
    flow="cognito-mfa-choice", field=InputField("mfa_type", "choice", secret=False), what="an MFA choice"
)


def _clean(value: str) -> bool:
    return value.isprintable() and not any(c.isspace() for c in value)


def _username(value: str, refusal: str, *, also: bool = True) -> str:
    """``value`` if it can be a Cognito user name (and ``also`` holds), else ``InvalidCredentials``."""
    if not (also and 0 < len(value) <= _MAX_USERNAME and _clean(value)):
        raise InvalidCredentials(refusal, code="invalid_credentials")
    return value


class CognitoConnector(OIDCConnector):
    """Amazon Cognito user pools (see the module docstring)."""

    sheet = SHEET
    Config: ClassVar[type[CognitoConfig]] = CognitoConfig
    config: CognitoConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cfg, policy = self.config, self.config.http_policy()
        self.api = CognitoAPI(
            region=cfg.region,
            endpoint_url=cfg.endpoint_url,
            timeouts=policy.timeouts,
            retry=policy.retry,
            max_concurrency=cfg.max_concurrency,
            max_body=policy.max_body,
            use_fips_endpoint=cfg.use_fips_endpoint,
            prevent_user_existence_errors=cfg.prevent_user_existence_errors,
        )

    # -- data ------------------------------------------------------------------------------------

    def api_metadata(self) -> ProviderMetadata:
        """What the API flows need to validate tokens: no discovery round trip."""
        cfg = self.config
        return ProviderMetadata(
            issuer=cfg.issuer, authorization_endpoint=None, token_endpoint=None, jwks_uri=cfg.jwks_uri
        )

    # -- password, e-mail / SMS OTP, MFA answers ---------------------------------------------------

    async def password(self, request: Password) -> Outcome:
        """``USER_PASSWORD_AUTH``."""
        username, password = request.username, request.password.get_secret_value()
        _username(username, "incorrect username or password", also=bool(password))
        response = await self._initiate(
            "USER_PASSWORD_AUTH", username, {"USERNAME": username, "PASSWORD": password}
        )
        return await self._step(response, Method.PASSWORD, typed=username)

    async def start_otp(self, request: StartOTP) -> Outcome:
        """``USER_AUTH`` with ``PREFERRED_CHALLENGE``; answers ``SELECT_CHALLENGE`` if asked."""
        username = _username(request.username, "not a valid username")
        wanted = FIRST_FACTOR[request.channel]
        response = await self._initiate(
            "USER_AUTH", username, {"USERNAME": username, "PREFERRED_CHALLENGE": wanted}
        )
        if response.get("ChallengeName") == "SELECT_CHALLENGE":
            if wanted not in (response.get("AvailableChallenges") or []):
                raise AuthenticationFailed(
                    f"Cognito does not offer {wanted} to this user", code="otp_channel_unavailable"
                )
            user = challenge_username(response.get("ChallengeParameters") or {}, username)
            response = await self._respond("SELECT_CHALLENGE", _session(response), user, {"ANSWER": wanted})
        return await self._step(response, request.otp_method, typed=username)

    async def verify_otp(self, request: VerifyOTP, continuation: Continuation) -> Outcome:
        """Answer the ``EMAIL_OTP`` / ``SMS_OTP`` challenge with the code."""
        return await self._answer_code(continuation, {"code": request.code}, request.continuation)

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        """Answer an MFA step: ``code`` for a code challenge, ``mfa_type`` for ``SELECT_MFA_TYPE``."""
        if continuation.data.get("f") != MFA_CHOICE.flow:
            return await self._answer_code(continuation, request.values, request.continuation)
        data, choice = MFA_CHOICE.state(continuation.data, request.values)
        if choice not in SELECTABLE_MFA:
            raise FlowError("answer mfa_type with one of the offered MFA types", code="flow.bad_answer")
        await self.consume_continuation(continuation, message="this MFA choice was already answered")
        response = await self._respond("SELECT_MFA_TYPE", str(data["s"]), str(data["u"]), {"ANSWER": choice})
        return await self._step(response, Method(continuation.method), typed=str(data["t"]))

    async def _answer_code(self, cont: Continuation, values: Mapping[str, Any], token: SecretStr) -> Outcome:
        data, code = CODE.state(cont.data, values)
        method, spec = Method(cont.method), CODE_CHALLENGES[str(data["c"])]
        try:
            check_code(code if _clean(code) else "")
        except InvalidCode as exc:  # nothing was sent: the same continuation answers again
            exc.continuation = token
            raise
        # single use before anything is sent: a replayed answer never reaches Cognito
        await self.consume_continuation(cont, message="this code step was already answered")
        try:
            response = await self._respond(
                spec.name, str(data["s"]), str(data["u"]), {spec.response_key: code}
            )
        except InvalidCode as exc:
            # Cognito keeps the Session usable after a wrong code (until its attempt limit).
            exc.continuation, _ = self.seal(method, data)
            raise
        if response.get("ChallengeName") == spec.name:
            # Some pools answer a wrong code with the same challenge and a fresh Session.
            resealed, _ = self.seal(method, {**data, "s": _session(response)})
            raise InvalidCode("the code is wrong", continuation=resealed)
        return await self._step(response, method, typed=str(data["t"]))

    # -- API calls and responses -------------------------------------------------------------------

    async def _initiate(self, flow: str, username: str, params: Mapping[str, str]) -> dict[str, Any]:
        return await self.api.call(
            "initiate_auth",
            ClientId=self.config.client_id,
            AuthFlow=flow,
            AuthParameters={**params, **secret_hash_params(self.config, username)},
        )

    async def _respond(
        self, challenge: str, session: str, user: str, answers: Mapping[str, str]
    ) -> dict[str, Any]:
        return await self.api.call(
            "respond_to_auth_challenge",
            ClientId=self.config.client_id,
            ChallengeName=challenge,
            Session=session,
            ChallengeResponses={"USERNAME": user, **answers, **secret_hash_params(self.config, user)},
        )

    async def _step(self, response: Mapping[str, Any], method: Method, *, typed: str) -> Outcome:
        result = response.get("AuthenticationResult")
        if isinstance(result, Mapping) and result.get("IdToken"):
            check_token_type(result.get("TokenType"), source="Cognito's AuthenticationResult")
            if not isinstance(result.get("AccessToken"), str):
                raise MalformedResponse(
                    "Cognito sent an ID token without an access token", code="provider.malformed_response"
                )
            body = {name: result.get(key) for key, name in TOKEN_RESULT_NAMES.items()}
            return await self.engine.complete(self.api_metadata(), body, method=method, nonce=None)
        name = response.get("ChallengeName")
        if not isinstance(name, str):
            raise MalformedResponse(
                "Cognito sent neither tokens nor a challenge", code="provider.malformed_response"
            )
        params = response.get("ChallengeParameters") or {}
        if name == "NEW_PASSWORD_REQUIRED":
            raise PasswordChangeRequired("the user has a temporary password and must set a new one")
        if name == "MFA_SETUP":
            factors = tuple(MFA_FACTORS.get(f, f.lower()) for f in _json_list(params.get("MFAS_CAN_SETUP")))
            raise MFARequired(
                "the user must enrol an MFA factor first", code="mfa_setup_required", factors=factors
            )
        state = {"s": _session(response), "u": challenge_username(params, typed), "t": typed}
        if name == "SELECT_MFA_TYPE":
            choices = _json_list(params.get("MFAS_CAN_CHOOSE"))
            label = "one of: " + ", ".join(choices) if choices else None
            field = dataclasses.replace(MFA_CHOICE.field, label=label)
            return dataclasses.replace(MFA_CHOICE, field=field, method=method).ask(self.engine.steps, state)
        spec = CODE_CHALLENGES.get(name)
        if spec is None:
            why = UNSUPPORTED.get(name, "this challenge is not supported")
            raise ProviderError(f"Cognito asked for {name}: {why}", code="provider.unsupported_challenge")
        destination = params.get("CODE_DELIVERY_DESTINATION")
        destination = destination if isinstance(destination, str) and destination else None
        label = "code from your authenticator app" if spec.channel is None else None
        label = label or (f"code sent to {destination}" if destination else None)
        field = InputField("code", spec.kind, label=label)
        step = dataclasses.replace(CODE, field=field, method=method).ask(
            self.engine.steps, {**state, "c": name}
        )
        if spec.channel is not None and method in (Method.EMAIL_OTP, Method.SMS_OTP):
            return CodeSent(
                channel=spec.channel,
                destination=destination,
                continuation=step.continuation,
                expires_at=step.expires_at,
            )
        return step

    # -- refresh, lifecycle, checks ---------------------------------------------------------------

    async def refresh(
        self, refresh_token: str | SecretStr, *, subject: str | None = None, username: str | None = None
    ) -> TokenSet:
        """``REFRESH_TOKEN_AUTH``. The new ID token is validated and must keep ``subject``.

        ``username`` is needed when the app client has a secret: Cognito computes SECRET_HASH over
        the user's *internal* name, i.e. :attr:`Identity.username` (``cognito:username``).
        """
        rt = refresh_token.get_secret_value() if isinstance(refresh_token, SecretStr) else refresh_token
        if self.config.client_secret is not None and not username:
            raise ValueError("refresh() needs username= when the app client has a secret")
        response = await self._initiate("REFRESH_TOKEN_AUTH", username or "", {"REFRESH_TOKEN": rt})
        outcome = await self._step(response, Method.PASSWORD, typed=username or "")
        if not isinstance(outcome, Authenticated):
            raise MalformedResponse(
                "Cognito answered a refresh with a challenge", code="provider.malformed_response"
            )
        if subject is not None and outcome.identity.subject != subject:
            raise TokenValidationError("the refreshed ID token is for another user", code="token.subject")
        tokens = outcome.tokens
        return tokens if tokens.refresh_token else dataclasses.replace(tokens, refresh_token=SecretStr(rt))

    async def aclose(self) -> None:
        """Close the boto3 client and its worker threads, then the HTTP client."""
        await self.api.aclose()
        await super().aclose()

    async def probes(self) -> list[CheckResult]:
        """The API probes (:mod:`.checks`), then the OIDC engine's for the Hosted UI (``jwks`` aside)."""
        results = [CheckResult("configuration", True, "configuration is valid")]
        results += await run_probes(api_probes(self._initiate, self.config, self.http))
        if Method.OIDC in self.enabled_methods:
            results += [r for r in await run_checks(self) if r.name != "jwks"]
        return results


def _session(response: Mapping[str, Any]) -> str:
    session = response.get("Session")
    if not isinstance(session, str) or not session:
        raise MalformedResponse(
            "Cognito sent a challenge without a Session", code="provider.malformed_response"
        )
    return session


def _json_list(value: object) -> list[str]:
    try:
        items = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return []
    return [i for i in items if isinstance(i, str)] if isinstance(items, list) else []
