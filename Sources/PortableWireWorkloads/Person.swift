// SPDX-License-Identifier: Apache-2.0
import PortableWire

/// One row of the *records* workload.
public struct Person: Codable, Hashable, Sendable {
    public var id: Int
    public var firstName: String
    public var lastName: String
    public var email: String
    public var age: Int
    public var score: Double
    public var tags: [String]
    public var active: Bool

    public init(
        id: Int, firstName: String, lastName: String, email: String, age: Int, score: Double, tags: [String],
        active: Bool
    ) {
        self.id = id
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.age = age
        self.score = score
        self.tags = tags
        self.active = active
    }
}

extension Person: MessagePackCodable {
    @inlinable
    public func encode(to writer: inout MessagePackWriter) {
        writer.writeMapHeader(count: 8)
        writer.writeKey("id")
        writer.write(id)
        writer.writeKey("firstName")
        writer.write(firstName)
        writer.writeKey("lastName")
        writer.write(lastName)
        writer.writeKey("email")
        writer.write(email)
        writer.writeKey("age")
        writer.write(age)
        writer.writeKey("score")
        writer.write(score)
        writer.writeKey("tags")
        writer.encodeArray(tags)
        writer.writeKey("active")
        writer.write(active)
    }

    @inlinable
    public init(from reader: inout MessagePackReader) throws(MessagePackError) {
        var id: Int?, firstName: String?, lastName: String?, email: String?
        var age: Int?, score: Double?, tags: [String]?, active: Bool?
        for _ in 0..<(try reader.readMapHeader()) {
            switch try reader.readKey() {
            case "id": id = try reader.decode(Int.self, key: "id")
            case "firstName": firstName = try reader.decode(String.self, key: "firstName")
            case "lastName": lastName = try reader.decode(String.self, key: "lastName")
            case "email": email = try reader.decode(String.self, key: "email")
            case "age": age = try reader.decode(Int.self, key: "age")
            case "score": score = try reader.decode(Double.self, key: "score")
            case "tags": tags = try reader.decode([String].self, key: "tags")
            case "active": active = try reader.decode(Bool.self, key: "active")
            default: try reader.skipValue()
            }
        }
        self.id = try reader.required(id, "id", in: "Person")
        self.firstName = try reader.required(firstName, "firstName", in: "Person")
        self.lastName = try reader.required(lastName, "lastName", in: "Person")
        self.email = try reader.required(email, "email", in: "Person")
        self.age = try reader.required(age, "age", in: "Person")
        self.score = try reader.required(score, "score", in: "Person")
        self.tags = try reader.required(tags, "tags", in: "Person")
        self.active = try reader.required(active, "active", in: "Person")
    }
}

/// The same row as a portable object (a registered type): the *portable records* workload.
public struct PortablePerson: Portable, Codable, Hashable, Sendable {
    public static let portableName = "bench.Person"
    public var person: Person

    public init(_ person: Person) { self.person = person }

    // Encoded as the person's own fields, not nested under "person".
    public init(from decoder: any Decoder) throws { person = try Person(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try person.encode(to: encoder) }
}

/// A person with identity: the *shared references* workload sends 1,000 references to 10 of these.
public final class PersonObject: Portable, Codable, @unchecked Sendable {
    public static let portableName = "bench.PersonObject"
    public var person: Person

    public init(_ person: Person) { self.person = person }
    public init(from decoder: any Decoder) throws { person = try Person(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try person.encode(to: encoder) }
}

/// A row that puts its person's details into the message's global data once per distinct person:
/// the *global data* workload.
public struct PersonRow: CustomPortable, Equatable, Sendable {
    public static let portableName = "bench.PersonRow"
    public var person: Person

    public init(_ person: Person) { self.person = person }

    public func serialize(globalData: GlobalData) throws -> PortableValue {
        let key = "person:\(person.id)"
        if try globalData.value(forKey: key) == nil {
            try globalData.set(.object(PortablePerson(person)), forKey: key)
        }
        return .string(key)
    }

    public static func deserialize(_ data: PortableValue, globalData: GlobalData) throws -> PersonRow {
        guard let key = data.stringValue, let stored = try globalData.value(forKey: key)?.object as? PortablePerson else {
            throw MessagePackError(.malformedPortable, at: -1, "a PersonRow refers to global data it cannot find")
        }
        return PersonRow(stored.person)
    }
}
