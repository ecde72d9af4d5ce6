# SPDX-License-Identifier: Apache-2.0
"""Random portable messages for the wire-order property test (Tests/ConformanceTests/WireOrderPropertyTests.swift).

Written with plain `msgpack` and hand-made ext values, not with the Python peer or the Swift encoder, so that the
Swift decoder meets orders and shapes that neither of its own encoders would choose:
- map keys of every object and of the root in random order;
- fields the Swift types do not declare, holding objects (some of a type first named there) and references;
- references to objects that come earlier on the wire, wherever the receiving type happens to read them.

    python3 wire_order_messages.py generate SEED COUNT   -> JSON lines {"hex": ..., "expected": ...}
    python3 wire_order_messages.py check                 <- JSON lines {"hex": ..., "expected": ...} (Swift's re-encodings)

The Swift side (declared fields only):
    struct Root { a: [Item]; b: {str: Item}; c: Item? }
    class Item "t.Item" { tag: int; link: Item?; kids: [Item] }
    class Other "t.Other" { tag: int; link: Item? }   (only ever inside undeclared fields)
`expected` describes the declared fields by tag; equal tags must be one instance, different tags different ones.
"""
import json
import random
import sys

import msgpack

P, Q, R = 80, 81, 82


class Writer:
    """Writes one message in wire order, numbering objects and type names as the Spec does (sections 5, 6), and
    keeps the object graph it means (Python dicts: a reference is the same dict)."""

    def __init__(self, rng):
        self.rng = rng
        self.names = []          # type-name table
        self.done = []           # completed objects (id, model), usable by R
        self.done_items = []     # the completed t.Item objects, which fields declared as Item may refer to
        self.count = 0           # objects started so far

    def type_ref(self, name):
        if name in self.names:
            # Canonical is the index; a repeated str is legal too (Spec 5), now and then.
            return name if self.rng.random() < 0.1 else self.names.index(name)
        self.names.append(name)
        return name

    def shuffled(self, entries):
        entries = list(entries)
        self.rng.shuffle(entries)
        return entries

    def item_slot(self, depth):
        """A value for a field declared as Item: a new object or an R to a completed one: (wire, model)."""
        if self.done_items and self.rng.random() < 0.35:
            oid, model = self.rng.choice(self.done_items)
            return msgpack.ExtType(R, msgpack.packb(oid)), model
        return self.new_object("t.Item", depth)

    def extra_value(self, depth):
        """A value for an undeclared field: objects, references, first uses of type names, plain values."""
        roll = self.rng.random()
        if roll < 0.3:
            return self.new_object(self.rng.choice(["t.Other", "t.Item"]), depth)[0]
        if roll < 0.5 and self.done:
            return msgpack.ExtType(R, msgpack.packb(self.rng.choice(self.done)[0]))
        if roll < 0.7 and depth > 0:
            return [self.extra_value(depth - 1) for _ in range(self.rng.randint(0, 3))]
        if roll < 0.8 and depth > 0:
            return {f"e{i}": self.extra_value(depth - 1) for i in range(self.rng.randint(0, 2))}
        return self.rng.choice([None, True, 7, -300, "caf\u00e9", 1.5, b"\x00\x01"])

    def new_object(self, name, depth):
        oid = self.count
        self.count += 1
        model = {"tag": oid * 7 + 3, "link": None, "kids": []}
        ref = self.type_ref(name)  # named in wire order: the type-ref precedes the data
        fields = ["tag", "link"] + (["kids"] if name == "t.Item" else [])
        fields += [f"x{i}" for i in range(self.rng.randint(0, 2))]
        data = {}
        for key in self.shuffled(fields):
            if key == "tag":
                data[key] = model["tag"]
            elif key == "link":
                data[key], model["link"] = self.optional_item(depth)
            elif key == "kids":
                data[key], model["kids"] = self.item_list(depth)
            else:
                data[key] = self.extra_value(depth)
        self.done.append((oid, model))
        if name == "t.Item":
            self.done_items.append((oid, model))
        return msgpack.ExtType(P, msgpack.packb(ref) + msgpack.packb(data)), model

    def optional_item(self, depth):
        if depth <= 0 or self.rng.random() < 0.5:
            return None, None
        return self.item_slot(depth - 1)

    def item_list(self, depth):
        if depth <= 0:
            return [], []
        pairs = [self.item_slot(depth - 1) for _ in range(self.rng.randint(0, 3))]
        return [w for w, _ in pairs], [m for _, m in pairs]


def generate(seed, count):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        w = Writer(rng)
        keys = ["a", "b", "c"] + [f"extra{i}" for i in range(rng.randint(0, 3))]
        root, model = {}, {}
        for key in w.shuffled(keys):
            if key == "a":
                root[key], model[key] = w.item_list(3)
            elif key == "b":
                entries, models = {}, {}
                for i in w.shuffled(range(rng.randint(0, 3))):
                    entries[f"k{i}"], models[f"k{i}"] = w.item_slot(2)
                root[key], model[key] = entries, models
            elif key == "c":
                root[key], model[key] = w.optional_item(3)
            else:
                root[key] = w.extra_value(2)
        out.append({"hex": msgpack.packb(root).hex(), "expected": root_view(model)})
    return out


def root_view(root):
    """The canonical view of the declared fields: a in order, b by sorted key, c; an object met for the first time
    shows tag, link and kids, later meetings only its tag. Equal tags must be one object."""
    seen = {}
    return {
        "a": view(root.get("a") or [], seen),
        "b": {k: view(v, seen) for k, v in sorted((root.get("b") or {}).items())},
        "c": view(root.get("c"), seen),
    }


def decode_portable(data):
    """A small independent decoder: objects numbered in wire order, R resolved to the same Python object."""
    names = []
    objects = []

    def hook(code, payload):
        if code == R:
            target = msgpack.unpackb(payload)
            if not isinstance(target, int) or target >= len(objects) or objects[target] is None:
                raise ValueError(f"bad reference {target}")
            return objects[target]
        if code not in (P, Q):
            return msgpack.ExtType(code, payload)
        oid = len(objects)
        objects.append(None)
        unpacker = msgpack.Unpacker(ext_hook=hook, raw=False, strict_map_key=False)
        unpacker.feed(payload)
        ref = next(unpacker)
        if isinstance(ref, str):
            if ref not in names:
                names.append(ref)
            name = ref
        else:
            name = names[ref]
        fields = next(unpacker)
        obj = {"__type__": name, **fields}
        objects[oid] = obj
        return obj

    return msgpack.unpackb(data, ext_hook=hook, raw=False, strict_map_key=False)


def view(obj, seen):
    if obj is None:
        return None
    if isinstance(obj, list):
        return [view(o, seen) for o in obj]
    tag = obj["tag"]
    if tag in seen:
        if seen[tag] is not obj:
            raise AssertionError(f"tag {tag} arrived as two different objects")
        return {"tag": tag}
    seen[tag] = obj
    return {"tag": tag, "link": view(obj.get("link"), seen), "kids": view(obj.get("kids") or [], seen)}


def check(lines):
    failures = 0
    for n, line in enumerate(lines):
        case = json.loads(line)
        try:
            got = root_view(decode_portable(bytes.fromhex(case["hex"])))
        except Exception as error:  # noqa: BLE001 - report every kind of failure with its case
            got = f"error: {error!r}"
        if got != case["expected"]:
            failures += 1
            if failures <= 3:
                print(f"case {n}: decoded {json.dumps(got)[:400]} expected {json.dumps(case['expected'])[:400]}")
    print(f"checked {len(lines)} re-encoded messages, {failures} wrong")
    return failures == 0


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        for case in generate(int(sys.argv[2]), int(sys.argv[3])):
            print(json.dumps(case))
    else:
        sys.exit(0 if check(sys.stdin.read().splitlines()) else 1)
