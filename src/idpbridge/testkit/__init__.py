"""Certify a connector against idpbridge's contract: a pytest plugin and a scripted IdP.

Install ``idpbridge[testkit]``, define a fixture named ``idpbridge_subject`` returning a
:class:`Subject` in a test module, and run ``pytest``: the module gets one test per conformance
rule (:data:`RULES`). See "Certify your connector" in the plugin guide.

* :class:`Subject` / :class:`Flow` — the connector under test and what to ask it.
* :class:`ScriptedIdP` / :class:`Reply` — a scripted provider on loopback (real HTTP, offline).
* :class:`OIDCIdP` — OpenID Connect on a scripted IdP: discovery, keys, tokens, hostile ID tokens.
* :func:`run_rule` — run one rule outside pytest.
"""

from __future__ import annotations

from ._idp import Reply, Responder, ScriptedIdP, Seen, json_body
from ._oidc import HOSTILE_ID_TOKENS, OIDCIdP
from ._suite import RULES, Flow, Rule, RuleBroken, Subject, SubjectError, all_loggers_at_debug, run_rule

__all__ = [
    "HOSTILE_ID_TOKENS",
    "RULES",
    "Flow",
    "OIDCIdP",
    "Reply",
    "Responder",
    "Rule",
    "RuleBroken",
    "ScriptedIdP",
    "Seen",
    "Subject",
    "SubjectError",
    "all_loggers_at_debug",
    "json_body",
    "run_rule",
]
