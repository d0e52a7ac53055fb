/// The POST variables of a form body, in either standard encoding: `application/x-www-form-urlencoded`
/// (WHATWG URL §5.1, also assumed when there is no Content-Type) or `multipart/form-data` (RFC 7578). The body is
/// already within the route's limit when it gets here; the parts are read in one pass.
public enum FormBody {
    /// Why a body could not be read as form fields; `status` is 415 or 400.
    public enum Problem: Error, Sendable, Equatable {
        case unsupportedMediaType(String)
        case malformed(String)

        public var status: Int {
            switch self {
            case .unsupportedMediaType: 415
            case .malformed: 400
            }
        }

        public var message: String {
            switch self {
            case .unsupportedMediaType(let type):
                "the body is \(type); POST variables are accepted as application/x-www-form-urlencoded or multipart/form-data"
            case .malformed(let reason): "the multipart/form-data body is malformed: \(reason)"
            }
        }
    }

    /// The fields of `request`'s body, in order.
    public static func fields(_ request: Request) throws(Problem) -> [(name: String, value: String)] {
        try fields(contentType: request.headers["Content-Type"], body: request.body)
    }

    public static func fields(contentType: String?, body: [UInt8]) throws(Problem) -> [(name: String, value: String)] {
        guard let contentType, !contentType.allSatisfy({ $0 == " " || $0 == "\t" }) else {
            return FormDecoding.decode(String(decoding: body, as: UTF8.self))
        }
        let media = MediaType(contentType)
        switch media.type {
        case "application/x-www-form-urlencoded":
            return FormDecoding.decode(String(decoding: body, as: UTF8.self))
        case "multipart/form-data":
            guard let boundary = media.parameters["boundary"], (1...70).contains(boundary.utf8.count) else {
                throw .malformed("the Content-Type has no boundary parameter (1 to 70 characters)")
            }
            return try MultipartFormData.fields(body, boundary: boundary)
        default:
            throw .unsupportedMediaType(media.type.isEmpty ? "'\(contentType)'" : media.type)
        }
    }
}

/// A Content-Type field split into its lower-cased `type/subtype` and its parameters (names lower-cased, quoted
/// values unquoted), RFC 9110 §8.3.1.
public struct MediaType: Sendable, Equatable {
    public let type: String
    public let parameters: [String: String]

    public init(_ field: String) {
        let pieces = Self.split(field)
        type = (pieces.first ?? "").trimmingASCIISpaces().lowercased()
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingASCIISpaces().lowercased()
            let value = Self.unquote(piece[piece.index(after: equals)...].trimmingASCIISpaces())
            if !name.isEmpty, parameters[name] == nil { parameters[name] = value }
        }
        self.parameters = parameters
    }

    /// Splits at the semicolons that are outside quoted strings.
    static func split(_ text: String) -> [String] {
        var pieces: [String] = [], current = "", quoted = false, escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if quoted && character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ";" && !quoted {
                pieces.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        pieces.append(current)
        return pieces
    }

    /// A quoted-string's content with its backslash escapes removed; a token as it is.
    static func unquote(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        var out = "", escaped = false
        for character in text.dropFirst().dropLast() {
            if !escaped && character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            out.append(character)
        }
        return out
    }
}
