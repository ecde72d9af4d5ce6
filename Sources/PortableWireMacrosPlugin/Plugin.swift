// SPDX-License-Identifier: Apache-2.0
#if Macros
import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin that carries `@MessagePackCodable` and `@Portable`.
@main
struct PortableWireMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [CodingMacro.self]
}
#else
/// Without the `Macros` trait this target has nothing to offer; an empty entry point keeps it linkable.
@main
enum PortableWireMacrosPlugin {
    static func main() {}
}
#endif
