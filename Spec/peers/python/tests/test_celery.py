# SPDX-License-Identifier: Apache-2.0
"""PortableWire as a kombu serializer: a real Celery app and a real (in-process) worker.

The broker is kombu's in-memory transport and the result backend the in-memory cache, so the
test needs no services; the worker is Celery's own ``start_worker`` in a thread, consuming
from the broker like any worker. Needs celery (and pydantic); without them this module fails
to import: it is never skipped.
"""

import threading
import uuid

import celery
import kombu.serialization
import pytest
from app_models import CustomVariable, VariableType
from celery.contrib.testing.worker import start_worker
from celery.signals import task_received
from pydantic import BaseModel

from portablewire import OpaqueObject, PortableError, Registry, packb, portable_class, unpackb
from portablewire.kombu import CONTENT_ENCODING, CONTENT_TYPE, register_kombu_serializer

TIMEOUT = 20  # seconds; every wait below is bounded by it

registry = Registry()
registry.register(CustomVariable, "app.CustomVariable")


@portable_class("app.Summary", registry=registry)
class Summary(BaseModel):
    count: int
    received: list[str]
    variables: list[CustomVariable]
    first_is_last: bool


@portable_class("app.Node", registry=registry)
class Node:  # a plain portable class, alongside the models
    def __init__(self, name):
        self.name = name


register_kombu_serializer("portablewire", registry=registry)

app = celery.Celery("portablewire_test", broker="memory://", backend="cache+memory://", set_as_current=False)
app.conf.update(
    task_serializer="portablewire",
    result_serializer="portablewire",
    accept_content=[CONTENT_TYPE],
    result_accept_content=[CONTENT_TYPE],
    broker_connection_retry_on_startup=False,
    broker_transport_options={"polling_interval": 0.01},
    worker_hijack_root_logger=False,
)

#: What the worker saw: task id -> (content type, content encoding) of the message.
seen_messages: dict = {}
#: What the task received: task id -> kwargs.
seen_kwargs: dict = {}
lock = threading.Lock()


@task_received.connect
def _record_message(sender=None, request=None, **_):
    with lock:
        seen_messages[request.id] = (request.content_type, request.content_encoding)


@app.task(bind=True, name="portablewire_test.summarize")
def summarize(self, label, *, options):
    with lock:
        seen_kwargs[self.request.id] = options
    variables = options["variables"]
    return Summary(
        count=len(variables),
        received=[label] + [type(v).__qualname__ for v in variables],
        variables=variables,
        first_is_last=variables[0] is variables[-1],
    )


@app.task(name="portablewire_test.nodes")
def nodes(pair):
    return {"same": pair[0] is pair[1], "names": [n.name for n in pair], "echo": pair}


@app.task(name="portablewire_test.fail")
def fail(variable):
    raise ValueError(f"cannot use {variable.type.value}")


@pytest.fixture(scope="module")
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=TIMEOUT) as running:
        yield running


def test_serializer_is_registered_with_kombu():
    content_type, encoding, body = kombu.serialization.dumps([CustomVariable(type="mean")], serializer="portablewire")
    assert (content_type, encoding) == (CONTENT_TYPE, CONTENT_ENCODING) == ("application/x-portablewire", "binary")
    assert body == packb([CustomVariable(type="mean")], registry=registry)
    decoded = kombu.serialization.loads(body, content_type, encoding, accept=[CONTENT_TYPE])
    assert decoded == [CustomVariable(type="mean")]


def test_task_receives_models_inside_a_list_inside_kwargs_and_returns_a_model(worker):
    q = CustomVariable(type="quantile", quantile=0.5)
    m = CustomVariable(type="mean")
    result = summarize.apply_async(("first",), {"options": {"variables": [q, m, q]}})
    summary = result.get(timeout=TIMEOUT, interval=0.01)

    assert type(summary) is Summary
    assert summary.count == 3
    assert summary.received == ["first", "CustomVariable", "CustomVariable", "CustomVariable"]
    assert summary.variables == [q, m, q]
    assert summary.first_is_last  # the shared instance arrived shared in the worker
    assert summary.variables[0] is summary.variables[2]  # and came back shared

    received = seen_kwargs[result.id]["variables"]
    assert isinstance(received, list)
    assert all(type(v) is CustomVariable for v in received)
    assert received[0].type is VariableType.quantile and received[0].quantile == 0.5
    assert seen_messages[result.id] == (CONTENT_TYPE, CONTENT_ENCODING)


def test_plain_portable_classes_travel_too(worker):
    a = Node("a")
    out = nodes.delay([a, a]).get(timeout=TIMEOUT, interval=0.01)
    assert out["same"] is True and out["names"] == ["a", "a"]
    assert type(out["echo"][0]) is Node and out["echo"][0] is out["echo"][1]


def test_task_errors_come_back_as_exceptions(worker):
    result = fail.delay(CustomVariable(type="variance"))
    with pytest.raises(ValueError, match="cannot use variance"):
        result.get(timeout=TIMEOUT, interval=0.01)
    assert result.state == "FAILURE"


def test_results_decode_with_the_registry():
    # What the cache backend stores is a PortableWire message holding the task's meta.
    meta = {"status": "SUCCESS", "result": Summary(count=0, received=[], variables=[], first_is_last=False)}
    stored = app.backend.encode(meta)
    assert stored == packb(meta, registry=registry)
    assert unpackb(stored, registry=registry) == meta


@app.task(name="portablewire_test.echo")
def echo(value):
    return value


def test_a_worker_that_cannot_decode_fails_the_task_instead_of_dropping_it(worker):
    # The worker's registry has no 'app.Missing': the task fails and get() raises, with the path.
    result = echo.delay({"job": OpaqueObject("app.Missing", [1])})
    with pytest.raises(PortableError) as caught:
        result.get(timeout=TIMEOUT, interval=0.01)
    assert caught.value.code == "unknownType"
    assert "'app.Missing'" in str(caught.value) and "$[0][0].job" in str(caught.value)
    assert result.state == "FAILURE"


def test_a_malformed_body_fails_the_task(worker):
    task_id = str(uuid.uuid4())
    message = app.amqp.as_task_v2(task_id, "portablewire_test.echo", args=[1], kwargs={})
    body = bytes.fromhex("93 91 c1 80 80")  # [ [0xc1], {}, {} ]: 0xc1 is never valid
    with app.producer_or_acquire() as producer:
        producer.publish(
            body, routing_key="celery", exchange="", headers=message.headers, content_type=CONTENT_TYPE,
            content_encoding=CONTENT_ENCODING, serializer=None, **message.properties,
        )
    with pytest.raises(PortableError) as caught:
        app.AsyncResult(task_id).get(timeout=TIMEOUT, interval=0.01)
    assert caught.value.code == "invalidFormatByte" and "byte 2" in str(caught.value)


def test_task_body_structure_is_arrays_and_tuples_inside_stay_tuples():
    content_type, encoding, body = kombu.serialization.dumps(((1, (2, 3)), {"k": (4,)}, {}), serializer="portablewire")
    assert body[:2] == b"\x93\x92"  # [args, kwargs, embed] with args an array, as Swift reads it
    args, kwargs, embed = kombu.serialization.loads(body, content_type, encoding, accept=[CONTENT_TYPE])
    assert args == [1, (2, 3)] and kwargs == {"k": (4,)} and embed == {}
