# SPDX-License-Identifier: Apache-2.0
"""A real worker process on a real broker: Debian's redis-server, started here on 127.0.0.1.

The worker (tests/celery_worker_app.py) does not import portablewire (the kombu entry point
registers the serializer) and registers no portable class, so a task whose arguments hold an
object of a class it does not know must fail, and the caller's get() must raise, within the
timeout: never a message dropped with only a log line. Needs redis-server on PATH
(``apt-get install redis-server``) and the peer installed (``pip install ./Spec/peers/python``)
so that its entry point exists; without them the test fails with what to install.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from celery_worker_app import portablewire_app

from portablewire import OpaqueObject

TIMEOUT = 30
HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen, grace: float = 5.0) -> None:
    """Stops a process this module started: SIGTERM, then SIGKILL after ``grace`` seconds; always reaped.

    The process runs in its own session, so the kill reaches anything it started too. A server
    that does not stop on SIGTERM in time (seen on a loaded CI machine) is killed, not waited for.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=TIMEOUT)  # SIGKILL cannot be ignored: this returns at once
    try:
        os.killpg(process.pid, signal.SIGKILL)  # anything left in its session
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-4000:]
    except OSError:
        return ""


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    assert server, "redis-server is not on PATH: apt-get install -y redis-server"
    port = _free_port()
    log = tmp_path_factory.mktemp("redis") / "redis.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            # `shutdown-on-sigterm nosave now`: no snapshot and no waiting for replicas on SIGTERM.
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--shutdown-on-sigterm", "nosave now"],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, f"redis-server exited:\n{_tail(log)}"
                assert time.monotonic() < deadline, f"redis-server did not start:\n{_tail(log)}"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def worker(redis_url, tmp_path_factory):
    names = [ep.name for ep in entry_points(group="kombu.serializers")]
    assert "portablewire" in names, "the peer is not installed: pip install ./Spec/peers/python"
    # The worker imports the same portablewire as these tests (this source tree); the installed
    # distribution provides the entry point.
    env = dict(os.environ, PORTABLEWIRE_TEST_REDIS=redis_url, PYTHONPATH=os.pathsep.join([str(HERE), str(HERE.parent)]))
    # The worker's output goes to a file: a pipe nobody reads would block the worker once full.
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "celery_worker_app", "worker", "--pool=solo", "--concurrency=1",
             "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel=WARNING"],
            env=env,
            cwd=HERE,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        _stop(process)  # before redis (this fixture depends on it, so pytest tears it down first)
        print(f"worker log ({log}):\n{_tail(log)}")


@pytest.fixture(scope="module")
def caller(redis_url):
    app = portablewire_app("portablewire_redis_caller", redis_url, set_as_current=False)
    yield app
    app.close()  # its broker and backend connections, before redis stops


def test_well_known_values_go_to_a_real_worker_and_back(worker, caller):
    value = {
        "when": dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "day": dt.date(2024, 5, 1),
        "amount": Decimal("10.50"),
        "id": uuid.UUID(int=42),
        "tags": {"a", "b"},
        "pair": (1, "x"),
    }
    result = caller.send_task("wk.echo", args=[value]).get(timeout=TIMEOUT, interval=0.05)
    assert result["value"] == value
    assert result["types"] == ["Decimal", "UUID", "date", "datetime", "set", "tuple"]


def test_a_worker_missing_a_class_fails_the_task_and_get_raises(worker, caller):
    started = time.monotonic()
    result = caller.send_task("wk.echo", args=[{"job": OpaqueObject("app.Unregistered", {"x": 1})}])
    with pytest.raises(Exception) as caught:
        result.get(timeout=TIMEOUT, interval=0.05)
    assert time.monotonic() - started < TIMEOUT
    error = caught.value
    assert type(error).__name__ == "PortableError" and error.code == "unknownType"
    assert "'app.Unregistered'" in str(error) and "$[0][0].job" in str(error)
    assert result.state == "FAILURE"


def test_stop_kills_a_process_that_ignores_sigterm():
    """The teardown above never waits longer than its grace period for a server that hangs."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); "
         "time.sleep(120)"],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout.readline() == b"1\n"  # the handler is installed
    started = time.monotonic()
    _stop(process, grace=0.5)
    assert process.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 10
    process.stdout.close()
