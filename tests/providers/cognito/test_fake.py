"""Choice-based sign-in (USER_AUTH: e-mail/SMS OTP) and MFA challenges against the Cognito
emulator, driven through the real boto3 client over HTTP (nothing patched)."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable
from typing import Any

import boto3.session
import botocore
import botocore.config
import pytest
from botocore.exceptions import ClientError
from pydantic import SecretStr

from idpbridge import (
    AccountDisabled,
    Answer,
    Authenticated,
    AuthenticationFailed,
    CodeSent,
    ConfigurationError,
    ExpiredCode,
    FlowError,
    InputRequired,
    InvalidCode,
    InvalidCredentials,
    MFARequired,
    OTPChannel,
    Password,
    PasswordChangeRequired,
    StartOTP,
    UserNotConfirmed,
    UserNotFound,
    VerifyOTP,
)
from idpbridge.providers.cognito.connector import CognitoConnector
from idpbridge.providers.cognito.secret_hash import secret_hash
from idpbridge.sandbox.cognito import Client, FakeCognito, Pool, User, totp_code

from .conftest import Clock

Make = Callable[..., CognitoConnector]
EMAIL = "jane@example.com"
PHONE = "+15555550100"
TOTP_SECRET = base64.b32encode(b"0123456789abcdef0123").decode().rstrip("=")


@dataclasses.dataclass
class Setup:
    fake: FakeCognito
    pool: Pool
    client: Client
    user: User

    def config(self, **extra: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "region": self.pool.region,
            "user_pool_id": self.pool.pool_id,
            "client_id": self.client.client_id,
            "endpoint_url": self.fake.endpoint_url,
            "methods": ["password", "email_otp", "sms_otp"],
        }
        if self.client.secret:
            fields["client_secret"] = self.client.secret
        fields.update(extra)
        return fields

    def last_code(self, channel: str) -> str:
        messages = [m for m in self.fake.outbox if m.channel == channel]
        assert messages, f"nothing sent by {channel}"
        return messages[-1].code


@pytest.fixture
def setup(fake: FakeCognito) -> Callable[..., Setup]:
    """A fresh e-mail-as-username pool with a secret client and one user (internal name = UUID)."""

    def make(
        *, client: dict[str, Any] | None = None, pool: dict[str, Any] | None = None, **user: Any
    ) -> Setup:
        p = fake.state.add_pool(username_attributes=("email",), **(pool or {}))
        c = fake.state.add_client(p, **(client or {}))
        attrs = {
            "email": EMAIL,
            "email_verified": "true",
            "phone_number": PHONE,
            "phone_number_verified": "true",
            "name": "Jane Doe",
            "custom:tier": "gold",
        }
        u = fake.state.add_user(p, EMAIL, password="Passw0rd!", attributes=attrs, groups=["staff"], **user)
        return Setup(fake, p, c, u)

    return make


# -- e-mail and SMS OTP -------------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "medium"), [(OTPChannel.EMAIL, "EMAIL"), (OTPChannel.SMS, "SMS")])
async def test_otp_success(
    setup: Callable[..., Setup], make_connector: Make, channel: OTPChannel, medium: str
) -> None:
    s = setup()
    conn = make_connector(**s.config())

    sent = await conn.authenticate(StartOTP(EMAIL, channel))

    assert isinstance(sent, CodeSent)
    assert sent.channel is channel
    assert sent.destination == ("j***@e***" if medium == "EMAIL" else "+*******0100")
    done = await conn.authenticate(VerifyOTP(s.last_code(medium), sent.continuation))
    assert isinstance(done, Authenticated)
    assert done.method.value == channel.method.value
    who = done.identity
    assert who.subject == s.user.sub
    assert who.username == s.user.username  # the internal name, not the e-mail alias
    assert (who.email, who.email_verified) == (EMAIL, True)
    assert (who.phone_number, who.phone_number_verified) == (PHONE, True)
    assert who.groups == ("staff",)
    assert who.claims["custom:tier"] == "gold"


async def test_alias_sign_in_answers_with_the_internal_username(setup: Callable[..., Setup]) -> None:
    """The emulator is strict about SECRET_HASH after alias sign-in (so the test above can fail)."""
    s = setup()
    idp = boto3.session.Session().client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=s.fake.endpoint_url,
        config=botocore.config.Config(signature_version=botocore.UNSIGNED),
    )
    assert s.client.secret is not None
    secret = SecretStr(s.client.secret)
    r = idp.initiate_auth(
        ClientId=s.client.client_id,
        AuthFlow="USER_AUTH",
        AuthParameters={
            "USERNAME": EMAIL,
            "PREFERRED_CHALLENGE": "EMAIL_OTP",
            "SECRET_HASH": secret_hash(EMAIL, s.client.client_id, secret),
        },
    )
    with pytest.raises(ClientError) as info:
        idp.respond_to_auth_challenge(
            ClientId=s.client.client_id,
            ChallengeName="EMAIL_OTP",
            Session=r["Session"],
            ChallengeResponses={
                "USERNAME": EMAIL,
                "EMAIL_OTP_CODE": s.last_code("EMAIL"),
                "SECRET_HASH": secret_hash(EMAIL, s.client.client_id, secret),
            },
        )
    assert "Unable to verify secret hash" in info.value.response["Error"]["Message"]


async def test_wrong_code_then_right_code(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup()
    conn = make_connector(**s.config())
    sent = await conn.authenticate(StartOTP(EMAIL, OTPChannel.EMAIL))
    assert isinstance(sent, CodeSent)
    code = s.last_code("EMAIL")
    wrong = "000000" if code != "000000" else "111111"

    with pytest.raises(InvalidCode) as info:
        await conn.authenticate(VerifyOTP(wrong, sent.continuation))
    assert info.value.provider_code == "CodeMismatchException"
    assert info.value.continuation is not None
    assert info.value.continuation != sent.continuation.get_secret_value()

    done = await conn.authenticate(VerifyOTP(code, info.value.continuation))
    assert isinstance(done, Authenticated)
    # The old continuation was claimed when it was answered: a replay is refused before any call.
    with pytest.raises(FlowError) as replay:
        await conn.authenticate(VerifyOTP(code, sent.continuation))
    assert replay.value.code == "flow.reused"


async def test_malformed_code_is_refused_without_a_call(
    setup: Callable[..., Setup], make_connector: Make
) -> None:
    s = setup()
    conn = make_connector(**s.config())
    sent = await conn.authenticate(StartOTP(EMAIL, OTPChannel.EMAIL))
    assert isinstance(sent, CodeSent)
    with pytest.raises(InvalidCode) as info:
        await conn.authenticate(VerifyOTP("12 34", sent.continuation))
    assert info.value.provider_code is None
    done = await conn.authenticate(VerifyOTP(s.last_code("EMAIL"), info.value.continuation or ""))
    assert isinstance(done, Authenticated)


async def test_expired_session(setup: Callable[..., Setup], make_connector: Make, fake_clock: Clock) -> None:
    s = setup()
    conn = make_connector(**s.config())
    sent = await conn.authenticate(StartOTP(EMAIL, OTPChannel.SMS))
    assert isinstance(sent, CodeSent)
    fake_clock.advance(181)  # Cognito's auth session lasts 3 minutes here
    with pytest.raises(ExpiredCode) as info:
        await conn.authenticate(VerifyOTP(s.last_code("SMS"), sent.continuation))
    assert info.value.provider_code == "NotAuthorizedException"


async def test_select_challenge(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup(client={"honour_preferred_challenge": False})
    conn = make_connector(**s.config())
    sent = await conn.authenticate(StartOTP(EMAIL, OTPChannel.SMS))
    assert isinstance(sent, CodeSent)
    assert sent.channel is OTPChannel.SMS
    done = await conn.authenticate(VerifyOTP(s.last_code("SMS"), sent.continuation))
    assert isinstance(done, Authenticated)


async def test_channel_the_user_cannot_receive(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup()
    s.user.attributes["phone_number_verified"] = "false"
    with pytest.raises(AuthenticationFailed) as info:
        await make_connector(**s.config()).authenticate(StartOTP(EMAIL, OTPChannel.SMS))
    assert info.value.code == "otp_channel_unavailable"
    assert not s.fake.outbox


async def test_unknown_user_with_user_existence_errors_prevented(
    setup: Callable[..., Setup], make_connector: Make
) -> None:
    """ENABLED: Cognito simulates the flow; the failure shows only at the code step."""
    s = setup()
    conn = make_connector(**s.config())
    sent = await conn.authenticate(StartOTP("ghost@example.com", OTPChannel.EMAIL))
    assert isinstance(sent, CodeSent)
    assert sent.destination
    assert not s.fake.outbox
    with pytest.raises(InvalidCode):
        await conn.authenticate(VerifyOTP("123456", sent.continuation))


@pytest.mark.parametrize(("hide", "expected"), [(False, UserNotFound), (True, InvalidCredentials)])
async def test_unknown_user_with_legacy_errors(
    setup: Callable[..., Setup], make_connector: Make, hide: bool, expected: type[Exception]
) -> None:
    s = setup(client={"prevent_user_existence_errors": "LEGACY"})
    conn = make_connector(**s.config(prevent_user_existence_errors=hide))
    with pytest.raises(expected) as info:
        await conn.authenticate(StartOTP("ghost@example.com", OTPChannel.EMAIL))
    assert type(info.value) is expected


async def test_disabled_and_unconfirmed_users(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup()
    conn = make_connector(**s.config())
    s.user.enabled = False
    with pytest.raises(AccountDisabled):
        await conn.authenticate(StartOTP(EMAIL, OTPChannel.EMAIL))
    s.user.enabled, s.user.status = True, "UNCONFIRMED"
    with pytest.raises(UserNotConfirmed):
        await conn.authenticate(StartOTP(EMAIL, OTPChannel.EMAIL))


async def test_wrong_or_missing_client_secret(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup()
    wrong = make_connector(**s.config(client_secret="x" * 40))
    with pytest.raises(ConfigurationError) as info:
        await wrong.authenticate(StartOTP(EMAIL, OTPChannel.EMAIL))
    assert info.value.code == "config.secret_hash"
    fields = s.config()
    del fields["client_secret"]
    with pytest.raises(ConfigurationError) as info:
        await make_connector(**fields).authenticate(Password(EMAIL, "Passw0rd!"))
    assert info.value.code == "config.secret_hash"


async def test_flow_not_enabled(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup(client={"flows": frozenset({"ALLOW_USER_PASSWORD_AUTH"})})
    with pytest.raises(ConfigurationError) as info:
        await make_connector(**s.config()).authenticate(StartOTP(EMAIL, OTPChannel.EMAIL))
    assert info.value.code == "config.flow_not_enabled"
    assert "flow not enabled" in info.value.message


async def test_continuation_is_bound_to_the_otp_method(
    setup: Callable[..., Setup], make_connector: Make
) -> None:
    s = setup(mfa="SOFTWARE_TOKEN_MFA", totp_secret=TOTP_SECRET)
    conn = make_connector(**s.config())
    step = await conn.authenticate(Password(EMAIL, "Passw0rd!"))
    assert isinstance(step, InputRequired)
    with pytest.raises(FlowError):
        await conn.authenticate(VerifyOTP("123456", step.continuation))


# -- password with MFA challenges (the alias subtlety: answers use USER_ID_FOR_SRP) -------------


async def test_password_then_totp(
    setup: Callable[..., Setup], make_connector: Make, fake_clock: Clock
) -> None:
    s = setup(mfa="SOFTWARE_TOKEN_MFA", totp_secret=TOTP_SECRET)
    conn = make_connector(**s.config())
    step = await conn.authenticate(Password(EMAIL, "Passw0rd!"))
    assert isinstance(step, InputRequired)
    assert step.field_names == ("code",)
    assert step.fields[0].kind == "totp"
    done = await conn.authenticate(Answer(step.continuation, {"code": totp_code(TOTP_SECRET, fake_clock())}))
    assert isinstance(done, Authenticated)
    assert done.identity.subject == s.user.sub


async def test_password_then_sms_mfa(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup(mfa="SMS_MFA")
    conn = make_connector(**s.config())
    step = await conn.authenticate(Password(EMAIL, "Passw0rd!"))
    assert isinstance(step, InputRequired)
    assert step.fields[0].kind == "otp"
    assert step.fields[0].label == "code sent to +*******0100"
    done = await conn.authenticate(Answer(step.continuation, {"code": s.last_code("SMS")}))
    assert isinstance(done, Authenticated)


async def test_password_then_email_otp_as_mfa(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup(mfa="EMAIL_OTP")
    conn = make_connector(**s.config())
    step = await conn.authenticate(Password(EMAIL, "Passw0rd!"))
    assert isinstance(step, InputRequired)  # after a password, EMAIL_OTP is a second factor
    done = await conn.authenticate(Answer(step.continuation, {"code": s.last_code("EMAIL")}))
    assert isinstance(done, Authenticated)


async def test_select_mfa_type(setup: Callable[..., Setup], make_connector: Make, fake_clock: Clock) -> None:
    s = setup(mfa="SELECT", totp_secret=TOTP_SECRET)
    conn = make_connector(**s.config())
    choose = await conn.authenticate(Password(EMAIL, "Passw0rd!"))
    assert isinstance(choose, InputRequired)
    assert choose.fields[0].name == "mfa_type"
    assert choose.fields[0].secret is False
    with pytest.raises(FlowError):
        await conn.authenticate(Answer(choose.continuation, {"mfa_type": "CARRIER_PIGEON"}))
    step = await conn.authenticate(Answer(choose.continuation, {"mfa_type": "SOFTWARE_TOKEN_MFA"}))
    assert isinstance(step, InputRequired)
    done = await conn.authenticate(Answer(step.continuation, {"code": totp_code(TOTP_SECRET, fake_clock())}))
    assert isinstance(done, Authenticated)


async def test_mfa_setup_is_a_typed_error(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup(pool={"mfa_required": True})
    with pytest.raises(MFARequired) as info:
        await make_connector(**s.config()).authenticate(Password(EMAIL, "Passw0rd!"))
    assert info.value.code == "mfa_setup_required"
    assert info.value.factors == ("totp",)


async def test_new_password_required(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup(status="FORCE_CHANGE_PASSWORD")
    with pytest.raises(PasswordChangeRequired):
        await make_connector(**s.config()).authenticate(Password(EMAIL, "Passw0rd!"))


async def test_reset_required(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup(status="RESET_REQUIRED")
    with pytest.raises(PasswordChangeRequired) as info:
        await make_connector(**s.config()).authenticate(Password(EMAIL, "Passw0rd!"))
    assert info.value.code == "password_reset_required"


async def test_client_without_secret(setup: Callable[..., Setup], make_connector: Make) -> None:
    s = setup(client={"secret": False})
    result = await make_connector(**s.config()).authenticate(Password(EMAIL, "Passw0rd!"))
    assert isinstance(result, Authenticated)


def test_sync_facade(setup: Callable[..., Setup], keys: Any) -> None:
    s = setup()
    with CognitoConnector(s.config(), continuation_keys=keys).sync() as conn:
        sent = conn.authenticate(StartOTP(EMAIL, OTPChannel.EMAIL))
        assert isinstance(sent, CodeSent)
        done = conn.authenticate(VerifyOTP(s.last_code("EMAIL"), sent.continuation))
        assert isinstance(done, Authenticated)
        assert done.identity.subject == s.user.sub
