# SPDX-License-Identifier: Apache-2.0
"""The Celery app a separate worker process runs in test_celery_redis.py.

It does not import portablewire: kombu finds the serializer through the package's
``kombu.serializers`` entry point. Its broker and backend come from PORTABLEWIRE_TEST_REDIS.
"""

import os

import celery

url = os.environ.get("PORTABLEWIRE_TEST_REDIS", "memory://")  # memory:// only when imported by pytest
app = celery.Celery("portablewire_redis_test", broker=url, backend=url)
app.conf.update(
    task_serializer="portablewire",
    result_serializer="portablewire",
    accept_content=["portablewire"],
    result_accept_content=["portablewire"],
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task(name="wk.echo")
def echo(value):
    """Returns what it got, with the type names it saw, so the caller can check both."""
    return {"value": value, "types": sorted({type(v).__name__ for v in value.values()})}
