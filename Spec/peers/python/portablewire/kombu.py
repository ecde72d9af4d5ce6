# SPDX-License-Identifier: Apache-2.0
"""A kombu serializer, so Celery tasks take and return portable objects.

    from portablewire.kombu import register_kombu_serializer, CONTENT_TYPE

    register_kombu_serializer()                      # name "portablewire"
    app.conf.update(
        task_serializer="portablewire",
        result_serializer="portablewire",
        accept_content=[CONTENT_TYPE],               # "application/x-portablewire"
    )

Each message body is one PortableWire message (:func:`portablewire.packb`), content type
``application/x-portablewire``, content encoding ``binary``. Registered objects anywhere in a
task's args, kwargs or result arrive as instances of their classes, shared ones shared; tuples
arrive as lists. Both ends (the caller and every worker) must register the serializer and the
same portable classes (import the modules that define them), before messages flow.

Needs kombu (``pip install 'portablewire[celery]'``); it is imported only when registering.
"""

from __future__ import annotations

from .decoder import unpackb
from .encoder import packb
from .options import ExtTypes, Limits
from .registry import Registry

__all__ = ["CONTENT_ENCODING", "CONTENT_TYPE", "register_kombu_serializer"]

#: The MIME type of PortableWire message bodies.
CONTENT_TYPE = "application/x-portablewire"
#: Bodies are bytes, never text.
CONTENT_ENCODING = "binary"


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

    Registering again under the same name replaces the earlier codec. Decode failures raise
    :class:`portablewire.PortableError`, which kombu reports as ``kombu.exceptions.DecodeError``.
    """
    from kombu.serialization import register

    def encode(obj: object) -> bytes:
        return packb(obj, registry=registry, limits=limits, ext_types=ext_types)

    def decode(data: bytes | bytearray | memoryview) -> object:
        if isinstance(data, str):
            raise TypeError(
                f"a {CONTENT_TYPE} body is bytes, but the transport delivered str; "
                f"the message's content encoding must be {CONTENT_ENCODING!r}"
            )
        return unpackb(bytes(data), registry=registry, passthrough=passthrough, limits=limits, ext_types=ext_types)

    register(name, encode, decode, content_type=CONTENT_TYPE, content_encoding=CONTENT_ENCODING)
