// SPDX-License-Identifier: Apache-2.0
// The README's SwiftNIO example, verbatim (the port is 0 here so the test never collides), then a client.
#if NIO
import NIOCore
import NIOPosix
import PortableWire
import PortableWireNIO
import Testing

enum VariableType: String, Codable { case mean, variance, standardErrorOfMean = "standard_error_of_mean", quantile }
struct CustomVariable: Portable, Codable {
    static let portableName = "app.CustomVariable"
    var type: VariableType
    var quantile: Double?
}
struct TaskCall: Codable {
    var task: String
    var id: String
    var args: [Int]
    @Polymorphic var kwargs: [String: Any]
}

final class TaskHandler: ChannelInboundHandler {
    typealias InboundIn = TaskCall
    typealias OutboundOut = PortableValue

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let call = Self.unwrapInboundIn(data)
        context.writeAndFlush(Self.wrapOutboundOut(["id": .string(call.id), "status": "SUCCESS"]), promise: nil)
    }
}

@Suite struct NIOReadmeExamplesTests {
    @Test func serverExample() async throws {
        var types = TypeRegistry()
        try types.register(CustomVariable.self)
        let registry = types  // a Sendable value, captured by the channel initializer

        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addPortableWireCodec(
                        decoder: PortableFrameDecoder(TaskCall.self, registry: registry),
                        encoder: PortableFrameEncoder(registry: registry),
                        onError: .close)
                    try channel.pipeline.syncOperations.addHandler(TaskHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()

        let port = try #require(server.localAddress?.port)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let reply = try await client.executeThenClose { inbound, outbound in
            var writer = PortableAsyncWriter(registry: registry, sink: outbound)
            try await writer.write(TaskCall(task: "app.tasks.optimise", id: "42", args: [], kwargs: [
                "input": CustomVariable(type: .quantile, quantile: 0.5),
            ]))
            var replies = inbound.portableMessages(of: [String: String].self, registry: registry).makeAsyncIterator()
            return try await replies.next()
        }
        #expect(reply == ["id": "42", "status": "SUCCESS"])
        try await server.close()
    }
}
#endif  // NIO
