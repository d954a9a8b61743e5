"""Check Cognito wire exchanges against botocore's own ``cognito-idp`` service model.

The model is the one boto3 installs (``botocore/data/cognito-idp/2016-04-18/service-2.json``). It
gives the operations, the members of every request and response shape (required ones, types,
enums, lengths, patterns), the errors each operation may answer and which of them are server
faults (HTTP 500). Map parameters (``AuthParameters``, ``ChallengeResponses``) are free-form in the
shapes; their names come from the members' own documentation, which lists them per flow and per
challenge. :class:`CognitoModel` turns all of that into ``problems_*`` functions returning what is
wrong (an empty list: the exchange is allowed).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import botocore
import botocore.session

__all__ = ["PROTOCOL_ERRORS", "CognitoModel", "ModelLog", "model"]

#: Errors of the AWS JSON 1.1 protocol itself, answered before an operation is known
#: (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html).
PROTOCOL_ERRORS = frozenset({"UnknownOperationException", "SerializationException"})

#: Parameters every flow and challenge may add (the documentation says so once for all).
_ALWAYS = frozenset({"SECRET_HASH", "DEVICE_KEY"})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class CognitoModel:
    """The ``cognito-idp`` model, as allow-lists."""

    def __init__(self) -> None:
        session = botocore.session.get_session()
        self.version = botocore.__version__
        self.service = session.get_service_model("cognito-idp")
        self.raw: dict[str, Any] = session.get_component("data_loader").load_service_model(
            "cognito-idp", "service-2"
        )
        self.target_prefix: str = self.service.metadata["targetPrefix"]
        self.challenges = frozenset(self.service.shape_for("ChallengeNameType").enum)
        self.auth_flows = frozenset(self.service.shape_for("AuthFlowType").enum)

    # -- what the documentation lists ------------------------------------------------------------

    @functools.cached_property
    def challenge_responses(self) -> Mapping[str, frozenset[str]]:
        """Challenge name -> the ``ChallengeResponses`` keys its documented examples use."""
        op = self.service.operation_model("RespondToAuthChallenge")
        doc = _text(op.input_shape.members["ChallengeResponses"].documentation)
        out: dict[str, set[str]] = {}
        for name, body in re.findall(r'"ChallengeName": "(\w+)", "ChallengeResponses": \{([^}]*)\}', doc):
            out.setdefault(name, set()).update(re.findall(r'"([A-Za-z_.]+)":', body))
        return {k: frozenset(v) | _ALWAYS for k, v in out.items()}

    @functools.cached_property
    def select_mfa_answers(self) -> frozenset[str]:
        op = self.service.operation_model("RespondToAuthChallenge")
        doc = _text(op.input_shape.members["ChallengeResponses"].documentation)
        found = re.search(r'"SELECT_MFA_TYPE", "ChallengeResponses": \{[^}]*"ANSWER": "\[([\w|]+)\]"', doc)
        return frozenset(found.group(1).split("|")) if found else frozenset()

    @functools.cached_property
    def auth_parameters(self) -> Mapping[str, frozenset[str]]:
        """Auth flow -> the ``AuthParameters`` names the documentation lists for it."""
        op = self.service.operation_model("InitiateAuth")
        doc = _text(op.input_shape.members["AuthParameters"].documentation)
        heads = [
            (m.start(), m.group(1))
            for m in re.finditer(r" ((?:[A-Z_]+/)?[A-Z_]+_AUTH|REFRESH_TOKEN|USER_AUTH) ", doc)
        ]
        out: dict[str, set[str]] = {}
        for i, (start, head) in enumerate(heads):
            end = heads[i + 1][0] if i + 1 < len(heads) else len(doc)
            segment = doc[start + len(head) + 1 : end]
            names = set(re.findall(r"\b[A-Z][A-Z_]*[A-Z]\b", segment))
            names -= (self.auth_flows - set(re.findall(r"\b([A-Z_]+) \(required\)", segment))) | {
                "ACR",
                "AMR",
            }
            for flow in head.split("/"):
                out.setdefault(flow, set()).update(n for n in names if len(n) >= 5)
        return {k: frozenset(v) | _ALWAYS for k, v in out.items()}

    # -- checks ---------------------------------------------------------------------------------

    def operation(self, target: str | None) -> str | None:
        """The operation an ``X-Amz-Target`` names, when the model has it."""
        if not target or not target.startswith(self.target_prefix + "."):
            return None
        name = target.removeprefix(self.target_prefix + ".")
        return name if name in self.service.operation_names else None

    def problems_request(self, operation: str, body: Mapping[str, Any]) -> list[str]:
        shape = self.service.operation_model(operation).input_shape
        out = self._structure(shape, body, operation)
        flow = body.get("AuthFlow")
        params = body.get("AuthParameters")
        if isinstance(flow, str) and isinstance(params, Mapping):
            allowed = self.auth_parameters.get(flow, _ALWAYS)
            out += [f"AuthParameters.{k} is not documented for {flow}" for k in params if k not in allowed]
        name, answers = body.get("ChallengeName"), body.get("ChallengeResponses")
        if isinstance(name, str) and isinstance(answers, Mapping):
            allowed = self.challenge_responses.get(name, _ALWAYS)
            out += [
                f"ChallengeResponses.{k} is not documented for {name}"
                for k in answers
                if k not in allowed
                and not (name == "NEW_PASSWORD_REQUIRED" and k.startswith("userAttributes."))
            ]
            if name == "SELECT_CHALLENGE" and answers.get("ANSWER") not in self.challenges:
                out.append(f"SELECT_CHALLENGE answer {answers.get('ANSWER')!r} is not a challenge name")
            if name == "SELECT_MFA_TYPE" and answers.get("ANSWER") not in self.select_mfa_answers:
                out.append(f"SELECT_MFA_TYPE answer {answers.get('ANSWER')!r} is not documented")
        return out

    def problems_response(self, operation: str, body: Mapping[str, Any]) -> list[str]:
        shape = self.service.operation_model(operation).output_shape
        return self._structure(shape, body, operation)

    def problems_error(self, operation: str | None, error_type: str, status: int) -> list[str]:
        if operation is None:
            return (
                []
                if error_type in PROTOCOL_ERRORS and status == 400
                else [f"{error_type} before an operation"]
            )
        declared = {s.name for s in self.service.operation_model(operation).error_shapes}
        if error_type not in declared:
            return [f"{operation} does not declare {error_type}"]
        fault = bool(self.raw["shapes"][error_type].get("fault"))
        want = 500 if fault else 400
        return [] if status == want else [f"{error_type} answered {status}, the model says {want}"]

    def _structure(self, shape: Any, value: Any, where: str) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{where}: not an object"]
        out = [f"{where}.{m} is required" for m in shape.required_members if value.get(m) is None]
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                out.append(f"{where}.{key} is not a member of {shape.name}")
            elif item is not None:
                out += self._value(member, item, f"{where}.{key}")
        return out

    def _value(self, shape: Any, value: Any, where: str) -> list[str]:
        kind = shape.type_name
        if kind == "structure":
            return self._structure(shape, value, where)
        if kind == "map":
            if not isinstance(value, Mapping):
                return [f"{where}: not a map"]
            out = []
            for k, v in value.items():
                out += self._value(shape.key, k, f"{where} key")
                out += self._value(shape.value, v, f"{where}.{k}")
            return out
        if kind == "list":
            if not isinstance(value, list):
                return [f"{where}: not a list"]
            return [p for i, v in enumerate(value) for p in self._value(shape.member, v, f"{where}[{i}]")]
        if kind == "string":
            if not isinstance(value, str):
                return [f"{where}: not a string"]
            out = []
            if shape.enum and value not in shape.enum:
                out.append(f"{where}: {value!r} is not in {shape.name}")
            meta = shape.metadata
            if ("min" in meta and len(value) < meta["min"]) or ("max" in meta and len(value) > meta["max"]):
                out.append(f"{where}: length {len(value)} outside {meta.get('min')}..{meta.get('max')}")
            if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
                out.append(f"{where}: does not match {meta['pattern']}")
            return out
        if kind in ("integer", "long"):
            return (
                [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: not an integer"]
            )
        if kind == "boolean":
            return [] if isinstance(value, bool) else [f"{where}: not a boolean"]
        return []


@functools.cache
def model() -> CognitoModel:
    """The installed model (loaded once)."""
    return CognitoModel()


class ModelLog:
    """Checks every operation a Cognito emulator serves against the model, and keeps the problems.

    A request the model refuses must be refused (with an error the operation declares); an
    accepted one must be answered with a response shape the model allows.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen: list[tuple[str, str]] = []  # (operation, outcome: "ok" or the error type)

    def clear(self) -> None:
        self.problems.clear()

    def watch(self, server: Any) -> None:
        from idpbridge.sandbox.cognito.entities import CognitoFault

        checker = model()
        operations = server.app.operations
        for name, serve in list(operations.items()):

            def checked(body: dict[str, Any], *, _name: str = name, _serve: Any = serve) -> dict[str, Any]:
                bad_request = checker.problems_request(_name, body)
                try:
                    answer: dict[str, Any] = _serve(body)
                except CognitoFault as fault:
                    self.seen.append((_name, fault.error_type))
                    self.problems += checker.problems_error(_name, fault.error_type, fault.status)
                    raise
                self.seen.append((_name, "ok"))
                if bad_request:
                    self.problems += [f"accepted a request the model refuses: {p}" for p in bad_request]
                self.problems += checker.problems_response(_name, answer)
                return answer

            operations[name] = checked
