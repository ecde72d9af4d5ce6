// SPDX-License-Identifier: Apache-2.0
#if Macros
import PortableWireMacros
import Testing

// The README's "Portable objects" examples with `@Portable`, verbatim but for the types' names (macros attach to
// file-scope types only, so the models are out here). PortableWireTests' ReadmeExamplesTests runs the same flows
// with hand-written `Portable` conformances, the README's "without the macro" route.

protocol MacroReadmeShape: Portable { var area: Double { get } }
@Portable("app.Circle") struct MacroReadmeCircle: MacroReadmeShape, Codable { var radius: Double
    var area: Double { .pi * radius * radius } }
@Portable("app.Square") struct MacroReadmeSquare: MacroReadmeShape, Codable { var side: Double
    var area: Double { side * side } }

enum MacroReadmeVariableType: String, Codable { case mean, variance, standardErrorOfMean = "standard_error_of_mean", quantile }
@Portable("app.CustomVariable")
struct MacroReadmeCustomVariable: Codable {
    var type: MacroReadmeVariableType
    var quantile: Double?
}
struct MacroReadmeTaskCall: Codable {
    var task: String
    var id: String
    var args: [Int]
    @Polymorphic var kwargs: [String: Any]
}

/// The README's "without the macro" spelling of the same portable type.
struct CodableReadmeCustomVariable: Portable, Codable, Equatable {
    static let portableName = "app.CustomVariable"
    var type: MacroReadmeVariableType
    var quantile: Double?
}

@Suite struct ReadmePortableMacroExamplesTests {
    @Test func polymorphicShapesExample() throws {
        typealias Circle = MacroReadmeCircle
        typealias Square = MacroReadmeSquare
        typealias Shape = MacroReadmeShape

        let registry = try TypeRegistry(registering: Circle.self, Square.self)
        let shapes: [any Shape] = [Circle(radius: 1), Square(side: 2)]

        let bytes = try PortableEncoder(registry: registry).encode(any: shapes)
        let back = try PortableDecoder(registry: registry).decode([any Shape].self, from: bytes)
        print(back.map(\.area))  // [3.14159…, 4.0]
        #expect(back[0] is Circle && back[1] is Square)
        #expect(back.map(\.area) == [Double.pi, 4.0])
    }

    @Test func taskCallExample() throws {
        typealias CustomVariable = MacroReadmeCustomVariable
        typealias TaskCall = MacroReadmeTaskCall

        let registry = try TypeRegistry(registering: CustomVariable.self)
        let call = TaskCall(
            task: "app.tasks.optimise", id: "5f0c…", args: [1, 2],
            kwargs: ["input": CustomVariable(type: .quantile, quantile: 0.5), "tags": ["a", "b"]])
        let bytes = try PortableEncoder(registry: registry).encode(call)

        let received = try PortableDecoder(registry: registry).decode(TaskCall.self, from: bytes)
        let input = received.kwargs["input"] as? CustomVariable  // the registered type, not a dictionary
        #expect(input?.type == .quantile)
        #expect(input?.quantile == 0.5)

        // "The same bytes": the hand-written conformance writes what the macro writes, and each reads the other's.
        let twins = try TypeRegistry(registering: CodableReadmeCustomVariable.self)
        let twinCall = TaskCall(
            task: "app.tasks.optimise", id: "5f0c…", args: [1, 2],
            kwargs: ["input": CodableReadmeCustomVariable(type: .quantile, quantile: 0.5), "tags": ["a", "b"]])
        #expect(try PortableEncoder(registry: twins).encode(twinCall) == bytes)
        let viaTwin = try PortableDecoder(registry: twins).decode(TaskCall.self, from: bytes)
        #expect(viaTwin.kwargs["input"] as? CodableReadmeCustomVariable == CodableReadmeCustomVariable(type: .quantile, quantile: 0.5))
    }
}
#endif
