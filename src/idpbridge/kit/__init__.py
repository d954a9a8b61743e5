"""The connector-author surface: everything a connector (built in or third-party) needs.

Applications use :mod:`idpbridge`; connector authors use this package. Names resolve lazily from
their modules, so importing ``idpbridge.kit`` in a plugin descriptor loads no JOSE machinery.

* Declaring a provider: :class:`ProviderSheet`, :class:`IssuerRule`, :class:`DerivedEndpoints`,
  :class:`ClaimMap`, :class:`ErrorRule` (and the standard rules and contexts), :class:`ConnectorPlugin`,
  :data:`PLUGIN_API_VERSION`.
* Writing a connector: the requests, outcomes, errors, :class:`Identity` and :class:`TokenSet` (the
  same objects applications see), :class:`Connector`, :class:`ConnectorConfig`, :class:`Continuation`,
  :class:`CheckResult`, :class:`CheckReport`, :class:`HttpClient`; for OpenID Connect
  :class:`OIDCConnector`, :class:`OIDCConfig`, :class:`ProviderMetadata`, :class:`TokenPolicy`.
* Building blocks: :class:`CodeStep` / :class:`StepContext` / :func:`check_code` (input steps),
  :func:`timed_probe` / :func:`run_probes` / :func:`skipped` (``check()`` probes),
  :func:`openid_first` / :func:`scope_string` (scopes), :func:`first_text` (tolerant error bodies).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._json import (
        dig,
    )
    from .._version import (
        PLUGIN_API_VERSION,
    )
    from ..classify import (
        AUTHORIZATION_CODE,
        AUTHORIZE,
        PASSWORD,
        REFRESH_TOKEN,
        STANDARD_OAUTH_RULES,
        ErrorInfo,
        ErrorRule,
        ExceptionRule,
        ExceptionTable,
    )
    from ..config import (
        ConnectorConfig,
    )
    from ..connector import (
        CheckReport,
        CheckResult,
        Connector,
    )
    from ..continuation import (
        Continuation,
    )
    from ..errors import (
        AccountDisabled,
        AccountLocked,
        AuthenticationFailed,
        ConfigurationError,
        ConsentRequired,
        ExpiredCode,
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
    from ..fields import (
        Words,
        each_matching,
        matching,
        split_words,
    )
    from ..http import (
        HttpClient,
        Response,
    )
    from ..identity import (
        ClaimSource,
        Identity,
        TokenSet,
        opt_str,
        str_list,
        strict_bool,
        timestamp,
    )
    from ..methods import (
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
    from ..oidc.authcode import (
        callback_code,
        flatten_callback,
        new_pkce,
        pkce_params,
    )
    from ..oidc.checks import (
        run_checks,
    )
    from ..oidc.claims import (
        ClaimMap,
        check_username,
        merge_claims,
    )
    from ..oidc.client import (
        check_token_type,
        classify_response,
        error_body,
    )
    from ..oidc.config import (
        Domain,
        OIDCConfig,
        base_url_field,
    )
    from ..oidc.connector import (
        OIDCConnector,
    )
    from ..oidc.engine import (
        EngineHooks,
        OIDCEngine,
        mfa_token,
    )
    from ..oidc.idtoken import (
        TokenPolicy,
    )
    from ..oidc.issuer import (
        ExactIssuer,
        IssuerPolicy,
        OneOfIssuers,
        TenantIssuer,
    )
    from ..oidc.jwks import (
        parse_jwks,
    )
    from ..oidc.metadata import (
        ProviderMetadata,
        static_metadata,
    )
    from ..oidc.ropc import (
        require_credentials,
    )
    from ..oidc.scopes import (
        openid_first,
        scope_string,
    )
    from ..oidc.urls import (
        base_url,
        secure_url,
        url_inputs,
    )
    from ..outcomes import (
        Authenticated,
        CodeSent,
        InputField,
        InputRequired,
        Outcome,
        RedirectRequired,
    )
    from ..probes import (
        Probe,
        run_probes,
        skipped,
        timed_probe,
    )
    from ..registry import (
        ConnectorPlugin,
    )
    from ..sheet import (
        ClaimCheck,
        DerivedEndpoints,
        IssuerRule,
        ProviderSheet,
        claim_equals,
        first_text,
        oauth_error,
    )
    from ..steps import (
        TOTP_CODE,
        CodeStep,
        StepContext,
        StepFunctions,
        check_code,
        totp_step,
    )

#: public name -> module (relative to ``idpbridge``) that defines it.
_EXPORTS: dict[str, str] = {
    "PLUGIN_API_VERSION": "_version",
    "dig": "_json",
    "AUTHORIZATION_CODE": "classify",
    "AUTHORIZE": "classify",
    "ErrorInfo": "classify",
    "ErrorRule": "classify",
    "ExceptionRule": "classify",
    "ExceptionTable": "classify",
    "PASSWORD": "classify",
    "REFRESH_TOKEN": "classify",
    "STANDARD_OAUTH_RULES": "classify",
    "ConnectorConfig": "config",
    "CheckReport": "connector",
    "CheckResult": "connector",
    "Connector": "connector",
    "Continuation": "continuation",
    "AccountDisabled": "errors",
    "AccountLocked": "errors",
    "AuthenticationFailed": "errors",
    "ConfigurationError": "errors",
    "ConsentRequired": "errors",
    "ExpiredCode": "errors",
    "FlowError": "errors",
    "IdpBridgeError": "errors",
    "InvalidCode": "errors",
    "InvalidCredentials": "errors",
    "MFARequired": "errors",
    "MalformedResponse": "errors",
    "PasswordChangeRequired": "errors",
    "PluginError": "errors",
    "ProviderError": "errors",
    "ProviderUnavailable": "errors",
    "RateLimited": "errors",
    "TokenValidationError": "errors",
    "UserCancelled": "errors",
    "UserNotConfirmed": "errors",
    "UserNotFound": "errors",
    "Words": "fields",
    "each_matching": "fields",
    "matching": "fields",
    "split_words": "fields",
    "HttpClient": "http",
    "Response": "http",
    "ClaimSource": "identity",
    "Identity": "identity",
    "TokenSet": "identity",
    "opt_str": "identity",
    "str_list": "identity",
    "strict_bool": "identity",
    "timestamp": "identity",
    "Answer": "methods",
    "ExternalToken": "methods",
    "FinishOIDC": "methods",
    "Method": "methods",
    "OTPChannel": "methods",
    "Password": "methods",
    "Request": "methods",
    "StartOIDC": "methods",
    "StartOTP": "methods",
    "TOTP": "methods",
    "VerifyOTP": "methods",
    "ClaimMap": "oidc.claims",
    "EngineHooks": "oidc.engine",
    "OIDCEngine": "oidc.engine",
    "mfa_token": "oidc.engine",
    "OIDCConfig": "oidc.config",
    "OIDCConnector": "oidc.connector",
    "TokenPolicy": "oidc.idtoken",
    "ExactIssuer": "oidc.issuer",
    "IssuerPolicy": "oidc.issuer",
    "OneOfIssuers": "oidc.issuer",
    "TenantIssuer": "oidc.issuer",
    "ProviderMetadata": "oidc.metadata",
    "require_credentials": "oidc.ropc",
    "openid_first": "oidc.scopes",
    "scope_string": "oidc.scopes",
    "callback_code": "oidc.authcode",
    "flatten_callback": "oidc.authcode",
    "new_pkce": "oidc.authcode",
    "pkce_params": "oidc.authcode",
    "run_checks": "oidc.checks",
    "check_username": "oidc.claims",
    "merge_claims": "oidc.claims",
    "check_token_type": "oidc.client",
    "classify_response": "oidc.client",
    "error_body": "oidc.client",
    "oauth_error": "sheet",
    "parse_jwks": "oidc.jwks",
    "static_metadata": "oidc.metadata",
    "Domain": "oidc.config",
    "base_url_field": "oidc.config",
    "base_url": "oidc.urls",
    "url_inputs": "oidc.urls",
    "secure_url": "oidc.urls",
    "Authenticated": "outcomes",
    "CodeSent": "outcomes",
    "InputField": "outcomes",
    "InputRequired": "outcomes",
    "Outcome": "outcomes",
    "RedirectRequired": "outcomes",
    "Probe": "probes",
    "run_probes": "probes",
    "skipped": "probes",
    "timed_probe": "probes",
    "ConnectorPlugin": "registry",
    "ClaimCheck": "sheet",
    "DerivedEndpoints": "sheet",
    "IssuerRule": "sheet",
    "ProviderSheet": "sheet",
    "claim_equals": "sheet",
    "first_text": "sheet",
    "CodeStep": "steps",
    "TOTP_CODE": "steps",
    "StepFunctions": "steps",
    "StepContext": "steps",
    "check_code": "steps",
    "totp_step": "steps",
}

__all__ = [
    "AUTHORIZATION_CODE",
    "AUTHORIZE",
    "PASSWORD",
    "PLUGIN_API_VERSION",
    "REFRESH_TOKEN",
    "STANDARD_OAUTH_RULES",
    "TOTP",
    "TOTP_CODE",
    "AccountDisabled",
    "AccountLocked",
    "Answer",
    "Authenticated",
    "AuthenticationFailed",
    "CheckReport",
    "CheckResult",
    "ClaimCheck",
    "ClaimMap",
    "ClaimSource",
    "CodeSent",
    "CodeStep",
    "ConfigurationError",
    "Connector",
    "ConnectorConfig",
    "ConnectorPlugin",
    "ConsentRequired",
    "Continuation",
    "DerivedEndpoints",
    "Domain",
    "EngineHooks",
    "ErrorInfo",
    "ErrorRule",
    "ExactIssuer",
    "ExceptionRule",
    "ExceptionTable",
    "ExpiredCode",
    "ExternalToken",
    "FinishOIDC",
    "FlowError",
    "HttpClient",
    "Identity",
    "IdpBridgeError",
    "InputField",
    "InputRequired",
    "InvalidCode",
    "InvalidCredentials",
    "IssuerPolicy",
    "IssuerRule",
    "MFARequired",
    "MalformedResponse",
    "Method",
    "OIDCConfig",
    "OIDCConnector",
    "OIDCEngine",
    "OTPChannel",
    "OneOfIssuers",
    "Outcome",
    "Password",
    "PasswordChangeRequired",
    "PluginError",
    "Probe",
    "ProviderError",
    "ProviderMetadata",
    "ProviderSheet",
    "ProviderUnavailable",
    "RateLimited",
    "RedirectRequired",
    "Request",
    "Response",
    "StartOIDC",
    "StartOTP",
    "StepContext",
    "StepFunctions",
    "TenantIssuer",
    "TokenPolicy",
    "TokenSet",
    "TokenValidationError",
    "UserCancelled",
    "UserNotConfirmed",
    "UserNotFound",
    "VerifyOTP",
    "Words",
    "base_url",
    "base_url_field",
    "callback_code",
    "check_code",
    "check_token_type",
    "check_username",
    "claim_equals",
    "classify_response",
    "dig",
    "each_matching",
    "error_body",
    "first_text",
    "flatten_callback",
    "matching",
    "merge_claims",
    "mfa_token",
    "new_pkce",
    "oauth_error",
    "openid_first",
    "opt_str",
    "parse_jwks",
    "pkce_params",
    "require_credentials",
    "run_checks",
    "run_probes",
    "scope_string",
    "secure_url",
    "skipped",
    "split_words",
    "static_metadata",
    "str_list",
    "strict_bool",
    "timed_probe",
    "timestamp",
    "totp_step",
    "url_inputs",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"..{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
