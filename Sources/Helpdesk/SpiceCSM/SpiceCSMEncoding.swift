/// Attribute values of SpiceCSM's XML (spicecsm-web-call-integrations.txt, "Account Search/Load"): URL-encoded as
/// the document's examples are — "John%20Doe", "johnd%40xyz%2Enet", "%28555%29%20555%2D5555", "123%20Fake%20St%2E".
/// Those encode ".", "-", "(", ")", "@" and the space, so only ASCII letters and digits stay literal; every other
/// byte of the UTF-8 text is "%" and two upper-case hex digits. The result needs no further XML escaping.
enum SpiceCSMEncoding {
    static let hex = Array("0123456789ABCDEF".utf8)

    static func encode(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
