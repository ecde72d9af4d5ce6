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
    public static func familyName(_ byte: UInt8) -> String {
        switch byte {
        case 0x00...0x7f: return "positive fixint"
        case 0x80...0x8f: return "fixmap"
        case 0x90...0x9f: return "fixarray"
        case 0xa0...0xbf: return "fixstr"
        case 0xe0...0xff: return "negative fixint"
        default:
            let names = [
                "nil", "(never used)", "false", "true", "bin8", "bin16", "bin32", "ext8", "ext16", "ext32",
                "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
                "fixext1", "fixext2", "fixext4", "fixext8", "fixext16", "str8", "str16", "str32",
                "array16", "array32", "map16", "map32",
            ]
            return names[Int(byte - 0xc0)]
        }
    }
}
