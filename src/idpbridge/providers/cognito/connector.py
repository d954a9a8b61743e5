"""The Cognito connector.

* ``password``: ``InitiateAuth USER_PASSWORD_AUTH`` (+ SECRET_HASH). MFA challenges become an
  :class:`~idpbridge.InputRequired` (answer with :class:`~idpbridge.Answer`); a temporary password
  is :class:`~idpbridge.PasswordChangeRequired`; MFA enrolment is :class:`~idpbridge.MFARequired`.
* ``email_otp`` / ``sms_otp``: choice-based sign-in, ``InitiateAuth USER_AUTH`` with
  ``PREFERRED_CHALLENGE`` (answering ``SELECT_CHALLENGE`` when Cognito asks), then
  ``RespondToAuthChallenge`` with the code.
* ``oidc``: the Hosted UI through the generic OIDC engine (discovery at the pool issuer,
  endpoints on ``hosted_ui_domain``).

Cognito's ``Session`` handle only ever travels inside a sealed continuation. ID tokens are
validated by the OIDC engine's :class:`~idpbridge.oidc.TokenValidator` (exact pool issuer,
``aud`` = client id, ``token_use`` = ``id``) against the pool's JWKS.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from ...connector import CheckResult
from ...continuation import Continuation
from ...errors import (
    AuthenticationFailed,
    FlowError,
    InvalidCode,
    InvalidCredentials,
    MalformedResponse,
    MFARequired,
    PasswordChangeRequired,
    ProviderError,
    TokenValidationError,
)
from ...identity import ClaimSource, Identity, TokenSet
from ...methods import Answer, Method, Password, StartOTP, VerifyOTP
from ...oidc.claims import merge_claims
from ...oidc.client import check_token_type
from ...oidc.connector import OIDCConnector
from ...oidc.issuer import ExactIssuer, IssuerPolicy
from ...oidc.metadata import ProviderMetadata
from ...outcomes import Authenticated, CodeSent, InputField, InputRequired, Outcome
from .api import CognitoAPI
from .challenges import CODE_CHALLENGES, FIRST_FACTOR, MFA_FACTORS, SELECTABLE_MFA, UNSUPPORTED
from .claims import CLAIMS, ID_TOKEN_CHECKS
from .config import CognitoConfig
from .secret_hash import challenge_username, secret_hash

__all__ = ["CognitoConnector"]

_MAX_USERNAME = 128
_MAX_CODE = 64


def _clean(value: str) -> bool:
    return value.isprintable() and not any(c.isspace() for c in value)


class CognitoConnector(OIDCConnector):
    """Amazon Cognito user pools (see the module docstring)."""

    name: ClassVar[str] = "cognito"
    title: ClassVar[str] = "Amazon Cognito"
    methods: ClassVar[frozenset[Method]] = frozenset(
        {Method.PASSWORD, Method.EMAIL_OTP, Method.SMS_OTP, Method.OIDC}
    )
    Config: ClassVar[type[CognitoConfig]] = CognitoConfig
    claim_map = CLAIMS
    token_checks = ID_TOKEN_CHECKS

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

    def hosted_ui_endpoints(self) -> dict[str, str]:
        """The Hosted UI's OAuth endpoints on ``hosted_ui_domain`` (``userInfo`` has a capital I)."""
        base = self.config.hosted_ui_domain
        if base is None:
            return {}
        return {
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "token_endpoint": f"{base}/oauth2/token",
            "userinfo_endpoint": f"{base}/oauth2/userInfo",
            "revocation_endpoint": f"{base}/oauth2/revoke",
        }

    def issuer_policy(self) -> IssuerPolicy:
        """Exactly the pool issuer; its documents are fetched from :attr:`CognitoConfig.keys_base`
        (the issuer itself, unless ``endpoint_url`` points elsewhere)."""
        return ExactIssuer(self.config.issuer, discovery_issuer=self.config.keys_base)

    async def metadata(self) -> ProviderMetadata:
        """Discovery at the pool issuer; OAuth endpoints on the Hosted UI domain; the pool JWKS."""
        cfg = self.config
        overrides = {
            **self.hosted_ui_endpoints(),
            "jwks_uri": cfg.jwks_uri,
            **{k: v for k, v in cfg.endpoints.items() if k != "discovery"},
        }
        return await self.discovery.get(
            cfg.issuer, url=cfg.discovery_url, overrides=overrides, expected_issuer=cfg.issuer
        )

    def api_metadata(self) -> ProviderMetadata:
        """What the API flows need to validate tokens: no discovery round trip."""
        return ProviderMetadata(
            issuer=self.config.issuer,
            authorization_endpoint=None,
            token_endpoint=None,
            jwks_uri=self.config.jwks_uri,
        )

    def make_identity(
        self, claims: Mapping[str, Any], sources: Mapping[str, ClaimSource], issuer: str
    ) -> Identity:
        """The engine's mapping with :data:`~.claims.CLAIMS`; ``tenant`` is the user pool id."""
        return dataclasses.replace(
            super().make_identity(claims, sources, issuer), tenant=self.config.user_pool_id
        )

    def secret_hash_params(self, username: str) -> dict[str, str]:
        """``{"SECRET_HASH": …}`` for ``username`` when the app client has a secret, else ``{}``."""
        secret = self.config.client_secret
        return {} if secret is None else {"SECRET_HASH": secret_hash(username, self.config.client_id, secret)}

    # -- password ---------------------------------------------------------------------------------

    async def password(self, request: Password) -> Outcome:
        """``USER_PASSWORD_AUTH``."""
        username, password = request.username, request.password.get_secret_value()
        if not (0 < len(username) <= _MAX_USERNAME and _clean(username)) or not password:
            raise InvalidCredentials("incorrect username or password", code="invalid_credentials")
        response = await self.api.initiate_auth(
            ClientId=self.config.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password, **self.secret_hash_params(username)},
        )
        return await self._step(response, Method.PASSWORD, typed=username)

    # -- e-mail / SMS OTP -------------------------------------------------------------------------

    async def start_otp(self, request: StartOTP) -> Outcome:
        """``USER_AUTH`` with ``PREFERRED_CHALLENGE``; answers ``SELECT_CHALLENGE`` if asked."""
        username, method = request.username, request.otp_method
        if not (0 < len(username) <= _MAX_USERNAME and _clean(username)):
            raise InvalidCredentials("not a valid username", code="invalid_credentials")
        wanted = FIRST_FACTOR[request.channel]
        response = await self.api.initiate_auth(
            ClientId=self.config.client_id,
            AuthFlow="USER_AUTH",
            AuthParameters={
                "USERNAME": username,
                "PREFERRED_CHALLENGE": wanted,
                **self.secret_hash_params(username),
            },
        )
        if response.get("ChallengeName") == "SELECT_CHALLENGE":
            available = response.get("AvailableChallenges") or []
            if wanted not in available:
                raise AuthenticationFailed(
                    f"Cognito does not offer {wanted} to this user", code="otp_channel_unavailable"
                )
            user = challenge_username(response.get("ChallengeParameters") or {}, username)
            response = await self.api.respond_to_auth_challenge(
                ClientId=self.config.client_id,
                ChallengeName="SELECT_CHALLENGE",
                Session=self._session(response),
                ChallengeResponses={"USERNAME": user, "ANSWER": wanted, **self.secret_hash_params(user)},
            )
        return await self._step(response, method, typed=username)

    async def verify_otp(self, request: VerifyOTP, continuation: Continuation) -> Outcome:
        """Answer the ``EMAIL_OTP`` / ``SMS_OTP`` challenge with the code."""
        return await self._answer_code(continuation, request.code, request.continuation)

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        """Answer an MFA step: ``code`` for a code challenge, ``mfa_type`` for ``SELECT_MFA_TYPE``."""
        challenge = str(continuation.data.get("c"))
        if challenge == "SELECT_MFA_TYPE":
            choice = request.values.get("mfa_type")
            value = choice.get_secret_value() if choice is not None else ""
            if value not in SELECTABLE_MFA:
                raise FlowError("answer mfa_type with one of the offered MFA types", code="flow.bad_answer")
            data = continuation.data
            response = await self.api.respond_to_auth_challenge(
                ClientId=self.config.client_id,
                ChallengeName=challenge,
                Session=str(data["s"]),
                ChallengeResponses={
                    "USERNAME": str(data["u"]),
                    "ANSWER": value,
                    **self.secret_hash_params(str(data["u"])),
                },
            )
            return await self._step(response, Method(continuation.method), typed=str(data["t"]))
        code = request.values.get("code")
        if code is None:
            raise FlowError("this step needs a value for 'code'", code="flow.bad_answer")
        return await self._answer_code(continuation, code, request.continuation)

    async def _answer_code(self, cont: Continuation, code: SecretStr, token: SecretStr) -> Outcome:
        data, method = cont.data, Method(cont.method)
        spec = CODE_CHALLENGES.get(str(data.get("c")))
        if spec is None:
            raise FlowError("this continuation does not expect a code", code="flow.wrong_method")
        value = code.get_secret_value()
        if not (0 < len(value) <= _MAX_CODE and _clean(value)):
            raise InvalidCode("the code is not well formed", continuation=token.get_secret_value())
        user = str(data["u"])
        try:
            response = await self.api.respond_to_auth_challenge(
                ClientId=self.config.client_id,
                ChallengeName=spec.name,
                Session=str(data["s"]),
                ChallengeResponses={
                    "USERNAME": user,
                    spec.response_key: value,
                    **self.secret_hash_params(user),
                },
            )
        except InvalidCode as exc:
            # Cognito keeps the Session usable after a wrong code (until its attempt limit).
            exc.continuation, _ = self.seal(method, data)
            raise
        if response.get("ChallengeName") == spec.name:
            # Some pools answer a wrong code with the same challenge and a fresh Session.
            token_, _ = self.seal(method, {**data, "s": self._session(response)})
            raise InvalidCode("the code is wrong", continuation=token_)
        return await self._step(response, method, typed=str(data["t"]))

    # -- one response, whatever it is --------------------------------------------------------------

    @staticmethod
    def _session(response: Mapping[str, Any]) -> str:
        session = response.get("Session")
        if not isinstance(session, str) or not session:
            raise MalformedResponse(
                "Cognito sent a challenge without a Session", code="provider.malformed_response"
            )
        return session

    async def _step(self, response: Mapping[str, Any], method: Method, *, typed: str) -> Outcome:
        result = response.get("AuthenticationResult")
        if isinstance(result, Mapping) and result.get("IdToken"):
            return await self._authenticated_api(result, method)
        name = response.get("ChallengeName")
        if not isinstance(name, str):
            raise MalformedResponse(
                "Cognito sent neither tokens nor a challenge", code="provider.malformed_response"
            )
        params = response.get("ChallengeParameters") or {}
        user = challenge_username(params, typed)
        if name == "NEW_PASSWORD_REQUIRED":
            raise PasswordChangeRequired("the user has a temporary password and must set a new one")
        if name in ("MFA_SETUP", "SELECT_MFA_TYPE"):
            key = "MFAS_CAN_SETUP" if name == "MFA_SETUP" else "MFAS_CAN_CHOOSE"
            factors = tuple(MFA_FACTORS.get(f, f.lower()) for f in _json_list(params.get(key)))
            if name == "MFA_SETUP":
                raise MFARequired(
                    "the user must enrol an MFA factor first", code="mfa_setup_required", factors=factors
                )
        spec = CODE_CHALLENGES.get(name)
        if spec is None and name != "SELECT_MFA_TYPE":
            why = UNSUPPORTED.get(name, "this challenge is not supported")
            raise ProviderError(f"Cognito asked for {name}: {why}", code="provider.unsupported_challenge")
        state = {"c": name, "s": self._session(response), "u": user, "t": typed}
        token, expires_at = self.seal(method, state)
        if spec is not None and spec.channel is not None and method in (Method.EMAIL_OTP, Method.SMS_OTP):
            destination = params.get("CODE_DELIVERY_DESTINATION")
            return CodeSent(
                channel=spec.channel,
                destination=destination if isinstance(destination, str) and destination else None,
                continuation=token,
                expires_at=expires_at,
            )
        if spec is None:  # SELECT_MFA_TYPE
            choices = _json_list(params.get("MFAS_CAN_CHOOSE"))
            label = "one of: " + ", ".join(choices) if choices else None
            field = InputField("mfa_type", "choice", secret=False, label=label)
        else:
            field = InputField("code", spec.kind, label=_code_label(spec.channel, params))
        return InputRequired(fields=(field,), continuation=token, expires_at=expires_at)

    async def _authenticated_api(self, result: Mapping[str, Any], method: Method) -> Authenticated:
        metadata = self.api_metadata()
        check_token_type(result.get("TokenType"), source="Cognito's AuthenticationResult")
        id_token, access_token = str(result["IdToken"]), result.get("AccessToken")
        validated = await self.validator.validate(
            id_token,
            self.token_policy(metadata),
            jwks_uri=metadata.jwks_uri,
            access_token=access_token if isinstance(access_token, str) else None,
        )
        claims, sources = merge_claims((ClaimSource.ID_TOKEN, validated.claims))
        body = {
            "id_token": id_token,
            "access_token": access_token,
            "refresh_token": result.get("RefreshToken"),
            "token_type": result.get("TokenType"),
            "expires_in": result.get("ExpiresIn"),
        }
        return Authenticated(
            identity=self.make_identity(claims, sources, str(validated.claims["iss"])),
            tokens=TokenSet.from_response(body, now=dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC)),
            method=method,
        )

    # -- refresh, lifecycle, checks ---------------------------------------------------------------

    async def refresh(
        self, refresh_token: str | SecretStr, *, subject: str | None = None, username: str | None = None
    ) -> TokenSet:
        """``REFRESH_TOKEN_AUTH``. The new ID token is validated and must keep ``subject``.

        ``username`` is needed when the app client has a secret: Cognito computes SECRET_HASH over
        the user's *internal* name, i.e. :attr:`Identity.username` (``cognito:username``).
        """
        rt = refresh_token.get_secret_value() if isinstance(refresh_token, SecretStr) else refresh_token
        params = {"REFRESH_TOKEN": rt}
        if self.config.client_secret is not None:
            if not username:
                raise ValueError("refresh() needs username= when the app client has a secret")
            params.update(self.secret_hash_params(username))
        response = await self.api.initiate_auth(
            ClientId=self.config.client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=params
        )
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
        from .checks import run_cognito_checks

        return await run_cognito_checks(self)


def _json_list(value: object) -> list[str]:
    if not isinstance(value, str):
        return []
    try:
        items = json.loads(value)
    except ValueError:
        return []
    return [i for i in items if isinstance(i, str)] if isinstance(items, list) else []


def _code_label(channel: object, params: Mapping[str, Any]) -> str | None:
    destination = params.get("CODE_DELIVERY_DESTINATION")
    if channel is None:
        return "code from your authenticator app"
    if isinstance(destination, str) and destination:
        return f"code sent to {destination}"
    return None
