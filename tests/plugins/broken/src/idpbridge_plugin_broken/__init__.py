"""A plugin that fails on import, as a plugin with a bug or a missing dependency does.

The message carries a credential-shaped value so the tests can show the registry's error text
is sanitized.
"""

raise RuntimeError("idpbridge-plugin-broken cannot start: api_key=sk_live_FIXTURE_DO_NOT_LEAK")
