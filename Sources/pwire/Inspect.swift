// SPDX-License-Identifier: Apache-2.0
import Foundation
import PortableWire

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an annotated dump: offset, bytes, meaning, nested structure (portable exts opened).",
        discussion: """
            One line per token: its offset, its first bytes, then its meaning, indented by depth (up to 32 \
            levels; deeper lines say their depth instead). Lines are written as the input is read, so on bad \
            input the dump shows everything before the defect, then the error on standard error.
            """)

    @Flag(help: "Dump back-to-back messages, each after a line naming it.")
    var stream = false

    @Argument(help: "Input file, or - for standard input.")
    var file: String?

    @OptionGroup(title: "Limits (defaults: Spec/format.md section 7)")
    var limitOptions: LimitOptions

    func run() throws {
        try walkInput(file, limitOptions, stream: stream, style: .inspect) { walker in
            var n = 0
            repeat {
                if stream { walker.out.write("# message \(n) at byte \(walker.offset)\n") }
                try walker.write()
                n += 1
            } while stream && !walker.isAtEnd
            if !walker.isAtEnd {
                throw MessagePackError(
                    .trailingBytes, at: walker.offset, "\(walker.whole.count - walker.offset) byte(s) follow the value",
                    hint: "dump back-to-back messages with --stream")
            }
        }
    }
}
