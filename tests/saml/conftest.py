"""Helpers shared by the SAML tests."""

from __future__ import annotations

from typing import Any

from idpbridge.cache import Cache
from idpbridge.replay import MemoryReplayStore
from idpbridge.saml.connector import SAMLConnector
from tests.peers.lemonldap_saml import ACS_URL, SP_ENTITY_ID, KeyPair


def make_connector(
    metadata_url: str, sp: KeyPair, *, cache: Cache | None = None, **extra: Any
) -> SAMLConnector:
    """A SAML connector for the test SP, with its own replay store (and ``cache``, when given)."""
    fields: dict[str, Any] = {
        "idp_metadata_url": metadata_url,
        "sp_entity_id": SP_ENTITY_ID,
        "acs_url": ACS_URL,
        "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "sp_decryption_key": sp.key_pem,
    }
    fields.update(extra)
    return SAMLConnector(fields, replay_store=MemoryReplayStore(), cache=cache)
