/// `multipart/form-data` (RFC 7578 over RFC 2046 §5.1): each part's `Content-Disposition: form-data; name="…"`
/// and its content, which is the field's value (a file part's content too). Linear in the body: each delimiter is
/// searched once from where the previous one ended.
enum MultipartFormData {
    /// A part's header section is at most this long (the server's own header limit).
    static let headerLimit = 16 << 10

    static func fields(_ body: [UInt8], boundary: String) throws(FormBody.Problem) -> [(name: String, value: String)] {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        // The preamble before the first delimiter is ignored (RFC 2046 §5.1.1).
        guard var position = find(delimiter, in: body, from: 0),
            position == 0 || (position >= 2 && body[position - 2..<position].elementsEqual(crlf))
        else {
            throw .malformed("no part starts with the boundary '\(boundary)'")
        }
        var fields: [(name: String, value: String)] = []
        while true {
            position += delimiter.count
            if body[position...].starts(with: [45, 45]) { return fields }  // "--": the close delimiter
            while position < body.count, body[position] == 32 || body[position] == 9 { position += 1 }  // transport padding
            guard body[position...].starts(with: crlf) else { throw .malformed("a boundary line does not end with CRLF") }
            position += 2
            // From the boundary line's own CRLF, so that a part without header fields is found too.
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: position - 2, limit: headerLimit) else {
                throw .malformed("a part's header section does not end with an empty line")
            }
            let name = try fieldName(String(decoding: body[position..<max(position, headerEnd)], as: UTF8.self))
            let contentStart = headerEnd + 4
            guard let next = find(crlf + delimiter, in: body, from: contentStart) else {
                throw .malformed("the body ends before the closing boundary '--\(boundary)--'")
            }
            fields.append((name, String(decoding: body[contentStart..<next], as: UTF8.self)))
            position = next + 2
        }
    }

    /// The `name` of a part's `Content-Disposition: form-data` header field.
    static func fieldName(_ header: String) throws(FormBody.Problem) -> String {
        for line in header.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "content-disposition" else { continue }
            let disposition = MediaType(String(line[line.index(after: colon)...]))
            guard disposition.type == "form-data", let name = disposition.parameters["name"] else {
                throw .malformed("a part's Content-Disposition is not form-data with a name")
            }
            return name
        }
        throw .malformed("a part has no Content-Disposition header field")
    }

    /// The first index at or after `start` where `needle` occurs (the search gives up past `start + limit`).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, limit: Int = .max) -> Int? {
        guard let first = needle.first, start >= 0 else { return nil }
        let last = min(haystack.count - needle.count, limit == .max ? .max : start + limit)
        var index = start
        while index <= last {
            if haystack[index] == first, haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
