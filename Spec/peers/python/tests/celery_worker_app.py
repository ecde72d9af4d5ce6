# SPDX-License-Identifier: Apache-2.0
"""The Celery app a separate worker process runs in test_celery_redis.py (whose caller is made alike).

It does not import portablewire: kombu finds the serializer through the package's
``kombu.serializers`` entry point. Its broker and backend come from PORTABLEWIRE_TEST_REDIS.
"""

import os

import celery


def portablewire_app(main: str, url: str, **options) -> celery.Celery:
    """A Celery app with ``url`` as broker and backend, whose tasks and results travel as PortableWire
    (the serializer named by its entry point); the worker's and the test's caller's."""
    app = celery.Celery(main, broker=url, backend=url, **options)
    app.conf.update(
        task_serializer="portablewire",
        result_serializer="portablewire",
        accept_content=["portablewire"],
        result_accept_content=["portablewire"],
        broker_connection_retry_on_startup=True,
    )
    return app


url = os.environ.get("PORTABLEWIRE_TEST_REDIS", "memory://")  # memory:// only when imported by pytest
app = portablewire_app("portablewire_redis_test", url)
app.conf.update(worker_hijack_root_logger=False)


@app.task(name="wk.echo")
def echo(value):
    """Returns what it got, with the type names it saw, so the caller can check both."""
    return {"value": value, "types": sorted({type(v).__name__ for v in value.values()})}
