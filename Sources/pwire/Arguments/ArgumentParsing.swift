// SPDX-License-Identifier: Apache-2.0
import Foundation

// A small command-line parser with the shape of swift-argument-parser's API (`ParsableCommand`, `@Option`,
// `@Flag`, `@Argument`, `@OptionGroup`), enough for `pwire`. It exists so that the package depends on nothing for
// its CLI: SwiftPM resolves the dependencies of every executable product of a package, so a dependency of `pwire`
// would be fetched by every user of the `PortableWire` library (issue 15). Names come from the property names
// (`maxDepth` is `--max-depth`), found with `Mirror`; each property wrapper is a class, so the parser fills it in
// place.

/// A command: its configuration, its options as property wrappers, and `run()`.
protocol ParsableCommand: ParsableArguments {
    static var configuration: CommandConfiguration { get }
    mutating func run() throws
}

/// A group of options that several commands share (`@OptionGroup`).
protocol ParsableArguments {
    init()
}

/// What `pwire --help` says of a command, and its subcommands.
///
/// Safe as `@unchecked Sendable`: every field is a `let`-like value set once (strings and metatypes, which hold no
/// state); the checker only cannot prove it for the metatypes of a protocol that is not `Sendable`.
struct CommandConfiguration: @unchecked Sendable {
    var commandName: String?
    var abstract: String
    var discussion: String
    var subcommands: [any ParsableCommand.Type]
    var defaultSubcommand: (any ParsableCommand.Type)?

    init(
        commandName: String? = nil, abstract: String = "", discussion: String = "",
        subcommands: [any ParsableCommand.Type] = [], defaultSubcommand: (any ParsableCommand.Type)? = nil
    ) {
        self.commandName = commandName
        self.abstract = abstract
        self.discussion = discussion
        self.subcommands = subcommands
        self.defaultSubcommand = defaultSubcommand
    }
}

/// Ends the process with a status, without a message (the command has said what it had to say).
struct ExitCode: Error {
    var rawValue: Int32
    init(_ rawValue: Int32) { self.rawValue = rawValue }
    static let success = ExitCode(0)
    static let failure = ExitCode(1)
    /// Bad usage: an unknown option, a missing or malformed value (sysexits' EX_USAGE).
    static let usage = ExitCode(64)
}

/// How an option is spelled when the property name is not the right spelling.
struct NameSpecification: Sendable {
    var long: String?
    var short: Character?
    var useLabel: Bool
    static func customLong(_ name: String) -> Self { Self(long: name, short: nil, useLabel: false) }
    static let long = Self(long: nil, short: nil, useLabel: true)
    static let shortAndLong = Self(long: nil, short: "*", useLabel: true)
}

/// A type an option or argument value can be read as.
protocol ExpressibleByArgument {
    init?(argument: String)
}

extension ExpressibleByArgument where Self: RawRepresentable, RawValue == String {
    init?(argument: String) { self.init(rawValue: argument) }
}

extension String: ExpressibleByArgument {
    init?(argument: String) { self = argument }
}

extension Int: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
}

extension Double: ExpressibleByArgument {
    init?(argument: String) { self.init(argument) }
}

// MARK: - Property wrappers

/// What the parser needs of every property wrapper.
protocol ArgumentSlot: AnyObject {
    var spec: NameSpecification { get }
    var help: String { get }
    var kind: ArgumentKind { get }
    /// The value shown in help when there is a default.
    var defaultDescription: String? { get }
    /// Whether a value has been given or there is a default.
    var isSatisfied: Bool { get }
    func assign(_ text: String) -> Bool
}

enum ArgumentKind { case flag, option, repeatedOption, positional }

@propertyWrapper
final class Option<Value>: ArgumentSlot {
    private var value: Value?
    private let parse: (String, Value?) -> Value?
    let spec: NameSpecification
    let help: String
    let kind: ArgumentKind
    let defaultDescription: String?
    var isSatisfied: Bool { value != nil }

    var wrappedValue: Value {
        get { value! }  // Safe: the parser checked isSatisfied before run() reads any property.
        set { value = newValue }
    }

    init(wrappedValue: Value, name: NameSpecification = .long, help: String = "") where Value: ExpressibleByArgument {
        value = wrappedValue
        parse = { text, _ in Value(argument: text) }
        spec = name
        self.help = help
        kind = .option
        defaultDescription = "\(wrappedValue)"
    }

    init<Wrapped: ExpressibleByArgument>(name: NameSpecification = .long, help: String = "")
    where Value == Wrapped? {
        value = .some(nil)
        parse = { text, _ in Wrapped(argument: text).map { .some($0) } }
        spec = name
        self.help = help
        kind = .option
        defaultDescription = nil
    }

    init<Element: ExpressibleByArgument>(wrappedValue: Value, name: NameSpecification = .long, help: String = "")
    where Value == [Element] {
        value = wrappedValue
        parse = { text, old in Element(argument: text).map { (old ?? []) + [$0] } }
        spec = name
        self.help = help
        kind = .repeatedOption
        defaultDescription = nil
    }

    func assign(_ text: String) -> Bool {
        guard let parsed = parse(text, value) else { return false }
        value = parsed
        return true
    }
}

@propertyWrapper
final class Flag: ArgumentSlot {
    var wrappedValue: Bool
    let spec: NameSpecification
    let help: String
    let kind = ArgumentKind.flag
    let defaultDescription: String? = nil
    let isSatisfied = true

    init(wrappedValue: Bool = false, name: NameSpecification = .long, help: String = "") {
        self.wrappedValue = wrappedValue
        spec = name
        self.help = help
    }

    func assign(_ text: String) -> Bool {
        wrappedValue = true
        return true
    }
}

@propertyWrapper
final class Argument<Value>: ArgumentSlot {
    private var value: Value?
    private let parse: (String) -> Value?
    let spec = NameSpecification.long
    let help: String
    let kind = ArgumentKind.positional
    let defaultDescription: String? = nil
    var isSatisfied: Bool { value != nil }

    var wrappedValue: Value {
        get { value! }  // Safe: the parser checked isSatisfied before run() reads any property.
        set { value = newValue }
    }

    init(help: String = "") where Value: ExpressibleByArgument {
        value = nil
        parse = { Value(argument: $0) }
        self.help = help
    }

    init<Wrapped: ExpressibleByArgument>(help: String = "") where Value == Wrapped? {
        value = .some(nil)
        parse = { Wrapped(argument: $0).map { .some($0) } }
        self.help = help
    }

    func assign(_ text: String) -> Bool {
        guard let parsed = parse(text) else { return false }
        value = parsed
        return true
    }
}

@propertyWrapper
struct OptionGroup<Value: ParsableArguments> {
    var wrappedValue: Value
    let title: String
    init(title: String = "") {
        wrappedValue = Value()
        self.title = title
    }
}

/// Lets the parser reach the options inside an `@OptionGroup` without knowing its type.
protocol OptionGroupProtocol {
    var groupTitle: String { get }
    var groupValue: Any { get }
}

extension OptionGroup: OptionGroupProtocol {
    var groupTitle: String { title }
    var groupValue: Any { wrappedValue }
}

// MARK: - Parsing

/// One option or argument of a command, as found by reflection.
struct ArgumentEntry {
    var slot: any ArgumentSlot
    var label: String
    var group: String

    var longName: String {
        if let long = slot.spec.long { return "--" + long }
        // `maxDepth` → `--max-depth`.
        var out = "--"
        for c in label {
            if c.isUppercase {
                out += "-" + c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }
    var shortName: String? { slot.spec.short == nil ? nil : "-" + String(label.first!) }
    var valueName: String {
        String(longName.dropFirst(2))
    }
}

func argumentEntries(of value: Any, group: String = "") -> [ArgumentEntry] {
    var entries: [ArgumentEntry] = []
    for child in Mirror(reflecting: value).children {
        let label = String((child.label ?? "").drop { $0 == "_" })
        if let slot = child.value as? any ArgumentSlot {
            entries.append(ArgumentEntry(slot: slot, label: label, group: group))
        } else if let nested = child.value as? any OptionGroupProtocol {
            entries += argumentEntries(of: nested.groupValue, group: nested.groupTitle)
        }
    }
    return entries
}

/// A usage error: printed with a pointer to `--help`, exit status 64.
struct UsageError: Error, CustomStringConvertible {
    var description: String
}

extension ParsableCommand {
    /// A command with subcommands and no default one: running it alone prints its help.
    mutating func run() throws {
        print(Self.helpText(path: [Self.commandName]))
    }

    /// Parses `CommandLine.arguments`, runs the chosen command, and exits with its status.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch let usage as UsageError {
            FileHandle.standardError.write(Data("pwire: \(usage.description)\n".utf8))
            exit(ExitCode.usage.rawValue)
        } catch {
            FileHandle.standardError.write(Data("pwire: \(error)\n".utf8))
            exit(1)
        }
    }

    static var commandName: String {
        configuration.commandName ?? String(describing: Self.self).lowercased()
    }

    /// Picks the subcommand (or the default one) and fills its options; `--help` prints help and exits 0.
    static func parseAsRoot(_ arguments: [String]) throws -> any ParsableCommand {
        var path = [commandName]
        var type: any ParsableCommand.Type = Self.self
        var rest = arguments[...]
        while !type.configuration.subcommands.isEmpty {
            if let first = rest.first, let sub = type.configuration.subcommands.first(where: { $0.commandName == first }) {
                type = sub
                path.append(sub.commandName)
                rest = rest.dropFirst()
            } else if rest.first == "--help" || rest.first == "-h" || rest.first == "help" {
                print(type.helpText(path: path))
                throw ExitCode.success
            } else if let first = rest.first, !first.hasPrefix("-") {
                throw UsageError(description: "unknown command '\(first)'; see `\(path.joined(separator: " ")) --help`")
            } else if let defaultType = type.configuration.defaultSubcommand {
                type = defaultType
                path.append(defaultType.commandName)
            } else {
                break
            }
        }
        return try type.parse(Array(rest), path: path)
    }

    static func parse(_ arguments: [String], path: [String]) throws -> any ParsableCommand {
        let command = Self()
        let entries = argumentEntries(of: command)
        let see = "see `\(path.joined(separator: " ")) --help`"
        var positionals = entries.filter { $0.slot.kind == .positional }[...]
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if !onlyPositionals && (word == "--help" || word == "-h") {
                print(helpText(path: path))
                throw ExitCode.success
            }
            if !onlyPositionals && word == "--" {
                onlyPositionals = true
                continue
            }
            if !onlyPositionals && word.hasPrefix("-") && word != "-" {
                let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
                guard let entry = entries.first(where: { $0.longName == parts[0] || $0.shortName == parts[0] }),
                    entry.slot.kind != .positional
                else {
                    throw UsageError(description: "unknown option '\(parts[0])'; \(see)")
                }
                if entry.slot.kind == .flag {
                    guard parts.count == 1 else { throw UsageError(description: "\(parts[0]) takes no value; \(see)") }
                    _ = entry.slot.assign("")
                    continue
                }
                let value: String
                if parts.count == 2 {
                    value = parts[1]
                } else if index < arguments.count {
                    value = arguments[index]
                    index += 1
                } else {
                    throw UsageError(description: "\(parts[0]) needs a value; \(see)")
                }
                guard entry.slot.assign(value) else {
                    throw UsageError(description: "'\(value)' is not a valid value for \(parts[0]); \(see)")
                }
                continue
            }
            guard let entry = positionals.popFirst() else {
                throw UsageError(description: "unexpected argument '\(word)'; \(see)")
            }
            guard entry.slot.assign(word) else {
                throw UsageError(description: "'\(word)' is not a valid <\(entry.valueName)>; \(see)")
            }
        }
        for entry in entries where !entry.slot.isSatisfied {
            let name = entry.slot.kind == .positional ? "<\(entry.valueName)>" : entry.longName
            throw UsageError(description: "missing \(name); \(see)")
        }
        return command
    }

    static func helpText(path: [String]) -> String {
        let config = configuration
        var out = "OVERVIEW: \(config.abstract)\n"
        if !config.discussion.isEmpty { out += "\n" + config.discussion + "\n" }
        let entries = argumentEntries(of: Self())
        let positionals = entries.filter { $0.slot.kind == .positional }
        var usage = path.joined(separator: " ")
        if !config.subcommands.isEmpty { usage += " <subcommand>" }
        if entries.contains(where: { $0.slot.kind != .positional }) { usage += " [<options>]" }
        for p in positionals { usage += p.slot.isSatisfied ? " [<\(p.valueName)>]" : " <\(p.valueName)>" }
        out += "\nUSAGE: \(usage)\n"
        func row(_ left: String, _ right: String) -> String {
            let pad = left.count < 30 ? String(repeating: " ", count: 30 - left.count) : "\n" + String(repeating: " ", count: 32)
            return "  \(left)\(pad)\(right)\n"
        }
        if !positionals.isEmpty {
            out += "\nARGUMENTS:\n"
            for p in positionals { out += row("<\(p.valueName)>", p.slot.help) }
        }
        var groups: [String] = []
        for e in entries where e.slot.kind != .positional && !groups.contains(e.group) { groups.append(e.group) }
        for group in groups {
            out += "\n\(group.isEmpty ? "OPTIONS" : group.uppercased()):\n"
            for e in entries where e.slot.kind != .positional && e.group == group {
                var left = (e.shortName.map { "\($0), " } ?? "") + e.longName
                if e.slot.kind != .flag { left += " <value>" }
                var right = e.slot.help
                if let d = e.slot.defaultDescription { right += " (default: \(d))" }
                out += row(left, right)
            }
        }
        out += row("-h, --help", "Show help information.")
        if !config.subcommands.isEmpty {
            out += "\nSUBCOMMANDS:\n"
            for sub in config.subcommands {
                let isDefault = config.defaultSubcommand.map { ObjectIdentifier($0) == ObjectIdentifier(sub) } ?? false
                out += row(sub.commandName + (isDefault ? " (default)" : ""), sub.configuration.abstract)
            }
            out += "\n  See '\(path.joined(separator: " ")) <subcommand> --help' for detailed help.\n"
        }
        return out
    }
}
