"""The sandbox's seed file: realms, pools, clients and users (TOML).

::

    [keycloak]
    realm = "acme"

    [[keycloak.clients]]
    client_id = "idpbridge-sandbox"
    secret = "…"
    redirect_uris = ["http://127.0.0.1/*"]

    [[keycloak.users]]
    username = "alice"
    password = "…"
    email = "alice@acme.example"
    email_verified = true
    totp_secret = "…"          # base32; the user then needs a one-time code
    demo = "password"          # how `idpbridge demo` signs this user in

    [cognito]
    region = "eu-west-1"
    user_pool_id = "eu-west-1_SandboxPool1"

    [cognito.client]
    client_id = "sandboxclient"
    secret = "…"

    [[cognito.users]]
    username = "erin@acme.example"
    email_verified = true
    demo = "email_otp"

Every secret in a seed file is a sandbox secret: it only ever unlocks the local sandbox. User
ids (Keycloak ``id``, Cognito ``sub``) default to UUIDs derived from the realm/pool and the
username, so they are the same at every start and a migration run twice finds its links again.
"""

from __future__ import annotations

import uuid
from importlib import resources
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from ..config import read_toml_file
from ..errors import ConfigurationError

__all__ = [
    "CognitoClientSeed",
    "CognitoSeed",
    "CognitoUserSeed",
    "DemoMethod",
    "KeycloakClientSeed",
    "KeycloakSeed",
    "KeycloakUserSeed",
    "SAMLSeed",
    "SAMLServiceProviderSeed",
    "SAMLUserSeed",
    "Seed",
    "default_seed_path",
    "load_seed",
]

DemoMethod = Literal["password", "totp", "oidc", "email_otp", "sms_otp"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KeycloakUserSeed(_Model):
    """A realm user."""

    username: str = Field(min_length=1)
    password: SecretStr | None = None
    id: str | None = Field(
        None, description="The user's UUID (sub); default: derived from realm and username."
    )
    email: str | None = None
    email_verified: bool = False
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None
    enabled: bool = True
    totp_secret: SecretStr | None = Field(None, description="Base32 TOTP secret (authenticator app).")
    required_actions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    demo: DemoMethod | None = None


class KeycloakClientSeed(_Model):
    """An OIDC client of the realm (no ``secret``: a public client)."""

    client_id: str = Field(min_length=1)
    secret: SecretStr | None = None
    redirect_uris: tuple[str, ...] = ("http://127.0.0.1/*", "http://localhost/*")
    standard_flow: bool = True
    direct_access_grants: bool = True
    pkce_method: Literal["S256", "plain"] | None = None


class KeycloakSeed(_Model):
    """One Keycloak realm."""

    realm: str = Field("acme", pattern=r"^[A-Za-z0-9_-]+$")
    relative_path: Literal["", "/auth"] = Field("", description='"/auth" mimics Keycloak 16 and older.')
    invalid_credentials_status: Literal[400, 401] = Field(
        401, description="Status of 'Invalid user credentials' (400 from Keycloak 26.6)."
    )
    brute_force_max_failures: int | None = Field(None, ge=1)
    roles_in_id_token: bool = Field(False, description="The realm-roles mapper's 'Add to ID token'.")
    clients: tuple[KeycloakClientSeed, ...] = Field(min_length=1)
    users: tuple[KeycloakUserSeed, ...] = ()

    def user_id(self, user: KeycloakUserSeed) -> str:
        """The user's stable UUID."""
        return user.id or str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"idpbridge-sandbox:keycloak:{self.realm}:{user.username}")
        )


class CognitoClientSeed(_Model):
    """The pool's app client."""

    client_id: str = Field(pattern=r"^[\w+]+$")
    secret: SecretStr | None = None
    callback_urls: tuple[str, ...] = ("http://127.0.0.1:8765/callback", "http://localhost:8765/callback")
    prevent_user_existence_errors: bool = True


class CognitoUserSeed(_Model):
    """A pool user; ``username`` is what the user types (their e-mail when the pool signs in by e-mail)."""

    username: str = Field(min_length=1)
    sub: str | None = None
    password: SecretStr | None = None
    email_verified: bool = False
    phone_number: str | None = None
    phone_number_verified: bool = False
    given_name: str | None = None
    family_name: str | None = None
    groups: tuple[str, ...] = ()
    enabled: bool = True
    status: Literal["CONFIRMED", "UNCONFIRMED", "RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"] = "CONFIRMED"
    totp_secret: SecretStr | None = None
    mfa: Literal["SOFTWARE_TOKEN_MFA", "SMS_MFA", "EMAIL_OTP"] | None = None
    demo: DemoMethod | None = None


class CognitoSeed(_Model):
    """One Cognito user pool with one app client."""

    region: str = Field("eu-west-1", pattern=r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
    user_pool_id: str = Field("eu-west-1_SandboxPool1", pattern=r"^[\w-]+_[0-9a-zA-Z]+$")
    sign_in_with: tuple[Literal["email", "phone_number"], ...] = ("email",)
    client: CognitoClientSeed
    users: tuple[CognitoUserSeed, ...] = ()

    @model_validator(mode="after")
    def _check_region(self) -> Self:
        if not self.user_pool_id.startswith(f"{self.region}_"):
            raise ValueError(f"user_pool_id must start with '{self.region}_'")
        return self

    def user_sub(self, user: CognitoUserSeed) -> str:
        """The user's stable ``sub``."""
        return user.sub or str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"idpbridge-sandbox:cognito:{self.user_pool_id}:{user.username}")
        )


class SAMLUserSeed(_Model):
    """A user of the SAML IdP face; ``groups`` become the ``groups`` attribute."""

    username: str = Field(min_length=1)
    password: SecretStr
    email: str | None = None
    name: str | None = None
    groups: tuple[str, ...] = ()
    enabled: bool = True


class SAMLServiceProviderSeed(_Model):
    """What the SAML face knows of one SP (by entity ID): the certificate to encrypt assertions to."""

    entity_id: str = Field(min_length=1)
    encryption_cert: str | None = Field(None, description="PEM certificate: assertions get encrypted to it.")


class SAMLSeed(_Model):
    """The SAML 2.0 IdP face: its users (it accepts any SP whose ACS URL is on a loopback address)
    and, optionally, SPs whose assertions it encrypts."""

    users: tuple[SAMLUserSeed, ...] = ()
    service_providers: tuple[SAMLServiceProviderSeed, ...] = ()

    def name_id(self, user: SAMLUserSeed) -> str:
        """The user's stable persistent NameID."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"idpbridge-sandbox:saml:{user.username}"))


class Seed(_Model):
    """A whole seed file: an optional Keycloak realm, Cognito pool and SAML IdP."""

    keycloak: KeycloakSeed | None = None
    cognito: CognitoSeed | None = None
    saml: SAMLSeed | None = None


def default_seed_path() -> Path:
    """The seed shipped with idpbridge (users for every method of the demo)."""
    return Path(str(resources.files(__package__).joinpath("default_seed.toml")))


def load_seed(path: str | Path | None = None) -> Seed:
    """Read and validate a seed file (the default one when ``path`` is ``None``).

    Raises :class:`~idpbridge.ConfigurationError` naming the file and the field (never a value).
    """
    p = Path(path) if path is not None else default_seed_path()
    raw = read_toml_file(p, what="seed file")
    try:
        return Seed.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigurationError(f"{p}: {where}: {first['msg']}", field=where) from None
