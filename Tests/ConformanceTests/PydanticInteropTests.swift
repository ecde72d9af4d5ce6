// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire
import PortableWireConformance
import Testing
import TestSupport

/// The Swift side of the Python peer's pydantic model `app.CustomVariable`.
struct CustomVariable: Portable, Codable, Equatable {
    static let portableName = "app.CustomVariable"
    enum VariableType: String, Codable { case mean, variance, standardErrorOfMean = "standard_error_of_mean", quantile }
    var type: VariableType
    var quantile: Double?
}

/// A pydantic model with an Enum field and an optional constrained float travels Python → Swift → Python.
@Suite struct PydanticInteropTests {
    static let model = """
        import sys
        from enum import Enum
        from typing import Optional
        from pydantic import BaseModel, confloat
        import portablewire
        class VariableType(str, Enum):
            mean = "mean"
            variance = "variance"
            standard_error_of_mean = "standard_error_of_mean"
            quantile = "quantile"
        @portablewire.portable_class("app.CustomVariable")
        class CustomVariable(BaseModel):
            type: VariableType
            quantile: Optional[confloat(ge=0, le=1)] = None

        """

    @Test func pydanticModelRoundTripsThroughSwift() throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        let send = Self.model + """
            msg = {"task": "app.tasks.optimise", "kwargs": {"inputs": [
                CustomVariable(type="quantile", quantile=0.5), CustomVariable(type="standard_error_of_mean", quantile=0.25)],
                "by_name": {"main": CustomVariable(type="variance", quantile=1.0)}}}
            sys.stdout.write(portablewire.packb(msg).hex())
            """
        let sent = try runCommand(python, ["-c", send])
        #expect(sent.status == 0, "\(sent.stderr)")
        let fromPython = try Notation.bytes(fromHex: sent.stdoutText)

        var registry = TypeRegistry()
        try registry.register(CustomVariable.self)
        let value = try PortableDecoder(registry: registry).decode(from: fromPython)
        let inputs = try #require(value["kwargs"]?["inputs"]?.arrayValue)
        #expect(inputs.compactMap { $0.object as? CustomVariable } == [
            CustomVariable(type: .quantile, quantile: 0.5), CustomVariable(type: .standardErrorOfMean, quantile: 0.25),
        ])
        #expect(value["kwargs"]?["by_name"]?["main"]?.object as? CustomVariable == CustomVariable(type: .variance, quantile: 1))

        let fromSwift = try PortableEncoder(registry: registry).encode(value)
        #expect(fromSwift == fromPython, "Swift re-encodes Python's message byte for byte")

        let check = Self.model + """
            msg = portablewire.unpackb(bytes.fromhex(sys.argv[1]))
            first = msg["kwargs"]["inputs"][0]
            assert isinstance(first, CustomVariable), type(first)
            assert first.type is VariableType.quantile and first.quantile == 0.5, first
            assert msg["kwargs"]["by_name"]["main"].type is VariableType.variance
            print("ok")
            """
        let back = try runCommand(python, ["-c", check, Notation.hex(fromSwift)])
        #expect(back.status == 0 && back.stdoutText == "ok\n", "\(back.stderr)")
    }

    @Test func swiftStructArrivesInPythonAsTheValidatedModel() throws {
        let python = try #require(which("python3"), "python3 is not on PATH")
        var registry = TypeRegistry()
        try registry.register(CustomVariable.self)
        let bytes = try PortableEncoder(registry: registry).encode(["inputs": [CustomVariable(type: .mean, quantile: nil)]])
        let check = Self.model + """
            msg = portablewire.unpackb(bytes.fromhex(sys.argv[1]))
            v = msg["inputs"][0]
            assert isinstance(v, CustomVariable) and v.type is VariableType.mean and v.quantile is None, v
            print("ok")
            """
        let result = try runCommand(python, ["-c", check, Notation.hex(bytes)])
        #expect(result.status == 0 && result.stdoutText == "ok\n", "\(result.stderr)")
    }
}
