"""idpbridge — authenticate users against a legacy identity provider and migrate them.

The application surface is everything in ``__all__``; connector authors use :mod:`idpbridge.kit`.
Modules whose names start with ``_`` are private. The author names that used to be exported here
(``Connector``, ``ConnectorPlugin``, …) still import from ``idpbridge`` with a
:class:`DeprecationWarning` until the next minor version.
"""

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from ._api import Connectors, connect, load
from ._events import AuthEvent, Hooks, hooks
from ._otel import disable_opentelemetry, enable_opentelemetry
from ._version import __version__
from .config import TimeoutSettings
from .connector import CheckReport, SyncConnector
from .continuation import ContinuationKeys
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
    FinishSAML,
    InvalidRequest,
    MalformedContinuation,
    Method,
    OTPChannel,
    Password,
    PollDevice,
    Request,
    StartDevice,
    StartOIDC,
    StartOTP,
    StartSAML,
    VerifyOTP,
)
from .outcomes import (
    Authenticated,
    CodeSent,
    DeviceCodeIssued,
    DevicePending,
    InputField,
    InputRequired,
    Outcome,
    PostRequired,
    RedirectRequired,
)
from .registry import ConnectorInfo
from .replay import MemoryReplayStore, ReplayStore, ReplayStoreError

if TYPE_CHECKING:  # the deprecated author names, for type checkers (see __getattr__)
    from ._version import PLUGIN_API_VERSION as PLUGIN_API_VERSION
    from .config import ConnectorConfig as ConnectorConfig
    from .connector import CheckResult as CheckResult
    from .connector import Connector as Connector
    from .continuation import Continuation as Continuation
    from .registry import ConnectorPlugin as ConnectorPlugin
    from .registry import Registry as Registry

__all__ = [
    "TOTP",
    "AccountDisabled",
    "AccountLocked",
    "Answer",
    "AuthEvent",
    "Authenticated",
    "AuthenticationFailed",
    "CheckReport",
    "ClaimSource",
    "CodeSent",
    "ConfigurationError",
    "ConnectorInfo",
    "Connectors",
    "ConsentRequired",
    "ContinuationKeys",
    "DeviceCodeIssued",
    "DevicePending",
    "ExpiredCode",
    "ExternalToken",
    "FailureReason",
    "FinishOIDC",
    "FinishSAML",
    "FlowError",
    "Hooks",
    "Identity",
    "IdpBridgeError",
    "InputField",
    "InputRequired",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidRequest",
    "MFARequired",
    "MalformedContinuation",
    "MalformedResponse",
    "MemoryReplayStore",
    "Method",
    "OTPChannel",
    "Outcome",
    "Password",
    "PasswordChangeRequired",
    "PluginError",
    "PollDevice",
    "PostRequired",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "RedirectRequired",
    "ReplayStore",
    "ReplayStoreError",
    "Request",
    "StartDevice",
    "StartOIDC",
    "StartOTP",
    "StartSAML",
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
    "disable_opentelemetry",
    "enable_opentelemetry",
    "hooks",
    "list_connectors",
    "load",
]


def list_connectors() -> list[ConnectorInfo]:
    """Every installed connector with its methods and availability (imports no provider)."""
    from .registry import default_registry

    return default_registry().list()


#: Author names moved to :mod:`idpbridge.kit` -> the module that defines them.
_MOVED_TO_KIT: dict[str, str] = {
    "PLUGIN_API_VERSION": "._version",
    "CheckResult": ".connector",
    "Connector": ".connector",
    "ConnectorConfig": ".config",
    "ConnectorPlugin": ".registry",
    "Continuation": ".continuation",
    "Registry": ".registry",
}


def __getattr__(name: str) -> Any:
    module = _MOVED_TO_KIT.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    where = "idpbridge.registry" if name == "Registry" else "idpbridge.kit"
    warnings.warn(
        f"idpbridge.{name} is for connector authors and moved to {where}; importing it from "
        "idpbridge is deprecated and stops working in the next minor version",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(module, __name__), name)
