"""The Acme connector: configuration, password login with an optional TOTP step, health check."""

from __future__ import annotations

from typing import Any, ClassVar

from idpbridge.kit import (
    AccountDisabled,
    AccountLocked,
    Answer,
    Authenticated,
    AuthenticationFailed,
    CheckResult,
    ClaimSource,
    Connector,
    ConnectorConfig,
    Continuation,
    Identity,
    InputField,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    Method,
    Outcome,
    Password,
    PasswordChangeRequired,
    ProviderError,
    ProviderSheet,
    Response,
    TokenSet,
    opt_str,
    str_list,
    strict_bool,
    timed_probe,
)
from pydantic import SecretStr

from . import SHEET


class AcmeConfig(ConnectorConfig):
    """Settings of one Acme directory."""

    sheet: ClassVar[ProviderSheet | None] = SHEET  # supported methods come from the sheet
    endpoint_names: ClassVar[frozenset[str]] = frozenset({"login", "mfa", "health"})

    domain: str
    api_key: SecretStr

    def url(self, endpoint: str) -> str:
        """The URL of ``endpoint``, honouring ``endpoints`` overrides."""
        return self.endpoints.get(endpoint, f"https://{self.domain}/api/{endpoint}")


# Acme's "error" field -> the idpbridge error to raise.
ERRORS: dict[str, type[AuthenticationFailed]] = {
    "invalid_credentials": InvalidCredentials,
    "unknown_user": InvalidCredentials,  # Acme tells; we do not tell attackers
    "locked": AccountLocked,
    "disabled": AccountDisabled,
    "password_expired": PasswordChangeRequired,
    "invalid_code": InvalidCode,
}


class AcmeConnector(Connector[AcmeConfig]):
    """Password logins against an Acme directory."""

    sheet = SHEET  # name, title and methods come from the sheet
    Config = AcmeConfig

    async def password(self, request: Password) -> Outcome:
        data = await self._post(
            "login", {"username": request.username, "password": request.password.get_secret_value()}
        )
        if data.get("error") == "mfa_required":
            # Acme wants a TOTP code. Seal its MFA handle into a continuation: the caller gets
            # an opaque, encrypted token and hands it back with the code in an Answer.
            token, expires_at = self.seal(Method.PASSWORD, {"mfa_token": data["mfa_token"]})
            return InputRequired(
                fields=(InputField("code", "totp", label="Authenticator code"),),
                continuation=token,
                expires_at=expires_at,
            )
        return self._authenticated(data)

    async def answer(self, request: Answer, continuation: Continuation) -> Outcome:
        code = request.values.get("code")
        if code is None:
            raise InvalidCode("the answer has no 'code' value")
        # A step is used once: a replayed continuation raises FlowError("flow.reused").
        await self.consume_continuation(continuation)
        data = await self._post(
            "mfa", {"mfa_token": continuation.data["mfa_token"], "code": code.get_secret_value()}
        )
        return self._authenticated(data)

    async def _post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = await self.http.post(
            self.config.url(endpoint),
            json_body=body,
            headers={"x-api-key": self.config.api_key.get_secret_value()},
        )
        if resp.status == 200:
            return resp.json()
        if resp.status in (400, 401, 403):
            data = resp.json()
            error = data.get("error")
            if error == "mfa_required" and isinstance(data.get("mfa_token"), str):
                return data
            if isinstance(error, str) and error in ERRORS:
                raise ERRORS[error]("Acme refused the login", provider_code=error)
        raise self._unexpected(resp)

    @staticmethod
    def _unexpected(resp: Response) -> ProviderError:
        return ProviderError(
            f"unexpected Acme answer (HTTP {resp.status})", status=resp.status, excerpt=resp.excerpt()
        )

    def _authenticated(self, data: dict[str, Any]) -> Authenticated:
        user = data.get("user")
        if not isinstance(user, dict) or not opt_str(user.get("id")):
            raise ProviderError("Acme's answer has no user id")
        identity = Identity(
            provider=self.name,
            connector=self.instance_name,
            issuer=f"https://{self.config.domain}",
            subject=user["id"],
            email=opt_str(user.get("email")),
            email_verified=strict_bool(user.get("email_verified")),
            username=opt_str(user.get("login")),
            name=opt_str(user.get("display_name")),
            groups=str_list(user.get("groups")) or (),
            claims=user,
            sources=dict.fromkeys(user, ClaimSource.PROVIDER_API),
        )
        return Authenticated(identity=identity, tokens=TokenSet(), method=Method.PASSWORD, userinfo=user)

    async def probes(self) -> list[CheckResult]:
        async def health() -> tuple[bool, str]:
            resp = await self.http.get(self.config.url("health"))
            return resp.status == 200, f"HTTP {resp.status}"

        return [*await super().probes(), await timed_probe("health", health)]
