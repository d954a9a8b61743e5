"""idpbridge — authenticate users against a legacy identity provider and migrate them.

The public surface is everything in ``__all__``; modules whose names start with ``_`` are
private.
"""

from ._api import Connectors, connect, load
from ._version import PLUGIN_API_VERSION, __version__
from .config import ConnectorConfig, TimeoutSettings
from .connector import CheckReport, CheckResult, Connector, SyncConnector
from .continuation import Continuation, ContinuationKeys
from .errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ConfigurationError,
    ConsentRequired,
    ExpiredCode,
    FailureReason,
    FlowError,
    IdpBridgeError,
    InvalidCode,
    InvalidCredentials,
    MalformedResponse,
    MFARequired,
    PasswordChangeRequired,
    PluginError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TokenValidationError,
    UserCancelled,
    UserNotConfirmed,
    UserNotFound,
)
from .identity import ClaimSource, Identity, TokenSet
from .methods import (
    TOTP,
    Answer,
    ExternalToken,
    FinishOIDC,
    Method,
    OTPChannel,
    Password,
    Request,
    StartOIDC,
    StartOTP,
    VerifyOTP,
)
from .outcomes import Authenticated, CodeSent, InputField, InputRequired, Outcome, RedirectRequired
from .registry import ConnectorInfo, ConnectorPlugin, Registry

__all__ = [
    "PLUGIN_API_VERSION",
    "TOTP",
    "AccountDisabled",
    "AccountLocked",
    "Answer",
    "Authenticated",
    "AuthenticationFailed",
    "CheckReport",
    "CheckResult",
    "ClaimSource",
    "CodeSent",
    "ConfigurationError",
    "Connector",
    "ConnectorConfig",
    "ConnectorInfo",
    "ConnectorPlugin",
    "Connectors",
    "ConsentRequired",
    "Continuation",
    "ContinuationKeys",
    "ExpiredCode",
    "ExternalToken",
    "FailureReason",
    "FinishOIDC",
    "FlowError",
    "Identity",
    "IdpBridgeError",
    "InputField",
    "InputRequired",
    "InvalidCode",
    "InvalidCredentials",
    "MFARequired",
    "MalformedResponse",
    "Method",
    "OTPChannel",
    "Outcome",
    "Password",
    "PasswordChangeRequired",
    "PluginError",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "RedirectRequired",
    "Registry",
    "Request",
    "StartOIDC",
    "StartOTP",
    "SyncConnector",
    "TimeoutSettings",
    "TokenSet",
    "TokenValidationError",
    "UserCancelled",
    "UserNotConfirmed",
    "UserNotFound",
    "VerifyOTP",
    "__version__",
    "connect",
    "list_connectors",
    "load",
]


def list_connectors() -> list[ConnectorInfo]:
    """Every installed connector with its methods and availability (imports no provider)."""
    from .registry import default_registry

    return default_registry().list()
