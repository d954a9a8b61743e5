"""The user-pools API through boto3, without blocking the event loop.

* boto3 is imported on first use, in a worker thread (creating a client loads the service model).
* One boto3 client per connector (botocore clients are thread-safe), from one private boto3
  session per process that caches the service model.
* Calls run on a private, bounded :class:`~idpbridge._workers.WorkerPool`: a call that times out
  while waiting for a worker was never sent, so a queued credential submission cannot reach
  Cognito after its caller has given up; botocore's connect and read timeouts (never longer than
  the whole call's) end a thread whose caller gave up.
* Response bodies are read under ``max_response_bytes`` and the call's deadline
  (:mod:`._transport`): a larger one is :class:`~idpbridge.MalformedResponse`
  ``provider.response_too_large``, never read into memory.
* botocore's own retries are off (``total_max_attempts: 1``) because its standard mode retries
  read timeouts and dropped connections, which may replay a password or an OTP that reached
  Cognito. Calls run under the connector's :class:`~idpbridge.http.RetryPolicy` instead, the
  same loop as HTTP calls (:meth:`RetryPolicy.run <idpbridge.http.RetryPolicy.run>`): botocore's
  connect errors and connect timeouts count as never sent, read timeouts and dropped connections
  as transport failures, and an error answer as its HTTP status. So only failures that happened
  before anything was sent are retried for credential submissions; idempotent reads also retry
  read timeouts and 5xx (Cognito's policy treats every 5xx as retryable, and no 429).
* Requests are unsigned (``InitiateAuth``/``RespondToAuthChallenge``/``GetUser`` are
  ``authtype: none``), so no AWS credentials are looked up (no instance-metadata probe), and
  endpoint settings from the environment (``AWS_ENDPOINT_URL*``) are ignored: ``endpoint_url``
  is the only override.
* botocore and urllib3 log request and response bodies and headers at DEBUG. Creating the client
  installs :func:`idpbridge._logging.install_log_redaction` on their loggers, so passwords,
  SECRET_HASH, Sessions, codes and tokens never reach the application's logs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from ... import _otel
from ..._logging import install_log_redaction
from ..._retry import RetryableStatus, register_transport
from ..._version import __version__
from ..._workers import WorkerPool
from ...errors import IdpBridgeError, ProviderError, ProviderUnavailable
from ...http import RetryPolicy, Timeouts
from ._transport import cap_responses, deadline
from .errors import BOTOCORE, classify_cognito
from .sheet import API_OPERATIONS

__all__ = ["CognitoAPI", "install_log_redaction"]

log = logging.getLogger("idpbridge.cognito")

_session: Any = None
_session_lock = threading.Lock()

#: The statuses an idempotent Cognito call retries: any server error (not 429).
SERVER_ERRORS = frozenset(range(500, 600))


register_transport(BOTOCORE.transport_kind)


class ErrorAnswer(RetryableStatus):
    """One attempt ended with a Cognito error document; ``error`` is botocore's ``ClientError``."""

    def __init__(self, error: Exception, status: int) -> None:
        super().__init__(status, None)  # Cognito sends no Retry-After
        self.error = error


def _aws_code(exc: BaseException) -> str | None:
    """The AWS error code of a failed call (``NotAuthorizedException``), for ``error.type``."""
    error = exc.error if isinstance(exc, ErrorAnswer) else exc
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code if isinstance(code, str) and code.isidentifier() and len(code) <= 64 else None


def retry_failure(exc: Exception) -> Exception:
    """What the retry policy judges for a failed attempt: an error answer as its HTTP status."""
    status = _status(exc) if BOTOCORE.is_a(exc, "ClientError") else None
    return exc if status is None else ErrorAnswer(exc, status)


def _status(client_error: Any) -> int | None:
    status = client_error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


class CognitoAPI:
    """Async calls to one user pool's API through one boto3 client on a bounded thread pool.

    Args:
        region: AWS region.
        endpoint_url: API endpoint override (``None``: botocore's regional endpoint).
        timeouts: connect/read timeouts per request and a total deadline per call.
        retry: attempts and backoff for retryable failures (see the module docstring).
        max_concurrency: calls in flight at once (and pooled connections).
        max_body: largest response body read, in bytes (``max_response_bytes``).
        use_fips_endpoint: use the FIPS endpoint.
        prevent_user_existence_errors: passed to :func:`~.errors.classify`.
    """

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None,
        timeouts: Timeouts,
        retry: RetryPolicy,
        max_concurrency: int = 10,
        max_body: int = 1024 * 1024,
        use_fips_endpoint: bool = False,
        prevent_user_existence_errors: bool = True,
    ) -> None:
        self._region = region
        self._endpoint_url = endpoint_url
        self._timeouts = timeouts
        self._retry = retry.replace(statuses=SERVER_ERRORS)
        self._max = max_concurrency
        self._max_body = max_body
        self._pool = WorkerPool(max_concurrency, name="idpbridge-cognito")
        self._fips = use_fips_endpoint
        self._hide_users = prevent_user_existence_errors
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._closed = False

    # -- public calls ---------------------------------------------------------------------------

    async def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Run one API operation of :data:`~.sheet.API_OPERATIONS` (``call("get_user",
        AccessToken=…)``) under the timeout and retry policy, retried once sent only when the
        table says so; errors are idpbridge errors."""
        idempotent = API_OPERATIONS[operation]
        if self._closed:
            raise ProviderUnavailable("the Cognito connector is closed", code="provider.closed")
        until = time.monotonic() + self._timeouts.total

        async def once() -> dict[str, Any]:
            try:
                return await self._pool.run(lambda: self._run(operation, params, until))
            except Exception as exc:
                raise retry_failure(exc) from None

        try:
            async with asyncio.timeout(self._timeouts.total):
                try:
                    run = self._retry.run(once, idempotent=idempotent)
                    return await _otel.client_call(run, *self._span(operation), error_type=_aws_code)
                except Exception as exc:
                    raise self._translate(exc.error if isinstance(exc, ErrorAnswer) else exc) from None
        except TimeoutError:
            raise ProviderUnavailable(
                f"Cognito did not answer within {self._timeouts.total:g} s", code="provider.timeout"
            ) from None

    async def aclose(self) -> None:
        """Shut the worker pool down and close the client's connections."""
        self._closed = True
        self._pool.close()  # not waiting: a thread a caller gave up on ends at botocore's read timeout
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- machinery -----------------------------------------------------------------------------

    def _make_client(self) -> Any:
        with self._client_lock:
            if self._client is None:
                import boto3.session
                import botocore
                import botocore.config

                install_log_redaction()
                t = self._timeouts
                config = botocore.config.Config(
                    region_name=self._region,
                    signature_version=botocore.UNSIGNED,
                    # never longer than a whole call may take: a silent Cognito frees the thread
                    connect_timeout=min(t.connect, t.total),
                    read_timeout=min(t.read, t.total),
                    retries={"total_max_attempts": 1, "mode": "standard"},
                    max_pool_connections=self._max,
                    use_fips_endpoint=self._fips,
                    ignore_configured_endpoint_urls=True,
                    user_agent_extra=f"idpbridge/{__version__}",
                )
                # One private session per process (boto3's default session is not ours to share):
                # it caches the loaded service model, so each further client is cheap. Sessions are
                # not thread-safe, hence the lock around client creation.
                global _session  # noqa: PLW0603 - a lazily created process-wide cache
                with _session_lock:
                    if _session is None:
                        _session = boto3.session.Session()
                    client = _session.client(
                        "cognito-idp",
                        region_name=self._region,
                        endpoint_url=self._endpoint_url,
                        config=config,
                    )
                cap_responses(client, self._max_body)
                install_log_redaction()  # again: creating the client imported more botocore modules
                self._client = client
            return self._client

    def _run(self, operation: str, params: Mapping[str, Any], until: float) -> dict[str, Any]:
        client = self._make_client()
        with deadline(until):
            result: dict[str, Any] = getattr(client, operation)(**params)
        result.pop("ResponseMetadata", None)
        return result

    def _span(self, operation: str) -> tuple[str, dict[str, str]]:
        """The OpenTelemetry span name and attributes of one operation (AWS SDK conventions)."""
        service, method = "CognitoIdentityProvider", operation.title().replace("_", "")  # InitiateAuth
        return f"{service}.{method}", {
            "rpc.system": "aws-api",
            "rpc.service": service,
            "rpc.method": method,
            "cloud.region": self._region,
        }

    def _translate(self, exc: BaseException) -> IdpBridgeError:
        if isinstance(exc, IdpBridgeError):
            return exc
        if BOTOCORE.is_a(exc, "ClientError"):
            error: Mapping[str, Any] = getattr(exc, "response", {}).get("Error", {})
            return classify_cognito(
                str(error.get("Code", "")),
                error.get("Message"),
                status=_status(exc),
                prevent_user_existence_errors=self._hide_users,
            )
        return BOTOCORE.error(exc) or ProviderError(
            f"unexpected failure calling Cognito: {type(exc).__name__}"
        )

    def __repr__(self) -> str:
        return f"CognitoAPI(region={self._region!r}, endpoint_url={self._endpoint_url!r})"
