"""Attribute maps: which SAML attribute names carry e-mail, names, groups and roles per IdP.

Each field lists candidate attribute ``Name`` values (or FriendlyNames), first match wins.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FIELDS", "PRESETS", "resolve_map"]

FIELDS = ("email", "given_name", "family_name", "name", "username", "groups", "roles")

_WS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
_MS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/"
_OID = "urn:oid:"

PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "default": {
        "email": ("email", "mail", "emailAddress", _OID + "0.9.2342.19200300.100.1.3", _WS + "emailaddress"),
        "given_name": ("givenName", "firstName", "given_name", _OID + "2.5.4.42", _WS + "givenname"),
        "family_name": ("sn", "surname", "lastName", "family_name", _OID + "2.5.4.4", _WS + "surname"),
        "name": ("displayName", "cn", "name", _OID + "2.16.840.1.113730.3.1.241", _OID + "2.5.4.3"),
        "username": ("uid", "username", "preferred_username", _OID + "0.9.2342.19200300.100.1.1"),
        "groups": ("groups", "memberOf", "isMemberOf", _OID + "1.3.6.1.4.1.5923.1.5.1.1"),
        "roles": ("roles", "role", "eduPersonAffiliation", _OID + "1.3.6.1.4.1.5923.1.1.1.1"),
    },
    "okta": {
        "email": ("email", "user.email"),
        "given_name": ("firstName", "user.firstName"),
        "family_name": ("lastName", "user.lastName"),
        "name": ("displayName",),
        "username": ("login", "user.login"),
        "groups": ("groups",),
        "roles": ("roles",),
    },
    "entra": {
        "email": (_WS + "emailaddress", _WS + "upn"),
        "given_name": (_WS + "givenname",),
        "family_name": (_WS + "surname",),
        "name": ("http://schemas.microsoft.com/identity/claims/displayname", _WS + "name"),
        "username": (_WS + "name", _WS + "upn"),
        "groups": (_MS + "groups",),
        "roles": (_MS + "role",),
    },
    "adfs": {
        "email": (_WS + "emailaddress", _WS + "upn"),
        "given_name": (_WS + "givenname",),
        "family_name": (_WS + "surname",),
        "name": (_WS + "name", "http://schemas.xmlsoap.org/claims/CommonName"),
        "username": (
            "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname",
            _WS + "upn",
        ),
        "groups": ("http://schemas.xmlsoap.org/claims/Group",),
        "roles": (_MS + "role",),
    },
    "google_workspace": {
        "email": ("email", "mail"),
        "given_name": ("first_name", "firstName"),
        "family_name": ("last_name", "lastName"),
        "name": ("name", "displayName"),
        "username": ("email",),
        "groups": ("groups",),
        "roles": ("roles",),
    },
    "onelogin": {
        "email": ("User.email", "email"),
        "given_name": ("User.FirstName", "firstName"),
        "family_name": ("User.LastName", "lastName"),
        "name": ("User.DisplayName", "displayName"),
        "username": ("User.Username", "username"),
        "groups": ("memberOf", "groups"),
        "roles": ("roles", "User.Roles"),
    },
    "pingfederate": {
        "email": ("mail", "email", "Email"),
        "given_name": ("givenName", "firstName"),
        "family_name": ("sn", "lastName"),
        "name": ("displayName", "cn"),
        "username": ("uid", "SAML_SUBJECT", "username"),
        "groups": ("memberOf", "groups"),
        "roles": ("roles",),
    },
    "keycloak": {
        "email": ("email", _OID + "1.2.840.113549.1.9.1"),
        "given_name": ("firstName", _OID + "2.5.4.42"),
        "family_name": ("lastName", _OID + "2.5.4.4"),
        "name": ("displayName",),
        "username": ("username", "uid"),
        "groups": ("groups", "member"),
        "roles": ("Role", "roles"),
    },
}


def resolve_map(preset: str, overrides: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The preset's candidates with ``overrides`` (field -> names) taking precedence."""
    base = dict(PRESETS[preset])
    for field, names in overrides.items():
        base[field] = tuple(names)
    return base
