"""Cognito error classification: a data table from ``__type`` (and, where Cognito overloads
``NotAuthorizedException``, the message) to the idpbridge error tree.

Sources: the botocore service model (declared errors per operation),
https://github.com/boto/botocore/blob/develop/botocore/data/cognito-idp/2016-04-18/service-2.json;
moto's messages, https://github.com/getmoto/moto/blob/master/moto/cognitoidp/models.py; and
``PreventUserExistenceErrors``,
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html.
The first matching rule wins (:func:`idpbridge.classify.classify`).

Only errors the model declares for ``InitiateAuth``, ``RespondToAuthChallenge`` and ``GetUser``
have a row (``tests/providers/cognito/test_model.py``): ``LimitExceededException``,
``TooManyFailedAttemptsException`` and ``CodeDeliveryFailureException`` belong to other operations.

Rules with a fixed ``message`` never show Cognito's text: for credential errors that text is
useless or unsafe (moto echoes the submitted SECRET_HASH as the message). Rules without one show
Cognito's sanitized message, because it tells an operator what to fix (a disabled flow, a Lambda
trigger's error).
"""

from __future__ import annotations

from ...classify import classify, sourced
from ...kit import (
    AccountDisabled,
    AccountLocked,
    ConfigurationError,
    ErrorRule,
    ExceptionRule,
    ExceptionTable,
    ExpiredCode,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    PasswordChangeRequired,
    PluginError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UserNotConfirmed,
    UserNotFound,
)

__all__ = ["BOTOCORE", "HIDE_USER_EXISTENCE", "MODEL", "RULES", "classify_cognito"]

#: The service model boto3 installs: every ``__type`` below is an error shape it declares
#: (``tests/providers/cognito/test_model.py`` checks it).
MODEL = "vendor:boto/botocore@1.43.11:botocore/data/cognito-idp/2016-04-18/service-2.json"
#: moto's Cognito backend, whose messages are the ones AWS answers with.
_MOTO = "vendor:getmoto/moto@5.2.5:moto/cognitoidp/exceptions.py"

_NA = "NotAuthorizedException"


def _na(
    contains: str | None, raises: type[IdpBridgeError], message: str | None, code: str | None = None
) -> ErrorRule:
    return ErrorRule(
        provider_code=_NA,
        description_contains=contains,
        raises=raises,
        message=message,
        code=code,
        source=f"{MODEL} ; {_MOTO}",
    )


def _on(
    error_type: str, raises: type[IdpBridgeError], message: str | None = None, code: str | None = None
) -> ErrorRule:
    return ErrorRule(provider_code=error_type, raises=raises, message=message, code=code)


RULES: tuple[ErrorRule, ...] = (
    # NotAuthorizedException is overloaded: the message tells the cases apart.
    _na("Incorrect username or password", InvalidCredentials, "incorrect username or password"),
    ErrorRule(
        provider_code=_NA,
        description_contains="Password attempts exceeded",
        raises=AccountLocked,
        message="too many failed sign-in attempts; try later",
        source="doc:https://docs.aws.amazon.com/cognito/latest/developerguide/authentication.html",
    ),
    _na("User is disabled", AccountDisabled, "the user is disabled"),
    _na(
        "Unable to verify secret hash",
        ConfigurationError,
        "SECRET_HASH rejected: check client_secret",
        "config.secret_hash",
    ),
    _na(
        "SECRET_HASH was not received",
        ConfigurationError,
        "the app client has a secret: set client_secret",
        "config.secret_hash",
    ),
    _na("Invalid session", ExpiredCode, "the sign-in session expired; start again"),
    _na(
        "Refresh Token",
        InvalidCredentials,
        "the refresh token is expired or revoked",
        "refresh_token_invalid",
    ),
    ErrorRule(
        provider_code=_NA,
        description_contains="flow not enabled",
        raises=ConfigurationError,
        code="config.flow_not_enabled",
        source="UNCONFIRMED[cognito.flow-not-enabled] the message text; only Cognito emulators print it",
    ),
    _na(None, InvalidCredentials, "not authorized"),
    _on("UserNotFoundException", UserNotFound, "the user does not exist"),
    _on("UserNotConfirmedException", UserNotConfirmed, "the user has not confirmed the account"),
    _on(
        "PasswordResetRequiredException",
        PasswordChangeRequired,
        "the password must be reset",
        "password_reset_required",
    ),
    _on("TooManyRequestsException", RateLimited, "Cognito is throttling requests"),
    _on("CodeMismatchException", InvalidCode, "the code is wrong"),
    _on("ExpiredCodeException", ExpiredCode, "the code expired; request a new one"),
    # Client or pool misconfiguration: Cognito's message says what to fix.
    ErrorRule(
        provider_code="InvalidParameterException",
        description_contains="flow not enabled",
        raises=ConfigurationError,
        code="config.flow_not_enabled",
        source="UNCONFIRMED[cognito.flow-not-enabled] the message text; only Cognito emulators print it",
    ),
    _on("InvalidParameterException", ConfigurationError, code="config.invalid_parameter"),
    _on(
        "ResourceNotFoundException",
        ConfigurationError,
        "unknown app client or user pool",
        "config.unknown_client",
    ),
    _on("UnsupportedOperationException", ConfigurationError, code="config.unsupported"),
    _on("OperationNotEnabledException", ConfigurationError, code="config.unsupported"),
    _on("FeatureUnavailableInTierException", ConfigurationError, code="config.unsupported"),
    _on("InvalidUserPoolConfigurationException", ConfigurationError, code="config.user_pool"),
    _on("InvalidSmsRoleAccessPolicyException", ConfigurationError, code="config.user_pool"),
    _on("InvalidSmsRoleTrustRelationshipException", ConfigurationError, code="config.user_pool"),
    _on("InvalidEmailRoleAccessPolicyException", ConfigurationError, code="config.user_pool"),
    # Lambda triggers: their text may carry a business reason.
    _on("UserLambdaValidationException", ProviderError, code="provider.lambda"),
    _on("UnexpectedLambdaException", ProviderError, code="provider.lambda"),
    _on("InvalidLambdaResponseException", ProviderError, code="provider.lambda"),
    _on("ForbiddenException", ProviderError, "Cognito refused the request (AWS WAF)", "provider.forbidden"),
    _on("InternalErrorException", ProviderUnavailable, "Cognito had an internal error"),
)
RULES = sourced(MODEL, RULES)

#: Prepended when the app client hides user existence (``PreventUserExistenceErrors=ENABLED``):
#: an unknown user is then indistinguishable from a wrong password.
HIDE_USER_EXISTENCE: tuple[ErrorRule, ...] = (
    ErrorRule(
        provider_code="UserNotFoundException",
        raises=InvalidCredentials,
        message="incorrect username or password",
        source="doc:https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html",
    ),
)


def classify_cognito(
    error_type: str, message: str | None, *, status: int | None, prevent_user_existence_errors: bool
) -> IdpBridgeError:
    """The idpbridge error for a Cognito error document (returned, not raised)."""
    rules = HIDE_USER_EXISTENCE + RULES if prevent_user_existence_errors else RULES
    return classify(
        rules, error=error_type or None, description=message, status=status, provider_code=error_type
    )


_INSTALL = 'pip install "idpbridge[cognito]"'

#: botocore's own failures (a Cognito error answer, ``ClientError``, goes through :data:`RULES`).
#: For the retry policy, a connection that never came up is ``unsent``; a read timeout or a
#: dropped connection may have reached Cognito.
BOTOCORE = ExceptionTable(
    "botocore.exceptions",
    rules=(
        # botocore's report may quote parameter values: keep only which parameters.
        ExceptionRule(
            names=("ParamValidationError",),
            raises=ConfigurationError,
            message="botocore refused the request parameters",
            code="config.invalid_parameter",
        ),
        ExceptionRule(
            names=("ConnectTimeoutError", "ReadTimeoutError"),
            raises=ProviderUnavailable,
            message="timed out talking to Cognito ({name})",
            code="provider.timeout",
        ),
        ExceptionRule(
            names=("BotoCoreError",), raises=ProviderUnavailable, message="cannot reach Cognito: {name}"
        ),
        ExceptionRule(
            names=("builtins.ImportError",),
            raises=PluginError,
            message=f"the cognito connector needs boto3: {_INSTALL}",
            code="plugin.unavailable",
            extra={"install_hint": _INSTALL},
        ),
    ),
    transport={
        "EndpointConnectionError": "unsent",
        "ConnectTimeoutError": "unsent",
        "ReadTimeoutError": "transport",
        "ConnectionClosedError": "transport",
    },
)
