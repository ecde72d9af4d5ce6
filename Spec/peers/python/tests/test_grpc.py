# SPDX-License-Identifier: Apache-2.0
"""portablewire.grpc: the grpcio codec, over a real server on 127.0.0.1 (a Python one here; the Swift
server's tests are in Tests/PortableWireGRPCTests)."""

from __future__ import annotations

from concurrent import futures

import grpc
import msgpack
import pytest

from portablewire import Limits, Registry, packb
from portablewire.grpc import (
    deserializer,
    serializer,
    unary_stream,
    unary_stream_handler,
    unary_unary,
    unary_unary_handler,
)

registry = Registry()


class Node:
    def __init__(self, name: str) -> None:
        self.name = name


registry.register(Node, "test.Node")


@pytest.fixture
def channel():
    """A Python gRPC server on a free port with an echo, a pair counter and a countdown, and a channel to it."""

    def echo(request, context):
        return request

    def identities(request, context):
        # How many distinct instances arrived, and the request back.
        return {"distinct": len({id(x) for x in request}), "items": request}

    def countdown(request, context):
        for n in range(request["from"], 0, -1):
            yield {"n": n}

    handlers = {
        "Echo": unary_unary_handler(echo, registry=registry, limits=Limits(max_depth=8)),
        "Identities": unary_unary_handler(identities, registry=registry),
        "Countdown": unary_stream_handler(countdown, registry=registry),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Service", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        server.stop(grace=None)


def test_the_codec_is_packb_and_unpackb():
    node = Node("a")
    data = serializer(registry)([node, node])
    assert data == packb([node, node], registry=registry)
    back = deserializer(registry)(data)
    assert back[0] is back[1] and back[0].name == "a"
    # Plain values are plain MessagePack, as Python msgpack writes them.
    assert serializer()({"a": [1, True]}) == msgpack.packb({"a": [1, True]})


def test_shared_instances_cross_grpc_and_come_back_shared(channel):
    shared, other = Node("shared"), Node("other")
    reply = unary_unary(channel, "/test.Service/Identities", registry=registry)([shared, other, shared], timeout=5)
    assert reply["distinct"] == 2
    items = reply["items"]
    assert [x.name for x in items] == ["shared", "other", "shared"]
    assert items[0] is items[2] and items[0] is not items[1]


def test_server_streaming(channel):
    numbers = [m["n"] for m in unary_stream(channel, "/test.Service/Countdown")({"from": 3}, timeout=5)]
    assert numbers == [3, 2, 1]


def test_undecodable_request_is_invalid_argument_and_over_limit_is_resource_exhausted(channel):
    raw = channel.unary_unary("/test.Service/Echo")
    with pytest.raises(grpc.RpcError) as bad:
        raw(bytes.fromhex("93 01 c1 ff ff"), timeout=5)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "invalidFormatByte at byte 2" in bad.value.details()
    metadata = dict(bad.value.trailing_metadata())
    assert metadata["portablewire-error-code"] == "invalidFormatByte"
    assert metadata["portablewire-byte-offset"] == "2" and metadata["portablewire-path"] == "$[1]"
    with pytest.raises(grpc.RpcError) as deep:
        raw(b"\x91" * 20 + b"\x01", timeout=5)
    assert deep.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "the limit max_depth = 8" in deep.value.details()
    assert dict(deep.value.trailing_metadata())["portablewire-error-code"] == "limitExceeded"
    assert raw(packb([1, 2]), timeout=5) == packb([1, 2])


def test_header_values_stay_ascii():
    from portablewire.grpc import _ascii

    assert _ascii('$.kwargs["é\\"]') == '$.kwargs["\\xc3\\xa9\\x5c"]'



def test_a_response_the_client_cannot_decode_fails_the_call(channel):
    # The client knows no test.Node: the reply's portable object is an unknownType for it.
    call = channel.unary_unary(
        "/test.Service/Echo", request_serializer=serializer(registry), response_deserializer=deserializer(Registry())
    )
    with pytest.raises(grpc.RpcError) as failed:
        call(Node("x"), timeout=5)
    assert failed.value.code() == grpc.StatusCode.INTERNAL
