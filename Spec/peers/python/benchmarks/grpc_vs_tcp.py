# SPDX-License-Identifier: Apache-2.0
"""A small task call over gRPC against the same call over the example service's plain TCP protocol.

    swift build -c release --traits GRPC --product pwire-task-service
    .build/release/pwire-task-service --port 7700 --grpc-port 50051 &
    python benchmarks/grpc_vs_tcp.py --port 7700 --grpc-port 50051

Each client thread makes ``--calls`` calls of ``app.tasks.add(2, 3)`` one after another (a reply before the
next call), on its own TCP connection or over one shared gRPC channel (HTTP/2 multiplexes them); both
rows come from one run, alternating, after a warm-up. Prints calls per second and p50/p99 latency per
transport and concurrency as Markdown table rows. The client is this Python peer for both rows, so its own
cost is in both; the difference is the transport and the server.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import grpc  # type: ignore[import-untyped]  # noqa: E402

from portablewire.grpc import TaskServiceClient  # noqa: E402
from portablewire.task_client import TaskClient  # noqa: E402


def run(threads: int, calls: int, make_caller: Callable[[], Callable[[], object]]) -> tuple[float, list[float]]:
    """Wall seconds and every call's latency, ``threads`` callers making ``calls`` calls each."""
    callers = [make_caller() for _ in range(threads)]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def work(index: int) -> None:
        call = callers[index]
        barrier.wait()
        for _ in range(calls):
            start = time.perf_counter()
            if call() != 5:
                raise AssertionError("app.tasks.add(2, 3) did not answer 5")
            latencies[index].append(time.perf_counter() - start)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start, sorted(x for per in latencies for x in per)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7700, help="the plain TCP port")
    parser.add_argument("--grpc-port", type=int, default=50051)
    parser.add_argument("--calls", type=int, default=2000, help="calls per client thread")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    options = parser.parse_args()

    channel = grpc.insecure_channel(f"{options.host}:{options.grpc_port}")
    grpc_client = TaskServiceClient(channel)
    tcp_clients: list[TaskClient] = []

    def tcp_caller() -> Callable[[], object]:
        client = TaskClient(options.host, options.port)
        tcp_clients.append(client)
        return lambda: client.call("app.tasks.add", 2, 3)

    def grpc_caller() -> Callable[[], object]:
        return lambda: grpc_client.call("app.tasks.add", 2, 3)

    print("| transport | client threads | calls | calls/s | p50 | p99 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for threads in options.threads:
        run(threads, 200, tcp_caller)  # warm-up (connections, the server's code paths)
        run(threads, 200, grpc_caller)
        for name, caller in (("TCP", tcp_caller), ("gRPC", grpc_caller)):
            wall, latencies = run(threads, options.calls, caller)
            n = len(latencies)
            p50, p99 = latencies[n // 2], latencies[min(n - 1, (n * 99) // 100)]
            print(f"| {name} | {threads} | {n:,} | {n / wall:,.0f} | {p50 * 1e3:.2f} ms | {p99 * 1e3:.2f} ms |")
    for client in tcp_clients:
        client.close()
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
