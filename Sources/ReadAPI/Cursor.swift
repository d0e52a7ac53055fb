import CRM

/// The opaque `cursor` of a list: the last id of the page, base64url-encoded (RFC 4648 §5, no padding) so clients
/// pass it back instead of computing ids.
enum Cursor {
    static func encode(_ id: Int64) -> String { Base64.encodeURL(Array(String(id).utf8)) }

    /// The id in a cursor this API wrote; nil for anything else.
    static func decode(_ text: String) -> Int64? {
        guard text.utf8.count <= 28, let bytes = Base64.decodeURL(text),
            let id = Int64(String(decoding: bytes, as: UTF8.self)), id > 0, encode(id) == text
        else { return nil }
        return id
    }
}
