# SPDX-License-Identifier: Apache-2.0
"""The peer's benchmark: the ratios of issue 17, from one run, in about a minute.

    python benchmarks/bench.py            # all cases
    python benchmarks/bench.py --quick    # fewer repetitions
    python benchmarks/bench.py --only "global data"   # the cases whose name holds this text

Each figure is the best CPU time (``time.process_time``) of several repetitions, ours and the
reference's alternating, so ratios taken from one run share the machine's state. A ratio is
portablewire's time over the reference's; the target is printed beside it, and the last line
says how many targets were met.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgpack

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import portablewire  # noqa: E402
from portablewire import GlobalData, Registry, Unpacker, packb, unpackb  # noqa: E402


def best(function: Callable[[], object], repeat: int, number: int = 1) -> float:
    """The best CPU seconds of ``repeat`` runs of ``number`` calls, per call."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(number):
            function()
        times.append((time.process_time() - start) / number)
    return min(times)


registry = Registry()


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str


registry.register(Point, "bench.Point")


class Customer:
    """Sends its name once per message through the global data's names table."""

    def __init__(self, name: str, tier: int) -> None:
        self.name = name
        self.tier = tier

    def __serialize__(self, global_data: GlobalData) -> object:
        names = global_data.setdefault("names", [])
        names.append(self.name)
        return [len(names) - 1, self.tier]

    def __deserialize__(self, data: list, global_data: GlobalData) -> None:
        self.name = global_data["names"][data[0]]
        self.tier = data[1]

    def __reduce__(self):  # pickle: the same fields
        return (Customer, (self.name, self.tier))


registry.register(Customer, "bench.Customer")


class Region:
    """Travels in the global data only (the accounts' serializer puts it there)."""

    def __init__(self, name: str, rate: float) -> None:
        self.name = name
        self.rate = rate


class Account:
    """Sends its region once per message as an object in the global data's regions list."""

    def __init__(self, number: int, region: Region) -> None:
        self.number = number
        self.region = region

    def __serialize__(self, global_data: GlobalData) -> object:
        regions = global_data.setdefault("regions", [])
        for index, region in enumerate(regions):
            if region is self.region:
                break
        else:
            index = len(regions)
            regions.append(self.region)
        return [self.number, index]

    def __deserialize__(self, data: list, global_data: GlobalData) -> None:
        self.number = data[0]
        self.region = global_data["regions"][data[1]]

    def __reduce__(self):  # pickle: the same fields
        return (Account, (self.number, self.region))


registry.register(Region, "bench.Region")
registry.register(Account, "bench.Account")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (noisier)")
    parser.add_argument("--only", metavar="TEXT", help="only the cases whose name holds TEXT (e.g. 'global data')")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    rng = random.Random(17)
    rows: list[tuple[str, float, float, float]] = []

    def compare(name: str, ours: Callable[[], object], theirs: Callable[[], object], target: float, n: int = 1) -> None:
        if args.only is not None and args.only not in name:
            return
        # Alternating repetitions, so a change in the machine's load affects both sides alike.
        mine = reference = float("inf")
        for _ in range(repeat):
            mine = min(mine, best(ours, 1, n))
            reference = min(reference, best(theirs, 1, n))
        rows.append((name, mine, reference, target))

    # 1. Plain records: byte-identical to msgpack.
    records = [
        {"id": i, "name": f"user{i}", "score": rng.random() * 100, "tags": ["a", "b"][: i % 3], "active": i % 2 == 0}
        for i in range(10_000)
    ]
    data = packb(records)
    assert data == msgpack.packb(records, use_bin_type=True) and unpackb(data) == records
    compare("records pack (10,000 dicts) vs msgpack", lambda: packb(records), lambda: msgpack.packb(records), 1.5)
    compare("records unpack vs msgpack", lambda: unpackb(data), lambda: msgpack.unpackb(data), 1.5)

    # 2. One million ints.
    ints = list(range(-500_000, 500_000))
    data = packb(ints)
    assert data == msgpack.packb(ints)
    compare("1M ints pack vs msgpack", lambda: packb(ints), lambda: msgpack.packb(ints), 1.5)
    compare("1M ints unpack vs msgpack", lambda: unpackb(data), lambda: msgpack.unpackb(data), 1.5)

    # 3. Registered dataclass objects against pickle.
    points = [Point(i, i / 3, f"p{i % 100}") for i in range(10_000)]
    data = packb(points, registry=registry)
    pickled = pickle.dumps(points)
    assert unpackb(data, registry=registry) == points
    compare("10,000 dataclasses pack vs pickle", lambda: packb(points, registry=registry), lambda: pickle.dumps(points), 1.5)
    compare("10,000 dataclasses unpack vs pickle", lambda: unpackb(data, registry=registry), lambda: pickle.loads(pickled), 1.5)

    # 4. Rows referencing 10 shared objects, names in global data.
    customers = [Customer(f"customer-{i}", i % 3) for i in range(10)]
    table = [{"row": i, "customer": customers[i % 10], "amount": i * 1.25} for i in range(1_000)]
    data = packb(table, registry=registry)
    pickled = pickle.dumps(table)
    decoded = unpackb(data, registry=registry)
    assert decoded[0]["customer"] is decoded[10]["customer"] and decoded[3]["customer"].name == "customer-3"
    compare("1,000 rows, 10 objects, global data pack vs pickle", lambda: packb(table, registry=registry),
            lambda: pickle.dumps(table), 1.5)
    compare("... global data unpack vs pickle", lambda: unpackb(data, registry=registry), lambda: pickle.loads(pickled),
            1.5)

    # 4b. The same rows, each referencing one of 10 accounts whose 3 regions (objects) travel in
    # the global data: the table holds objects, so the body is renumbered behind it.
    regions = [Region(f"region-{i}", 1 + i / 10) for i in range(3)]
    accounts = [Account(i, regions[i % 3]) for i in range(10)]
    ledger = [{"row": i, "account": accounts[i % 10], "amount": i * 1.25} for i in range(1_000)]
    data = packb(ledger, registry=registry)
    pickled = pickle.dumps(ledger)
    decoded = unpackb(data, registry=registry)
    assert decoded[0]["account"] is decoded[10]["account"]
    assert decoded[1]["account"].region is decoded[4]["account"].region
    compare("1,000 rows, objects in global data pack vs pickle", lambda: packb(ledger, registry=registry),
            lambda: pickle.dumps(ledger), 1.5)

    # 5. A small Celery body with a pydantic model, against msgpack + model_dump / model_validate.
    try:
        from pydantic import BaseModel
    except ImportError:
        BaseModel = None  # type: ignore[assignment,misc]
    if BaseModel is not None:

        class Variable(BaseModel):
            type: str
            quantile: float | None = None
            weight: int = 1

        registry.register(Variable, "bench.Variable")
        body = ([1, 2], {"input": Variable(type="quantile", quantile=0.5), "name": "job"}, {"callbacks": None})
        wire_body = [list(body[0]), body[1], body[2]]
        data = packb(wire_body, registry=registry)

        def msgpack_dump() -> bytes:
            kwargs = dict(body[1])
            kwargs["input"] = kwargs["input"].model_dump()
            return msgpack.packb([body[0], kwargs, body[2]])

        plain = msgpack_dump()

        def msgpack_load() -> object:
            args, kwargs, embed = msgpack.unpackb(plain)
            kwargs["input"] = Variable.model_validate(kwargs["input"])
            return args, kwargs, embed

        compare("Celery body pack vs msgpack+model_dump", lambda: packb(wire_body, registry=registry), msgpack_dump,
                2.0, 2000)
        compare("Celery body unpack vs msgpack+model_validate", lambda: unpackb(data, registry=registry),
                msgpack_load, 2.0, 2000)

    # 6. Fixed cost per call (a one-entry map): the difference to msgpack's call, in microseconds.
    small = {"a": 1}
    small_data = msgpack.packb(small)
    overhead: list[tuple[str, float]] = []
    for name, ours, theirs in (
        ("packb", lambda: packb(small), lambda: msgpack.packb(small)),
        ("unpackb", lambda: unpackb(small_data), lambda: msgpack.unpackb(small_data)),
    ):
        if args.only is not None and args.only not in f"per-call overhead of {name}":
            continue
        mine = reference = float("inf")
        for _ in range(repeat):
            mine = min(mine, best(ours, 1, 20_000))
            reference = min(reference, best(theirs, 1, 20_000))
        overhead.append((name, (mine - reference) * 1e6))

    # 7. The streaming Unpacker on 50,000 small messages.
    messages = [{"seq": i, "op": "set", "value": i * 7} for i in range(50_000)]
    stream = b"".join(msgpack.packb(m) for m in messages)
    chunks = [stream[i : i + 4096] for i in range(0, len(stream), 4096)]

    def ours_stream() -> int:
        unpacker = Unpacker()
        count = 0
        for chunk in chunks:
            unpacker.feed(chunk)
            for _ in unpacker:
                count += 1
        assert count == len(messages)
        return count

    def theirs_stream() -> int:
        unpacker = msgpack.Unpacker()
        count = 0
        for chunk in chunks:
            unpacker.feed(chunk)
            for _ in unpacker:
                count += 1
        return count

    compare("Unpacker, 50,000 small messages vs msgpack's", ours_stream, theirs_stream, 2.0)

    met = 0
    total = 0
    print(f"portablewire {portablewire.__version__}, msgpack {'.'.join(map(str, msgpack.version))}, "
          f"Python {sys.version.split()[0]}; best CPU time of {repeat}")
    print(f"{'case':58} {'ours':>10} {'reference':>10} {'ratio':>6} {'target':>7}")
    for name, mine, reference, target in rows:
        ratio = mine / reference
        ok = ratio <= target
        met += ok
        total += 1
        print(f"{name:58} {mine * 1e3:8.3f}ms {reference * 1e3:8.3f}ms {ratio:6.2f} {'<=' if ok else '> '}{target:4.1f}")
    for name, microseconds in overhead:
        ok = microseconds <= 2.0
        met += ok
        total += 1
        print(f"{'per-call overhead of ' + name + ' over msgpack':58} {microseconds:8.2f}us {'':>10} {'':>6} "
              f"{'<=' if ok else '> '} 2.0us")
    print(f"targets: {met} met, {total - met} missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
