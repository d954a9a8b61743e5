"""The Keycloak face's data: realms, clients, users, redirect-URI matching, brute-force counters.

Behaviour follows Keycloak's sources (https://github.com/keycloak/keycloak) and server
administration guide (https://www.keycloak.org/docs/latest/server_admin/): usernames are stored
lower-case and looked up case-insensitively, users may sign in with their e-mail ("Login with
email", on by default), valid redirect URIs may end in ``*`` and a loopback redirect URI
(``http://127.0.0.1:<port>/...``, ``http://localhost:<port>/...``) matches whatever its port
(RFC 8252 §7.3; Keycloak ``RedirectUtils``).
"""

from __future__ import annotations

import dataclasses
import hmac
import re
import uuid

__all__ = ["Realm", "RealmClient", "RealmUser"]

_LOOPBACK_PORT = re.compile(r"^(http://(?:127\.0\.0\.1|localhost|\[::1\])):\d+(?=/|$)")


@dataclasses.dataclass
class RealmUser:
    """A realm user. ``id`` is the ``sub`` of its tokens (a UUID in Keycloak)."""

    username: str
    password: str | None = None
    id: str = dataclasses.field(default_factory=lambda: str(uuid.uuid4()))
    email: str | None = None
    email_verified: bool = False
    first_name: str | None = None
    last_name: str | None = None
    enabled: bool = True
    totp_secret: str | None = None
    required_actions: tuple[str, ...] = ()
    realm_roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    attributes: dict[str, str] = dataclasses.field(default_factory=dict)
    #: Consecutive failed logins (brute-force detection) and until when the user is locked.
    failures: int = 0
    locked_until: float = 0.0

    def __post_init__(self) -> None:
        self.username = self.username.lower()

    def check_password(self, given: object) -> bool:
        """Constant-time password comparison (a user without password never matches)."""
        return (
            isinstance(given, str)
            and self.password is not None
            and hmac.compare_digest(given.encode(), self.password.encode())
        )

    @property
    def name(self) -> str | None:
        """``"{first} {last}"`` as Keycloak's full-name mapper builds it."""
        parts = [p for p in (self.first_name, self.last_name) if p]
        return " ".join(parts) or None


@dataclasses.dataclass
class RealmClient:
    """An OIDC client. ``secret`` ``None`` is a public client."""

    client_id: str
    secret: str | None = None
    redirect_uris: tuple[str, ...] = ()
    standard_flow: bool = True
    direct_access_grants: bool = True
    #: ``"S256"``/``"plain"`` enforces PKCE with that method ("PKCE Method" in the admin console).
    pkce_method: str | None = None

    def valid_redirect(self, redirect_uri: str | None) -> str | None:
        """``redirect_uri`` if it matches a registered pattern, else ``None``."""
        if not redirect_uri or not self.redirect_uris:
            return None
        candidate = _lower_host(redirect_uri).split("?", 1)[0]
        if _matches(self.redirect_uris, candidate):
            return redirect_uri
        portless = _LOOPBACK_PORT.sub(r"\1", candidate)
        if portless != candidate and _matches(self.redirect_uris, portless):
            return redirect_uri
        return None


def _lower_host(uri: str) -> str:
    n = uri.find("/", 8)
    return uri.lower() if n == -1 else uri[:n].lower() + uri[n:]


def _matches(patterns: tuple[str, ...], uri: str) -> bool:
    for pattern in patterns:
        if pattern.endswith("*"):
            stem = pattern[:-1]
            if uri.startswith(stem) or uri == stem.rstrip("/"):
                return True
        elif pattern == uri:
            return True
    return False


@dataclasses.dataclass
class Realm:
    """A realm: its clients and users and the few settings the sandbox models."""

    name: str
    clients: dict[str, RealmClient] = dataclasses.field(default_factory=dict)
    users: dict[str, RealmUser] = dataclasses.field(default_factory=dict)
    login_with_email: bool = True
    #: Include a ``groups`` claim (as a "Group Membership" mapper named ``groups`` would).
    groups_claim: bool = True
    #: The "realm roles" mapper's "Add to ID token" switch (off in Keycloak's default ``roles``
    #: scope: ``realm_access`` is then in the access token only).
    roles_in_id_token: bool = False
    #: HTTP status of ``invalid_grant`` "Invalid user credentials" (401 before Keycloak 26.6, then 400).
    invalid_credentials_status: int = 401
    #: Brute-force detection: lock a user after this many consecutive failures (``None``: off,
    #: Keycloak's default), for ``lockout_seconds``.
    brute_force_max_failures: int | None = None
    lockout_seconds: float = 60.0
    access_token_lifespan: int = 300
    sso_session_idle: int = 1800

    def add_client(self, client: RealmClient) -> RealmClient:
        self.clients[client.client_id] = client
        return client

    def add_user(self, user: RealmUser) -> RealmUser:
        self.users[user.id] = user
        return user

    def find_user(self, name: str) -> RealmUser | None:
        """By username (case-insensitive), then by e-mail when login with e-mail is on."""
        lowered = name.lower()
        for user in self.users.values():
            if user.username == lowered:
                return user
        if self.login_with_email and "@" in name:
            found = [u for u in self.users.values() if u.email and u.email.lower() == lowered]
            if len(found) == 1:
                return found[0]
        return None

    def locked(self, user: RealmUser, now: float) -> bool:
        """Whether brute-force detection holds this user back right now."""
        return self.brute_force_max_failures is not None and now < user.locked_until

    def record_failure(self, user: RealmUser, now: float) -> None:
        """Count a failed login; lock the user once the threshold is reached."""
        user.failures += 1
        limit = self.brute_force_max_failures
        if limit is not None and user.failures >= limit:
            user.locked_until = now + self.lockout_seconds
            user.failures = 0

    @staticmethod
    def record_success(user: RealmUser) -> None:
        user.failures = 0
