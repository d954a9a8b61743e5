"""Connector configuration: the base model, validation errors, TOML files and ``${ENV}`` secrets.

Every connector has a :class:`ConnectorConfig` subclass (its ``Config``): a frozen pydantic
model that forbids unknown fields and holds secrets as :class:`~pydantic.SecretStr`. Invalid
configuration raises :class:`~idpbridge.ConfigurationError` naming the connector and the field,
never a raw pydantic traceback and never the offending value.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigurationError
from .http import HttpPolicy, RetryPolicy, Timeouts, require_secure_url
from .methods import Method
from .sheet import ProviderSheet

__all__ = [
    "ConfigSections",
    "ConnectorConfig",
    "OrganizationConfig",
    "Settings",
    "TimeoutSettings",
    "build_config",
    "build_organization",
    "build_settings",
    "expand_env",
    "read_toml",
    "read_toml_file",
    "read_toml_sections",
]

C = TypeVar("C", bound="ConnectorConfig")


_TRANSPORT = Timeouts()  # the transport defaults are declared once, on Timeouts


class TimeoutSettings(BaseModel):
    """Seconds to connect, to wait for a read, for one call including retries, and for a whole
    ``authenticate()`` (every request it makes; each request gets at most what is left).

    The configuration form of :class:`~idpbridge.http.Timeouts` (same defaults, plus
    ``authenticate``); :meth:`transport` builds the transport's value.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    connect: float = Field(_TRANSPORT.connect, gt=0, le=120)
    read: float = Field(_TRANSPORT.read, gt=0, le=300)
    total: float = Field(_TRANSPORT.total, gt=0, le=600)
    authenticate: float = Field(30.0, gt=0, le=600)

    def transport(self) -> Timeouts:
        """The per-request :class:`~idpbridge.http.Timeouts` these settings describe."""
        return Timeouts(connect=self.connect, read=self.read, total=self.total)


class ConnectorConfig(BaseModel):
    """Base configuration shared by every connector.

    Subclasses add their provider's fields and set :attr:`supported_methods` (what the connector
    can do) and :attr:`endpoint_names` (which endpoints may be overridden, e.g. for a custom
    domain).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    supported_methods: ClassVar[frozenset[Method]] = frozenset()
    endpoint_names: ClassVar[frozenset[str]] = frozenset()
    #: The provider's data sheet; when a subclass sets it, ``supported_methods`` comes from it.
    sheet: ClassVar[ProviderSheet | None] = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "sheet" in cls.__dict__ and cls.sheet is not None:
            cls.supported_methods = cls.sheet.methods

    methods: frozenset[Method] | None = Field(
        None, description="Methods to enable; defaults to every method the connector supports."
    )
    endpoints: dict[str, str] = Field(
        default_factory=dict, description="Endpoint URL overrides (custom domains, proxies, tests)."
    )
    timeouts: TimeoutSettings = Field(default_factory=TimeoutSettings)
    max_response_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    retries: int = Field(3, ge=1, le=10, description="Attempts for idempotent requests.")
    continuation_keys: tuple[SecretStr, ...] = Field(
        (), description="AES-256 keys (base64url) sealing continuations; first one seals."
    )
    continuation_ttl: int = Field(600, ge=30, le=86_400, description="Seconds a flow step lives.")

    @field_validator("methods", mode="before")
    @classmethod
    def _parse_methods(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("continuation_keys", mode="before")
    @classmethod
    def _keys_are_text(cls, value: Any) -> Any:
        return _keys_are_text(value)

    @field_validator("continuation_keys")
    @classmethod
    def _check_keys(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        return _check_keys(value)

    @field_validator("endpoints")
    @classmethod
    def _check_endpoints(cls, value: dict[str, str]) -> dict[str, str]:
        for key, url in value.items():
            if cls.endpoint_names and key not in cls.endpoint_names:
                allowed = ", ".join(sorted(cls.endpoint_names))
                raise ValueError(f"unknown endpoint {key!r}; allowed: {allowed}")
            try:
                require_secure_url(url, what=f"endpoint {key!r}")
            except ConfigurationError as exc:
                raise ValueError(exc.message) from None
        return value

    @field_validator("methods")
    @classmethod
    def _check_methods(cls, value: frozenset[Method] | None) -> frozenset[Method] | None:
        supported = cls.supported_methods
        if value is not None:
            if not value:
                raise ValueError("enable at least one method")
            if supported and not value <= supported:
                extra = ", ".join(sorted(m.value for m in value - supported))
                have = ", ".join(sorted(m.value for m in supported))
                raise ValueError(f"not supported by this connector: {extra} (supported: {have})")
        return value

    @property
    def enabled_methods(self) -> frozenset[Method]:
        """The methods this configuration enables."""
        return self.methods if self.methods is not None else type(self).supported_methods

    def http_policy(self) -> HttpPolicy:
        """The transport policy these settings describe."""
        return HttpPolicy(
            timeouts=self.timeouts.transport(),
            max_body=self.max_response_bytes,
            retry=RetryPolicy(attempts=self.retries),
        )

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        # Only fields that differ from defaults keep repr short; SecretStr already masks secrets.
        for name, value in super().__repr_args__():
            if name in self.model_fields_set:
                yield name, value


def _keys_are_text(value: Any) -> Any:
    """Configuration keys are base64url text: refuse numbers, bytes, tables before pydantic
    coerces them (and before its error could quote them)."""
    if not isinstance(value, list | tuple):
        raise ValueError("continuation_keys must be a list of base64url keys")
    if not all(isinstance(k, str | SecretStr) for k in value):
        raise ValueError("every continuation key must be base64url text (a string)")
    return value


def _check_keys(value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
    if value:
        from .continuation import ContinuationKeys

        try:
            ContinuationKeys(list(value))
        except ConfigurationError as exc:
            raise ValueError(exc.message) from None
    return value


_STORE_SCHEMES = ("redis://", "rediss://", "unix://")


class Settings(BaseModel):
    """The ``[settings]`` table of a connectors file, shared by every connector in it.

    Attributes:
        continuation_keys: AES-256 keys (base64url) sealing continuations; the first one seals.
        store: the shared store of a deployment with several workers: ``redis://…``,
            ``rediss://…`` or ``unix://…`` (replay markers and the discovery/JWKS cache), or
            ``"memory"`` to state that one process serves every flow.
        store_prefix: key prefix in that Redis (one Redis can serve several apps).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    continuation_keys: tuple[SecretStr, ...] = ()
    store: SecretStr | None = None
    store_prefix: str | None = Field(None, min_length=1, max_length=100, pattern=r"^[\w:.\-]+$")

    @field_validator("continuation_keys", mode="before")
    @classmethod
    def _keys_are_text(cls, value: Any) -> Any:
        return _keys_are_text(value)

    @field_validator("continuation_keys")
    @classmethod
    def _check_keys(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        return _check_keys(value)

    @field_validator("store", mode="before")
    @classmethod
    def _check_store(cls, value: Any) -> Any:
        # A Redis URL may carry a password: held as a SecretStr, never quoted in an error.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(text, str):
            raise ValueError("store must be a string: a redis://, rediss:// or unix:// URL, or 'memory'")
        if text != "memory" and not (
            text.startswith(_STORE_SCHEMES) and text.isprintable() and " " not in text
        ):
            raise ValueError("store must be a redis://, rediss:// or unix:// URL, or 'memory'")
        return value

    @field_validator("store_prefix")
    @classmethod
    def _prefix_needs_store(cls, value: str | None, info: Any) -> str | None:
        store = info.data.get("store")
        if value is not None and (store is None or store.get_secret_value() == "memory"):
            raise ValueError("store_prefix needs a redis store")
        return value

    @property
    def store_url(self) -> str | None:
        """The shared store's URL, or ``None`` (no store, or ``"memory"``)."""
        if self.store is None or self.store.get_secret_value() == "memory":
            return None
        return self.store.get_secret_value()


def build_settings(data: Mapping[str, Any]) -> Settings:
    """Validate a ``[settings]`` table; failures become one :class:`ConfigurationError`.

    The error names every offending field (``exc.field`` is the first), never a value.
    """
    if not isinstance(data, Mapping):
        raise ConfigurationError("[settings]: invalid configuration: [settings] must be a table")
    try:
        return Settings.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
    problems, first = _problems(errors)
    raise ConfigurationError("[settings]: invalid configuration: " + "; ".join(problems), field=first)


def _format_loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-")))


def build_config(cls: type[C], data: Mapping[str, Any], *, connector: str) -> C:
    """Validate ``data`` into ``cls``; failures become one :class:`ConfigurationError`.

    The error names the connector and every offending field, and never echoes input values.
    """
    try:
        return cls.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
    # Raised outside the ``except`` block so the pydantic error (which may quote the offending
    # value) is not even kept as ``__context__``.
    problems, first_field = _problems(errors)
    text = f"connector {connector!r}: invalid configuration: " + "; ".join(problems)
    raise ConfigurationError(text, field=first_field, connector=connector)


def _problems(errors: Iterable[Any]) -> tuple[list[str], str | None]:
    """One phrase per pydantic error (never its input), and the first offending field."""
    problems = []
    first_field: str | None = None
    for err in errors:
        field = _format_loc(tuple(err["loc"])) or "(config)"
        first_field = first_field or field
        # "<field> is …" rather than "<field>: …" so sanitize() never mistakes the message for a
        # ``client_secret: value`` pair.
        if err["type"] == "extra_forbidden":
            problems.append(f"{field} is not a known field")
        elif err["type"] == "missing":
            problems.append(f"{field} is required")
        else:
            problems.append(f"{field} is invalid ({err['msg'].removeprefix('Value error, ')})")
    return problems, first_field


_ENV_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: Any, env: Mapping[str, str], *, connector: str, field: str = "") -> Any:
    """Replace ``${NAME}`` in every string of ``value`` with the environment variable ``NAME``.

    ``$$`` stands for a literal ``$``. A missing variable is a :class:`ConfigurationError` that
    names the connector, the field and the variable (never its value).
    """
    if isinstance(value, str):

        def repl(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            name = m.group(1)
            if name not in env:
                raise ConfigurationError(
                    f"connector {connector!r}: field {field or '(value)'!r} refers to environment "
                    f"variable {name!r}, which is not set",
                    field=field or None,
                    connector=connector,
                )
            return env[name]

        return _ENV_REF.sub(repl, value)
    if isinstance(value, Mapping):
        return {
            k: expand_env(v, env, connector=connector, field=f"{field}.{k}" if field else str(k))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [expand_env(v, env, connector=connector, field=f"{field}[{i}]") for i, v in enumerate(value)]
    return value


def read_toml_file(path: Path, *, what: str) -> dict[str, Any]:
    """The top-level table of a TOML file; a missing or invalid file is a ``ConfigurationError``.

    ``what`` names the file in the "not found" message (``"configuration file"``).
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"{what} not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from None


class ConfigSections(NamedTuple):
    """The tables of a connectors file, ``${ENV}`` expanded (not yet validated)."""

    settings: dict[str, Any]
    connectors: dict[str, dict[str, Any]]
    organizations: dict[str, dict[str, Any]]


def read_toml(
    path: str | os.PathLike[str], env: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Read a connectors file: ``(settings, {name: fields})`` with ``${ENV}`` expanded.

    The file has an optional ``[settings]`` table (see :class:`Settings`; validate it with
    :func:`build_settings`), one ``[connectors.<name>]`` table each, with ``provider = "..."``,
    and optional ``[organizations.<id>]`` tables (see :func:`read_toml_sections`).
    """
    sections = read_toml_sections(path, env)
    return sections.settings, sections.connectors


def read_toml_sections(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> ConfigSections:
    """Read every table of a connectors file, ``${ENV}`` expanded: a :class:`ConfigSections`.

    ``[organizations.<id>]`` tables are checked to be tables here and validated by
    :func:`build_organization` (see :mod:`idpbridge.orgs`).
    """
    env = os.environ if env is None else env
    p = Path(path)
    raw = read_toml_file(p, what="configuration file")
    unknown = set(raw) - {"settings", "connectors", "organizations"}
    if unknown:
        raise ConfigurationError(f"{p}: unknown top-level table(s): {', '.join(sorted(unknown))}")
    settings = expand_env(raw.get("settings", {}), env, connector="(settings)")
    connectors = raw.get("connectors", {})
    if not isinstance(connectors, dict) or not all(isinstance(v, dict) for v in connectors.values()):
        raise ConfigurationError(f"{p}: [connectors.<name>] tables expected")
    out: dict[str, dict[str, Any]] = {}
    for name, fields in connectors.items():
        expanded = expand_env(fields, env, connector=name)
        if not isinstance(expanded.get("provider"), str):
            raise ConfigurationError(
                f"connector {name!r}: 'provider' is required", field="provider", connector=name
            )
        out[name] = expanded
    organizations = raw.get("organizations", {})
    if not isinstance(organizations, dict) or not all(isinstance(v, dict) for v in organizations.values()):
        raise ConfigurationError(f"{p}: [organizations.<id>] tables expected")
    orgs = {
        org_id: expand_env(fields, env, connector=f"(organization {org_id})")
        for org_id, fields in organizations.items()
    }
    return ConfigSections(settings, out, orgs)


# -- organizations (idpbridge.orgs) --------------------------------------------------------------

_ORG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
#: Authorization-request parameters an organization cannot set: idpbridge (or ``login_hint``) does.
_RESERVED_PARAMS = frozenset(
    {
        "client_id",
        "code_challenge",
        "code_challenge_method",
        "login_hint",
        "nonce",
        "redirect_uri",
        "request",
        "request_uri",
        "response_mode",
        "response_type",
        "scope",
        "state",
        "RelayState",
        "SAMLRequest",
    }
)


def normalize_domain(value: object) -> str:
    """A domain in its canonical form: lowercase IDNA (punycode) ASCII, e.g. ``xn--bcher-kva.example``.

    Raises ``ValueError`` (never quoting the value) for anything that is not a plain DNS name with
    at least two labels: wildcards, ports, IP literals, empty labels, a trailing dot.
    """
    import idna  # a dependency of httpx

    if not isinstance(value, str) or not value or len(value) > 253:
        raise ValueError("a domain must be a non-empty string")
    if not value.isprintable() or any(c in value for c in " @:/*[]\\") or value.strip(".") != value:
        raise ValueError("a domain must be a plain DNS name (no wildcard, port, '@' or leading/trailing dot)")
    try:
        ascii_name = idna.encode(value, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValueError("a domain must be a valid (IDNA) DNS name") from None
    labels = ascii_name.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        raise ValueError("a domain must have at least two labels and not be an IP address")
    return ascii_name.lower()


class OrganizationConfig(BaseModel):
    """One ``[organizations.<id>]`` table: which connector signs this organization in.

    Attributes:
        connector: name of a ``[connectors.<name>]`` of the same file.
        name: display name (defaults to the id).
        domains: email domains the organization claims, for home-realm discovery. Stored
            lowercase and IDNA-encoded (``bücher.example`` -> ``xn--bcher-kva.example``); a
            subdomain is a different domain. No two organizations may claim one domain.
        verified_domains: the claimed domains whose ownership you verified (a subset of
            ``domains``). Only these route by email while ``require_domain_verification`` is on.
        require_domain_verification: when ``False``, every claimed domain routes by email
            (you vouch for all of them).
        login_hint: ``True`` (default) forwards the email a route was discovered with as the
            start request's ``login_hint``; ``False`` never sends one; a string is sent as is.
        extra_params: more authorization-request parameters for this organization's IdP
            (``domain_hint``, ``kc_idp_hint``, …); protocol parameters are refused.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    connector: str = Field(min_length=1, max_length=200)
    name: str | None = Field(None, min_length=1, max_length=200)
    domains: tuple[str, ...] = ()
    verified_domains: tuple[str, ...] = ()
    require_domain_verification: StrictBool = True
    login_hint: StrictBool | str = True
    extra_params: dict[str, str] = Field(default_factory=dict)

    @field_validator("domains", "verified_domains", mode="before")
    @classmethod
    def _domains_are_lists(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError("must be a list of domains")
        return value

    @field_validator("domains", "verified_domains")
    @classmethod
    def _normalize(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalize_domain(d) for d in value))

    @field_validator("login_hint")
    @classmethod
    def _check_hint(cls, value: bool | str) -> bool | str:
        if isinstance(value, str) and not (value and value.isprintable() and len(value) <= 320):
            raise ValueError("must be true, false or a printable string")
        return value

    @field_validator("extra_params")
    @classmethod
    def _check_params(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            if key in _RESERVED_PARAMS:
                raise ValueError(f"parameter {key!r} is set by idpbridge itself")
            if not (key.isprintable() and item.isprintable()):
                raise ValueError(f"parameter {key!r} must be printable text")
        return value

    @model_validator(mode="after")
    def _verified_are_claimed(self) -> OrganizationConfig:
        stray = [d for d in self.verified_domains if d not in self.domains]
        if stray:
            raise ValueError(f"verified_domains lists domains not in domains: {', '.join(stray)}")
        return self

    def routes_by_email(self, domain: str) -> bool:
        """Whether ``domain`` (normalized, claimed) may route an email to this organization."""
        return not self.require_domain_verification or domain in self.verified_domains


def build_organization(org_id: object, data: Mapping[str, Any]) -> OrganizationConfig:
    """Validate one ``[organizations.<id>]`` table; failures become one :class:`ConfigurationError`.

    The error names the organization and every offending field (``exc.field`` is the first) and
    ``exc.details["organization"]``; never a value.
    """
    if not isinstance(org_id, str) or not _ORG_ID.fullmatch(org_id):
        raise ConfigurationError(
            "organization id must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit)",
            field="organizations",
        )
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"organization {org_id!r}: [organizations.{org_id}] must be a table")
    try:
        return OrganizationConfig.model_validate(dict(data))
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False, include_context=False)
    problems, first = _problems(errors)
    raise ConfigurationError(
        f"organization {org_id!r}: invalid configuration: " + "; ".join(problems),
        field=first,
        details={"organization": org_id},
    )
