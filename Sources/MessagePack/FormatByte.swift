// SPDX-License-Identifier: Apache-2.0

/// Names for MessagePack's single format bytes. See Spec/format.md, "Byte layouts".
public enum FormatByte {
    public static let `nil`: UInt8 = 0xc0
    public static let neverUsed: UInt8 = 0xc1
    public static let `false`: UInt8 = 0xc2
    public static let `true`: UInt8 = 0xc3
    public static let bin8: UInt8 = 0xc4
    public static let bin16: UInt8 = 0xc5
    public static let bin32: UInt8 = 0xc6
    public static let ext8: UInt8 = 0xc7
    public static let ext16: UInt8 = 0xc8
    public static let ext32: UInt8 = 0xc9
    public static let float32: UInt8 = 0xca
    public static let float64: UInt8 = 0xcb
    public static let uint8: UInt8 = 0xcc
    public static let uint16: UInt8 = 0xcd
    public static let uint32: UInt8 = 0xce
    public static let uint64: UInt8 = 0xcf
    public static let int8: UInt8 = 0xd0
    public static let int16: UInt8 = 0xd1
    public static let int32: UInt8 = 0xd2
    public static let int64: UInt8 = 0xd3
    public static let fixext1: UInt8 = 0xd4
    public static let fixext2: UInt8 = 0xd5
    public static let fixext4: UInt8 = 0xd6
    public static let fixext8: UInt8 = 0xd7
    public static let fixext16: UInt8 = 0xd8
    public static let str8: UInt8 = 0xd9
    public static let str16: UInt8 = 0xda
    public static let str32: UInt8 = 0xdb
    public static let array16: UInt8 = 0xdc
    public static let array32: UInt8 = 0xdd
    public static let map16: UInt8 = 0xde
    public static let map32: UInt8 = 0xdf

    /// The family a format byte starts, for messages: `uint16`, `fixstr`, `negative fixint`.
    public static func familyName(_ byte: UInt8) -> String { family(byte).description }

    /// ``familyName(_:)`` as static text, for output written byte by byte (no `String` per call).
    public static func family(_ byte: UInt8) -> StaticString {
        switch byte {
        case 0x00...0x7f: return "positive fixint"
        case 0x80...0x8f: return "fixmap"
        case 0x90...0x9f: return "fixarray"
        case 0xa0...0xbf: return "fixstr"
        case 0xe0...0xff: return "negative fixint"
        case 0xc0: return "nil"
        case 0xc2: return "false"
        case 0xc3: return "true"
        case 0xc4: return "bin8"
        case 0xc5: return "bin16"
        case 0xc6: return "bin32"
        case 0xc7: return "ext8"
        case 0xc8: return "ext16"
        case 0xc9: return "ext32"
        case 0xca: return "float32"
        case 0xcb: return "float64"
        case 0xcc: return "uint8"
        case 0xcd: return "uint16"
        case 0xce: return "uint32"
        case 0xcf: return "uint64"
        case 0xd0: return "int8"
        case 0xd1: return "int16"
        case 0xd2: return "int32"
        case 0xd3: return "int64"
        case 0xd4: return "fixext1"
        case 0xd5: return "fixext2"
        case 0xd6: return "fixext4"
        case 0xd7: return "fixext8"
        case 0xd8: return "fixext16"
        case 0xd9: return "str8"
        case 0xda: return "str16"
        case 0xdb: return "str32"
        case 0xdc: return "array16"
        case 0xdd: return "array32"
        case 0xde: return "map16"
        case 0xdf: return "map32"
        default: return "(never used)"
        }
    }
}
