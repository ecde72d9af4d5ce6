# SPDX-License-Identifier: Apache-2.0
"""A kombu serializer, so Celery tasks take and return portable objects.

With the package installed, kombu finds the serializer through its ``kombu.serializers`` entry
point: nothing to import or register, in the caller or in the worker::

    app.conf.update(
        task_serializer="portablewire",
        result_serializer="portablewire",
        accept_content=["portablewire"],
        result_accept_content=["portablewire"],
    )

Each message body is one PortableWire message (:func:`portablewire.packb`), content type
``application/x-portablewire``, content encoding ``binary``. Registered objects anywhere in a
task's args, kwargs or result arrive as instances of their classes, shared ones shared. The
task body's own structure (``[args, kwargs, embed]``) is written as arrays, as other languages
read it; tuples inside the arguments travel as tuples.

**Nothing is dropped silently.** When a worker cannot decode a task body (a class it has not
registered, a malformed body, a limit), Celery would log the error and discard the message,
leaving the caller's ``get()`` to wait forever. Instead the decoder hands the worker a body
whose arguments raise the :class:`~portablewire.PortableError` when the task is called, so the
task fails like any task that raises: the caller's ``get()`` raises it, with the type name,
byte offset and path, and errbacks run. A body that is not a task body raises as before.

:func:`register_kombu_serializer` registers a codec with other options (a registry, limits,
passthrough); the entry point registers the defaults under ``"portablewire"``. Both ends must
register the same portable classes (import the modules that define them) before messages flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .decoder import unpackb
from .encoder import packb
from .errors import PortableError
from .options import ExtTypes, Limits
from .registry import Registry

__all__ = ["CONTENT_ENCODING", "CONTENT_TYPE", "codec", "register_args", "register_kombu_serializer"]

#: The MIME type of PortableWire message bodies.
CONTENT_TYPE = "application/x-portablewire"
#: Bodies are bytes, never text.
CONTENT_ENCODING = "binary"


class FailedArguments(tuple):  # type: ignore[type-arg]
    """The arguments of a task body the worker could not decode: calling the task raises the error.

    Celery calls ``task(*args, **kwargs)`` inside its failure handling, so unpacking these
    arguments raises the :class:`PortableError` there and the task is recorded as failed.
    """

    error: PortableError

    def __new__(cls, error: PortableError) -> FailedArguments:
        self = super().__new__(cls)
        self.error = error
        return self

    def __iter__(self) -> Iterator[object]:
        raise self.error

    def __repr__(self) -> str:
        return f"<undecodable task arguments: {self.error}>"


def _is_task_body(data: bytes) -> bool:
    """Whether ``data`` starts like a Celery protocol-2 body: an array of 3 whose first item is an array."""
    return len(data) >= 2 and data[0] == 0x93 and (0x90 <= data[1] <= 0x9F or data[1] in (0xDC, 0xDD))


def codec(
    registry: Registry | None = None,
    *,
    passthrough: bool = False,
    limits: Limits | None = None,
    ext_types: ExtTypes | None = None,
) -> tuple[Callable[[object], bytes], Callable[[bytes], object]]:
    """The ``(encode, decode)`` pair kombu registers; see the module docs for what decode does on failure."""

    def encode(obj: object) -> bytes:
        # Celery's protocol-2 body is (args, kwargs, embed): arrays on the wire, as every peer reads it.
        if type(obj) is tuple and len(obj) == 3 and isinstance(obj[0], (tuple, list)) and isinstance(obj[1], dict):
            obj = [list(obj[0]), obj[1], obj[2]]
        return packb(obj, registry=registry, limits=limits, ext_types=ext_types)

    def decode(data: bytes | bytearray | memoryview) -> object:
        if isinstance(data, str):
            raise TypeError(
                f"a {CONTENT_TYPE} body is bytes, but the transport delivered str; "
                f"the message's content encoding must be {CONTENT_ENCODING!r}"
            )
        data = bytes(data)
        try:
            return unpackb(data, registry=registry, passthrough=passthrough, limits=limits, ext_types=ext_types)
        except PortableError as error:
            if not _is_task_body(data):
                raise
            failure = PortableError(
                error.code,
                f"the worker could not decode the task's arguments: {error}",
                hint=None,
            )
            failure.__cause__ = error
            embed: object = {}
            if error.code == "unknownType":  # the rest of the body may still say what to call on failure
                try:
                    body = unpackb(data, registry=registry, passthrough=True, limits=limits, ext_types=ext_types)
                    if type(body) is list and len(body) == 3 and isinstance(body[2], dict):
                        embed = body[2]
                except PortableError:
                    pass
            return [FailedArguments(failure), {}, embed]

    return encode, decode


def register_kombu_serializer(
    name: str = "portablewire",
    registry: Registry | None = None,
    *,
    passthrough: bool = False,
    limits: Limits | None = None,
    ext_types: ExtTypes | None = None,
) -> None:
    """Registers a PortableWire encoder and decoder with ``kombu.serialization.register``.

    - ``name``: what ``task_serializer`` / ``result_serializer`` (or ``serializer=``) refer to.
    - ``registry``: the portable classes (default: the ``@portable_class`` registry, looked up
      at each message, so classes registered later count).
    - ``passthrough``, ``limits``, ``ext_types``: as for :func:`portablewire.unpackb` and
      :func:`portablewire.packb`.

    Registering again under the same name replaces the earlier codec. A task body that cannot
    be decoded fails its task (see the module docs); other bodies raise
    :class:`portablewire.PortableError`, which kombu reports as ``kombu.exceptions.DecodeError``.
    """
    from kombu.serialization import register  # type: ignore[import-untyped, unused-ignore]

    encode, decode = codec(registry, passthrough=passthrough, limits=limits, ext_types=ext_types)
    register(name, encode, decode, content_type=CONTENT_TYPE, content_encoding=CONTENT_ENCODING)  # type: ignore[no-untyped-call, unused-ignore]


#: What kombu's ``kombu.serializers`` entry point loads: ``(encode, decode, content type, encoding)``.
register_args = (*codec(), CONTENT_TYPE, CONTENT_ENCODING)
