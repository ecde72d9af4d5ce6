// SPDX-License-Identifier: Apache-2.0
// msgpack-c from Debian's libmsgpack-dev, the C reference the benchmarks compare against.
#include <msgpack.h>
