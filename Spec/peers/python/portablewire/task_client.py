# SPDX-License-Identifier: Apache-2.0
"""A client for the example task service (``swift run pwire-task-service``).

The service reads Celery-style task calls ``{"task", "id", "args", "kwargs"}`` as PortableWire
messages on a TCP connection and answers each with ``{"id", "status", "result", "error"}``.
Messages follow each other on the connection with no extra framing (Spec/format.md, "Streams").

    from portablewire.task_client import TaskClient, CustomVariable

    with TaskClient(port=7700) as client:
        client.call("app.tasks.add", 2, 3)                                   # 5
        result = client.call("app.tasks.optimise", input=CustomVariable("quantile", 0.5))
        result.estimate, result.variable.quantile                            # 5.5, 0.5

Run ``python -m portablewire.task_client --port 7700`` for a demo that prints one JSON line per
call.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import uuid
from typing import Any

from .encoder import packb
from .registry import Registry, portable_class
from .streaming import Unpacker

__all__ = ["TaskClient", "TaskError", "CustomVariable", "OptimisationResult", "registry"]

#: The portable classes the example service sends and receives.
registry = Registry()


@portable_class("app.CustomVariable", registry=registry)
class CustomVariable:
    """Which statistic to compute: ``mean``, ``variance``, ``standard_error_of_mean`` or ``quantile``."""

    def __init__(self, type: str, quantile: float | None = None) -> None:
        self.type = type
        self.quantile = quantile

    def __repr__(self) -> str:
        return f"CustomVariable(type={self.type!r}, quantile={self.quantile!r})"


@portable_class("app.OptimisationResult", registry=registry)
class OptimisationResult:
    """The result of ``app.tasks.optimise``: the variable asked for, the estimate, the sample count."""

    def __init__(self, variable: CustomVariable, estimate: float, sample_count: int) -> None:
        self.variable = variable
        self.estimate = estimate
        self.sample_count = sample_count

    def __repr__(self) -> str:
        return (
            f"OptimisationResult(variable={self.variable!r}, estimate={self.estimate!r}, "
            f"sample_count={self.sample_count!r})"
        )


class TaskError(Exception):
    """The service answered ``FAILURE``; ``str(error)`` is its explanation."""


class TaskClient:
    """One connection to the task service; calls are answered in order."""

    def __init__(self, host: str = "127.0.0.1", port: int = 7700, *, timeout: float = 10.0) -> None:
        self._socket = socket.create_connection((host, port), timeout=timeout)
        self._unpacker = Unpacker(registry=registry)

    def __enter__(self) -> TaskClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection."""
        self._socket.close()

    def send_raw(self, data: bytes) -> None:
        """Sends bytes as they are (for tests of bad input)."""
        self._socket.sendall(data)

    def call(self, task: str, *args: Any, **kwargs: Any) -> Any:
        """Calls ``task`` and returns its result; raises :class:`TaskError` on ``FAILURE``."""
        call_id = str(uuid.uuid4())
        message = {"task": task, "id": call_id, "args": list(args), "kwargs": kwargs}
        self._socket.sendall(packb(message, registry=registry))
        reply = self.receive()
        if reply.get("id") != call_id:
            raise TaskError(f"reply for another call: {reply!r}")
        if reply.get("status") != "SUCCESS":
            raise TaskError(reply.get("error") or "the task failed")
        return reply.get("result")

    def receive(self) -> dict[str, Any]:
        """Reads the next reply, however the connection cuts it; raises ``ConnectionError`` at EOF."""
        while True:
            for reply in self._unpacker:
                if not isinstance(reply, dict):
                    raise TaskError(f"a reply is a map, not {type(reply).__name__}")
                return reply
            data = self._socket.recv(65536)
            if not data:
                raise ConnectionError("the service closed the connection")
            self._unpacker.feed(data)


def _jsonable(value: Any, classes: tuple[type, ...] = ()) -> Any:
    """A demo reply as JSON: instances of the example's classes (and of `classes`) as maps naming their class."""
    if isinstance(value, (CustomVariable, OptimisationResult, *classes)):
        return {"class": type(value).__name__, **{k: _jsonable(v, classes) for k, v in vars(value).items()}}
    if isinstance(value, list):
        return [_jsonable(v, classes) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, classes) for k, v in value.items()}
    return value


def main(argv: list[str] | None = None) -> int:
    """Runs a few demo calls against a running service and prints one JSON line per call."""
    parser = argparse.ArgumentParser(description="Call the PortableWire example task service.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7700)
    options = parser.parse_args(argv)
    variable = CustomVariable("quantile", 0.5)
    calls = [
        ("app.tasks.add", (2, 3), {}),
        ("app.tasks.optimise", (), {"input": variable, "samples": [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]}),
        ("app.tasks.echo", ([variable, variable, {"tags": ["a", "b"]}],), {}),
        ("app.tasks.unknown", (), {}),
    ]
    with TaskClient(options.host, options.port) as client:
        for task, args, kwargs in calls:
            try:
                result = client.call(task, *args, **kwargs)
                line = {"task": task, "status": "SUCCESS", "result": _jsonable(result)}
                if task == "app.tasks.optimise":
                    line["variable_is_input_class"] = isinstance(result.variable, CustomVariable)
            except TaskError as error:
                line = {"task": task, "status": "FAILURE", "error": str(error)}
            print(json.dumps(line, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
