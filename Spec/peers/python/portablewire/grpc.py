# SPDX-License-Identifier: Apache-2.0
"""gRPC with PortableWire messages instead of protobuf, on ``grpcio`` (``pip install portablewire[grpc]``).

grpcio lets every method bring its own codec: a request serializer and a response deserializer on the
client, the reverse in a server's method handler. This module supplies them from the peer, so portable
objects, shared references, global data and well-known types ride on gRPC's deadlines, retries,
streaming and TLS with no ``.proto`` file and no protoc step::

    import grpc
    from portablewire.grpc import unary_unary

    with grpc.insecure_channel("127.0.0.1:50051") as channel:
        call = unary_unary(channel, "/portablewire.example.TaskService/Call", registry=registry)
        reply = call({"task": "app.tasks.add", "id": "1", "args": [2, 3], "kwargs": {}}, timeout=5)

A response the client cannot decode raises ``grpc.RpcError`` with code ``INTERNAL`` (grpcio's choice
for a failing deserializer, "Exception deserializing response!"). A Swift server
built on ``PortableWireGRPC`` answers a request it cannot decode with ``INVALID_ARGUMENT`` and one over
its limits with ``RESOURCE_EXHAUSTED``, naming the Spec error code, byte offset and path in the details
and in the trailing metadata (``portablewire-error-code``, ``portablewire-byte-offset``,
``portablewire-path``).

:class:`TaskServiceClient` is the client of the example task service's gRPC front
(``swift run --traits GRPC pwire-task-service --grpc-port 50051``); ``python -m portablewire.grpc
--port 50051`` runs a few demo calls against it and prints one JSON line per call.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import grpc  # type: ignore[import-untyped]  # grpcio (absolute import: this module is portablewire.grpc)

from .decoder import unpackb
from .encoder import packb
from .options import Limits
from .registry import Registry
from .task_client import CustomVariable, OptimisationResult, TaskError
from .task_client import _jsonable as _task_jsonable

__all__ = [
    "serializer",
    "deserializer",
    "unary_unary",
    "unary_stream",
    "unary_unary_handler",
    "unary_stream_handler",
    "TaskServiceClient",
    "Dataset",
    "registry",
    "SERVICE",
]

#: The example task service's gRPC name (Sources/TaskServiceCore/TaskGRPCService.swift).
SERVICE = "portablewire.example.TaskService"

#: The portable classes of the example service's gRPC methods.
registry = Registry()
registry.register(CustomVariable, "app.CustomVariable")
registry.register(OptimisationResult, "app.OptimisationResult")


class Dataset:
    """A named series of numbers (``app.Dataset``); the same instance sent twice comes back shared."""

    def __init__(self, name: str, values: list[float]) -> None:
        self.name = name
        self.values = values

    def __repr__(self) -> str:
        return f"Dataset(name={self.name!r}, values={self.values!r})"


registry.register(Dataset, "app.Dataset")


def serializer(registry: Registry | None = None, *, limits: Limits | None = None) -> Callable[[object], bytes]:
    """A grpcio serializer: one object in, one PortableWire message out (:func:`portablewire.packb`)."""

    def serialize(message: object) -> bytes:
        return packb(message, registry=registry, limits=limits)

    return serialize


def deserializer(
    registry: Registry | None = None, *, limits: Limits | None = None, passthrough: bool = False
) -> Callable[[bytes], object]:
    """A grpcio deserializer: one PortableWire message in (:func:`portablewire.unpackb`), one object out.

    Bad bytes raise :class:`~portablewire.PortableError` with code, offset and path; grpcio turns that into
    ``INTERNAL`` ("Exception deserializing request!") when a server's method handler uses it directly; a handler
    made by :func:`unary_unary_handler` answers ``INVALID_ARGUMENT`` / ``RESOURCE_EXHAUSTED`` with the details
    instead.
    """

    def deserialize(data: bytes) -> object:
        return unpackb(data, registry=registry, limits=limits, passthrough=passthrough)

    return deserialize


def _client_codec(registry: Registry | None, limits: Limits | None) -> dict[str, Callable[[Any], Any]]:
    """A client callable's codec (grpcio's keyword arguments): requests packed, responses unpacked."""
    return {
        "request_serializer": serializer(registry, limits=limits),
        "response_deserializer": deserializer(registry, limits=limits),
    }


def unary_unary(
    channel: grpc.Channel, method: str, *, registry: Registry | None = None, limits: Limits | None = None
) -> grpc.UnaryUnaryMultiCallable:
    """A callable for the unary method ``/package.Service/Method`` with PortableWire requests and responses."""
    return channel.unary_unary(method, **_client_codec(registry, limits))


def unary_stream(
    channel: grpc.Channel, method: str, *, registry: Registry | None = None, limits: Limits | None = None
) -> grpc.UnaryStreamMultiCallable:
    """A callable for a server-streaming method: one request, an iterator of responses."""
    return channel.unary_stream(method, **_client_codec(registry, limits))


def _ascii(text: str) -> str:
    """``text`` with every byte outside printable ASCII written ``\\xNN``, as a header value must be."""
    return "".join(
        chr(b) if 0x20 <= b <= 0x7E and b != 0x5C else f"\\x{b:02x}" for b in text.encode("utf-8", "surrogatepass")
    )


def _decoding(
    behaviour: Callable[[Any, grpc.ServicerContext], Any], registry: Registry | None, limits: Limits | None
) -> Callable[[bytes, grpc.ServicerContext], Any]:
    """Wraps ``behaviour`` so it receives the decoded request, or the call fails with the right status."""
    from .errors import PortableError

    def run(data: bytes, context: grpc.ServicerContext) -> Any:
        try:
            request = unpackb(data, registry=registry, limits=limits)
        except PortableError as error:
            code = str(error.code)
            status = grpc.StatusCode.RESOURCE_EXHAUSTED if code == "limitExceeded" else grpc.StatusCode.INVALID_ARGUMENT
            metadata = [("portablewire-error-code", code)]
            if error.offset is not None:
                metadata.append(("portablewire-byte-offset", str(error.offset)))
            if error.path is not None:
                metadata.append(("portablewire-path", _ascii(error.path[:320])))
            context.set_trailing_metadata(tuple(metadata))
            context.abort(status, f"PortableWire could not decode the request: {str(error)[:1024]}")
        return behaviour(request, context)

    return run


def unary_unary_handler(
    behaviour: Callable[[Any, grpc.ServicerContext], Any],
    *,
    registry: Registry | None = None,
    limits: Limits | None = None,
) -> grpc.RpcMethodHandler:
    """A grpcio server method handler for a unary method with PortableWire messages.

    Use it with ``grpc.method_handlers_generic_handler(service, {"Method": handler})``. A request that
    does not decode ends the call with ``INVALID_ARGUMENT`` (``RESOURCE_EXHAUSTED`` for a limit) before
    ``behaviour`` runs, as the Swift server does.
    """
    return grpc.unary_unary_rpc_method_handler(
        _decoding(behaviour, registry, limits), request_deserializer=None, response_serializer=serializer(registry)
    )


def unary_stream_handler(
    behaviour: Callable[[Any, grpc.ServicerContext], Iterable[Any]],
    *,
    registry: Registry | None = None,
    limits: Limits | None = None,
) -> grpc.RpcMethodHandler:
    """A grpcio server method handler for a server-streaming method with PortableWire messages."""
    return grpc.unary_stream_rpc_method_handler(
        _decoding(behaviour, registry, limits), request_deserializer=None, response_serializer=serializer(registry)
    )


class TaskServiceClient:
    """The example task service over gRPC (``portablewire.example.TaskService``)."""

    def __init__(self, channel: grpc.Channel, *, registry: Registry = registry, limits: Limits | None = None) -> None:
        self._call = unary_unary(channel, f"/{SERVICE}/Call", registry=registry, limits=limits)
        self._sweep = unary_stream(channel, f"/{SERVICE}/Sweep", registry=registry, limits=limits)
        self._describe = unary_unary(channel, f"/{SERVICE}/Describe", registry=registry, limits=limits)

    def call(self, task: str, *args: Any, timeout: float | None = 10.0, **kwargs: Any) -> Any:
        """Runs a Celery-style task call (``app.tasks.add``...) and returns its result.

        :raises TaskError: the service answered ``FAILURE``.
        :raises grpc.RpcError: the call failed (deadline, bad request, no server).
        """
        call_id = str(uuid.uuid4())
        reply = self._call({"task": task, "id": call_id, "args": list(args), "kwargs": kwargs}, timeout=timeout)
        if not isinstance(reply, dict) or reply.get("id") != call_id:
            raise TaskError(f"reply for another call: {reply!r}")
        if reply.get("status") != "SUCCESS":
            raise TaskError(reply.get("error") or "the task failed")
        return reply.get("result")

    def sweep(
        self,
        variables: list[CustomVariable],
        samples: list[float] | None = None,
        *,
        interval_ms: int | None = None,
        timeout: float | None = 10.0,
    ) -> Iterator[OptimisationResult]:
        """Streams one :class:`OptimisationResult` per variable, each as the server computes it."""
        request: dict[str, Any] = {"variables": variables}
        if samples is not None:
            request["samples"] = samples
        if interval_ms is not None:
            request["interval_ms"] = interval_ms
        return iter(self._sweep(request, timeout=timeout))

    def describe(self, datasets: list[Any], *, timeout: float | None = 10.0) -> dict[str, Any]:
        """Sends datasets (the same instance may appear twice) and returns ``{"datasets", "distinct_count",
        "means"}``; the datasets that come back are shared as the ones sent were."""
        reply = self._describe({"datasets": datasets}, timeout=timeout)
        if not isinstance(reply, dict):
            raise TaskError(f"Describe answered {type(reply).__name__}, not a map")
        return reply


def _jsonable(value: Any) -> Any:
    return _task_jsonable(value, (Dataset,))


def main(argv: list[str] | None = None) -> int:
    """Runs a few demo calls against the example service's gRPC front; one JSON line per call."""
    parser = argparse.ArgumentParser(description="Call the PortableWire example task service over gRPC.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=50051)
    options = parser.parse_args(argv)
    with grpc.insecure_channel(f"{options.host}:{options.port}") as channel:
        client = TaskServiceClient(channel)
        lines: list[dict[str, Any]] = [{"call": "app.tasks.add", "result": client.call("app.tasks.add", 2, 3)}]
        variables = [CustomVariable("mean"), CustomVariable("quantile", 0.5)]
        for result in client.sweep(variables, [3.0, 1.0, 4.0, 1.0, 5.0]):
            lines.append({"call": "Sweep", "result": _jsonable(result)})
        shared = Dataset("a", [1.0, 2.0])
        reply = client.describe([shared, Dataset("b", [4.0]), shared])
        lines.append(
            {
                "call": "Describe",
                "distinct_count": reply["distinct_count"],
                "means": reply["means"],
                "first_is_last": reply["datasets"][0] is reply["datasets"][2],
            }
        )
    for line in lines:
        print(json.dumps(line, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
