// SPDX-License-Identifier: Apache-2.0
#if Macros
import PortableWireMacros
import Testing

// The README's macro example, verbatim (macros attach to file-scope types only, so the model is out here).
@MessagePackCodable
struct ReadmePerson: Codable, Equatable {
    var name: String
    var age: Int
    var email: String?   // left out when nil, like Codable's encodeIfPresent
}

@Suite struct ReadmeMacroExampleTests {
    @Test func quickStartWithTheMacro() throws {
        let bytes = ReadmePerson(name: "Ada", age: 36, email: nil).messagePackBytes()
        // 82 a4 6e 61 6d 65 a3 41 64 61 a3 61 67 65 24: {"name": "Ada", "age": 36}
        let person = try ReadmePerson(messagePack: bytes)   // keys in any order; unknown keys skipped
        #expect(bytes == [0x82, 0xa4, 0x6e, 0x61, 0x6d, 0x65, 0xa3, 0x41, 0x64, 0x61, 0xa3, 0x61, 0x67, 0x65, 0x24])
        #expect(person == ReadmePerson(name: "Ada", age: 36, email: nil))
        #expect(try MessagePackEncoder().encode(person) == bytes)
        // {"age": 36, "extra": true, "name": "Ada"}: reordered, with an unknown key.
        let reordered: [UInt8] = [0x83, 0xa3, 0x61, 0x67, 0x65, 0x24, 0xa5, 0x65, 0x78, 0x74, 0x72, 0x61, 0xc3,
                                  0xa4, 0x6e, 0x61, 0x6d, 0x65, 0xa3, 0x41, 0x64, 0x61]
        #expect(try ReadmePerson(messagePack: reordered) == person)
    }
}
#endif
