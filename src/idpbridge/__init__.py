"""idpbridge — authenticate users against a legacy identity provider and migrate them.

The application surface is everything in ``__all__``; connector authors use :mod:`idpbridge.kit`.
Modules whose names start with ``_`` are private. The author names that used to be exported here
(``Connector``, ``ConnectorPlugin``, …) still import from ``idpbridge`` with a
:class:`DeprecationWarning` until the next minor version.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # what __getattr__ imports on first use, for type checkers
    from ._api import Connectors as Connectors
    from ._api import connect as connect
    from ._api import load as load
    from ._events import AuthEvent as AuthEvent
    from ._events import Hooks as Hooks
    from ._events import hooks as hooks
    from ._otel import disable_opentelemetry as disable_opentelemetry
    from ._otel import enable_opentelemetry as enable_opentelemetry
    from .config import TimeoutSettings as TimeoutSettings
    from .connector import CheckReport as CheckReport
    from .connector import SyncConnector as SyncConnector
    from .continuation import ContinuationKeys as ContinuationKeys
    from .errors import AccountDisabled as AccountDisabled
    from .errors import AccountLocked as AccountLocked
    from .errors import AuthenticationFailed as AuthenticationFailed
    from .errors import ConfigurationError as ConfigurationError
    from .errors import ConsentRequired as ConsentRequired
    from .errors import ExpiredCode as ExpiredCode
    from .errors import FailureReason as FailureReason
    from .errors import FlowError as FlowError
    from .errors import IdpBridgeError as IdpBridgeError
    from .errors import InvalidCode as InvalidCode
    from .errors import InvalidCredentials as InvalidCredentials
    from .errors import MalformedResponse as MalformedResponse
    from .errors import MFARequired as MFARequired
    from .errors import PasswordChangeRequired as PasswordChangeRequired
    from .errors import PluginError as PluginError
    from .errors import ProviderError as ProviderError
    from .errors import ProviderUnavailable as ProviderUnavailable
    from .errors import RateLimited as RateLimited
    from .errors import TokenValidationError as TokenValidationError
    from .errors import UserCancelled as UserCancelled
    from .errors import UserNotConfirmed as UserNotConfirmed
    from .errors import UserNotFound as UserNotFound
    from .identity import ClaimSource as ClaimSource
    from .identity import Identity as Identity
    from .identity import TokenSet as TokenSet
    from .methods import TOTP as TOTP
    from .methods import Answer as Answer
    from .methods import ExternalToken as ExternalToken
    from .methods import FinishOIDC as FinishOIDC
    from .methods import FinishSAML as FinishSAML
    from .methods import InvalidRequest as InvalidRequest
    from .methods import MalformedContinuation as MalformedContinuation
    from .methods import Method as Method
    from .methods import OTPChannel as OTPChannel
    from .methods import Password as Password
    from .methods import PollCIBA as PollCIBA
    from .methods import PollDevice as PollDevice
    from .methods import Request as Request
    from .methods import StartCIBA as StartCIBA
    from .methods import StartDevice as StartDevice
    from .methods import StartOIDC as StartOIDC
    from .methods import StartOTP as StartOTP
    from .methods import StartSAML as StartSAML
    from .methods import VerifyOTP as VerifyOTP
    from .outcomes import Authenticated as Authenticated
    from .outcomes import CIBAPending as CIBAPending
    from .outcomes import CIBAStarted as CIBAStarted
    from .outcomes import CodeSent as CodeSent
    from .outcomes import DeviceCodeIssued as DeviceCodeIssued
    from .outcomes import DevicePending as DevicePending
    from .outcomes import InputField as InputField
    from .outcomes import InputRequired as InputRequired
    from .outcomes import Outcome as Outcome
    from .outcomes import PostRequired as PostRequired
    from .outcomes import RedirectRequired as RedirectRequired
    from .registry import ConnectorInfo as ConnectorInfo
    from .replay import MemoryReplayStore as MemoryReplayStore
    from .replay import ReplayStore as ReplayStore
    from .replay import ReplayStoreError as ReplayStoreError


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
    "CIBAPending",
    "CIBAStarted",
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
    "PollCIBA",
    "PollDevice",
    "PostRequired",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "RedirectRequired",
    "ReplayStore",
    "ReplayStoreError",
    "Request",
    "StartCIBA",
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


#: Public name -> the module that defines it, imported on first attribute access (PEP 562), so
#: ``import idpbridge`` loads no pydantic, httpx or JOSE code until a name that needs it is used.
_LAZY: dict[str, str] = {
    "Connectors": "._api",
    "connect": "._api",
    "load": "._api",
    "AuthEvent": "._events",
    "Hooks": "._events",
    "hooks": "._events",
    "disable_opentelemetry": "._otel",
    "enable_opentelemetry": "._otel",
    "TimeoutSettings": ".config",
    "CheckReport": ".connector",
    "SyncConnector": ".connector",
    "ContinuationKeys": ".continuation",
    "AccountDisabled": ".errors",
    "AccountLocked": ".errors",
    "AuthenticationFailed": ".errors",
    "ConfigurationError": ".errors",
    "ConsentRequired": ".errors",
    "ExpiredCode": ".errors",
    "FailureReason": ".errors",
    "FlowError": ".errors",
    "IdpBridgeError": ".errors",
    "InvalidCode": ".errors",
    "InvalidCredentials": ".errors",
    "MalformedResponse": ".errors",
    "MFARequired": ".errors",
    "PasswordChangeRequired": ".errors",
    "PluginError": ".errors",
    "ProviderError": ".errors",
    "ProviderUnavailable": ".errors",
    "RateLimited": ".errors",
    "TokenValidationError": ".errors",
    "UserCancelled": ".errors",
    "UserNotConfirmed": ".errors",
    "UserNotFound": ".errors",
    "ClaimSource": ".identity",
    "Identity": ".identity",
    "TokenSet": ".identity",
    "TOTP": ".methods",
    "Answer": ".methods",
    "ExternalToken": ".methods",
    "FinishOIDC": ".methods",
    "FinishSAML": ".methods",
    "InvalidRequest": ".methods",
    "MalformedContinuation": ".methods",
    "Method": ".methods",
    "OTPChannel": ".methods",
    "Password": ".methods",
    "PollCIBA": ".methods",
    "PollDevice": ".methods",
    "Request": ".methods",
    "StartCIBA": ".methods",
    "StartDevice": ".methods",
    "StartOIDC": ".methods",
    "StartOTP": ".methods",
    "StartSAML": ".methods",
    "VerifyOTP": ".methods",
    "Authenticated": ".outcomes",
    "CIBAPending": ".outcomes",
    "CIBAStarted": ".outcomes",
    "CodeSent": ".outcomes",
    "DeviceCodeIssued": ".outcomes",
    "DevicePending": ".outcomes",
    "InputField": ".outcomes",
    "InputRequired": ".outcomes",
    "Outcome": ".outcomes",
    "PostRequired": ".outcomes",
    "RedirectRequired": ".outcomes",
    "ConnectorInfo": ".registry",
    "MemoryReplayStore": ".replay",
    "ReplayStore": ".replay",
    "ReplayStoreError": ".replay",
}

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
    lazy = _LAZY.get(name)
    if lazy is not None:
        value = getattr(importlib.import_module(lazy, __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
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


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
