// SPDX-License-Identifier: Apache-2.0
#if GRPC
import PortableWire

/// A dynamic `PortableValue` as a gRPC message, for ``PortableMessageSerializer`` and
/// ``PortableMessageDeserializer``, when the message's shape is not known at compile time.
///
/// grpc-swift moves messages between tasks, so it needs them `Sendable`; `PortableValue` is not, because its
/// objects are any `Portable`, which may be mutable classes. This wrapper is `@unchecked Sendable`, and sound
/// where the value changes hands once, as a message does: the deserializer builds a new object graph for one
/// handler or one response, and a sender hands its value over when it sends it. Do not keep mutating the objects
/// of a value after sending it, and do not share a received value's class instances between tasks unless their
/// types are `Sendable`. Prefer a `Sendable` `Codable` type where the shape is known.
///
///     let deserializer = PortableMessageDeserializer<UncheckedPortableValue>(registry: registry)
///     // in a response handler: let reply = try response.message.value   // a PortableValue
public struct UncheckedPortableValue: @unchecked Sendable {
    /// The value.
    public var value: PortableValue

    /// Wraps `value`, which the caller hands over (see the type's documentation).
    public init(_ value: PortableValue) { self.value = value }
}
#endif  // GRPC
