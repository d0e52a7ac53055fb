import COpenSSL

enum Base64URL {
    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            guard let index = RandomText.base64urlAlphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt8(index))
        }
        var out: [UInt8] = []
        var index = 0
        while index + 3 < values.count {
            let value =
                UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6
                | UInt32(values[index + 3])
            out += [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            index += 4
        }
        let rest = values.count - index
        if rest == 2 {
            out.append(UInt8((UInt32(values[index]) << 2 | UInt32(values[index + 1]) >> 4) & 0xFF))
        } else if rest == 3 {
            let value = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12 | UInt32(values[index + 2]) << 6
            out += [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF)]
        } else if rest == 1 {
            return nil
        }
        return out
    }
}
