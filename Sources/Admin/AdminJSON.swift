import CRM
import HTTPServer
import JSON

/// Reading request bodies and writing responses for the admin API.
public enum AdminJSON {
    /// The body as a JSON object, or 400 naming the syntax error's position.
    public static func object(_ request: Request) throws -> JSONObject {
        guard !request.body.isEmpty else { throw CRMError.malformed("the request body must be a JSON object") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(request.body)
        } catch {
            throw CRMError.malformed("body is not valid JSON: \(error.description)")
        }
        guard let object = value.objectValue else {
            throw CRMError.malformed("the request body must be a JSON object, not \(value.typeName)")
        }
        var errors: [FieldError] = []
        findNUL(value, path: "", into: &errors)
        if !errors.isEmpty { throw CRMError.invalid(errors) }
        return object
    }

    /// PostgreSQL text cannot hold U+0000, so a string (or key) with one is refused up front, naming where it is.
    /// The walk keeps the path as a stack of steps and writes a name only for a string it refuses (at most
    /// `maxNULErrors` of them), so its cost is linear in the document, however deep or long-keyed.
    public static func findNUL(_ value: JSONValue, path: String, into errors: inout [FieldError]) {
        var steps: [PathStep] = path.isEmpty ? [] : [.key(path)]
        findNUL(value, &steps, &errors)
    }

    public static let maxNULErrors = 100

    public enum PathStep {
        case key(String)
        case index(Int)
    }

    private static func findNUL(_ value: JSONValue, _ steps: inout [PathStep], _ errors: inout [FieldError]) {
        guard errors.count < maxNULErrors else { return }
        switch value {
        case .string(let text) where text.unicodeScalars.contains("\u{0}"):
            errors.append(FieldError(name(steps), "must not contain NUL characters"))
        case .array(let items):
            for (index, item) in items.enumerated() {
                steps.append(.index(index))
                findNUL(item, &steps, &errors)
                steps.removeLast()
            }
        case .object(let object):
            for (key, member) in object.members {
                steps.append(.key(key))
                if key.unicodeScalars.contains("\u{0}") && errors.count < maxNULErrors {
                    errors.append(FieldError(name(steps), "must not contain NUL characters"))
                }
                findNUL(member, &steps, &errors)
                steps.removeLast()
            }
        default:
            break
        }
    }

    /// `owner.email`, `scopes[2]`: keys joined by dots, indexes in brackets.
    private static func name(_ steps: [PathStep]) -> String {
        var name = ""
        for step in steps {
            switch step {
            case .key(let key): name += name.isEmpty ? key : ".\(key)"
            case .index(let index): name += "[\(index)]"
            }
        }
        return name
    }

    public static func response(_ value: JSONValue, status: Int = 200) -> Response {
        .json(JSONWriter.bytes(value), status: status)
    }

    /// A page of items with the cursor of the next page (null at the end).
    public static func page(_ items: [JSONValue], next: Int64?) -> Response {
        response(["items": .array(items), "next_cursor": next.map { .string(String($0)) } ?? .null])
    }

    /// A page of rows read with `limit`: a full page means there may be more, so the last row's id is the cursor.
    public static func page<Row>(_ rows: [Row], limit: Int, id: KeyPath<Row, Int64>, _ render: (Row) -> JSONValue) -> Response {
        page(rows.map(render), next: rows.count == limit ? rows.last?[keyPath: id] : nil)
    }

    /// `limit` (1–200, default 50) and `cursor` query parameters.
    public static func pagination(_ request: Request) throws -> (cursor: Int64, limit: Int) {
        var errors: [FieldError] = []
        var limit = 50
        if let text = request.query("limit") {
            if let value = Int(text), (1...200).contains(value) {
                limit = value
            } else {
                errors.append(FieldError("limit", "must be a whole number from 1 to 200"))
            }
        }
        var cursor: Int64 = 0
        if let text = request.query("cursor") {
            if let value = Int64(text), value >= 0 {
                cursor = value
            } else {
                errors.append(FieldError("cursor", "is not a cursor returned by this API"))
            }
        }
        if !errors.isEmpty { throw CRMError.invalid(errors) }
        return (cursor, limit)
    }
}

/// Collects field errors while reading a JSON object, so one response lists every problem.
public struct FieldReader {
    public let object: JSONObject
    public let prefix: String
    public var errors: [FieldError] = []

    public init(_ object: JSONObject, prefix: String = "") {
        self.object = object
        self.prefix = prefix
    }

    public func name(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    /// Unknown keys are errors: a typo must not be silently ignored.
    public mutating func allowOnly(_ keys: Set<String>) {
        for key in object.keys where !keys.contains(key) { errors.append(FieldError(name(key), "is not a known field")) }
    }

    public mutating func string(
        _ key: String, required: Bool = false, maxLength: Int = 200, pattern: ((String) -> Bool)? = nil,
        rule: String = ""
    ) -> String? {
        guard let value = object[key], !value.isNull else {
            if required { errors.append(FieldError(name(key), "is required")) }
            return nil
        }
        guard let text = value.stringValue else {
            errors.append(FieldError(name(key), "must be a string, not \(value.typeName)"))
            return nil
        }
        if required && text.isEmpty {
            errors.append(FieldError(name(key), "must not be empty"))
            return nil
        }
        if text.unicodeScalars.count > maxLength {  // code points, as the columns' length() checks count
            errors.append(FieldError(name(key), "must be at most \(maxLength) characters"))
            return nil
        }
        if let pattern, !pattern(text) {
            errors.append(FieldError(name(key), rule))
            return nil
        }
        return text
    }

    public mutating func bool(_ key: String) -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            errors.append(FieldError(name(key), "must be true or false, not \(value.typeName)"))
            return nil
        }
        return flag
    }

    public mutating func choice<T: RawRepresentable>(_ key: String, _ type: T.Type, allowed: [T], required: Bool = false) -> T?
    where T.RawValue == String {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        guard let text = string(key, required: required) else { return nil }
        guard let value = T(rawValue: text) else {
            errors.append(FieldError(name(key), "must be one of \(list)"))
            return nil
        }
        return value
    }

    public func finish() throws {
        if !errors.isEmpty { throw CRMError.invalid(errors) }
    }
}

public enum Validation {
    public static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".")
        else {
            return false
        }
        return !text.contains { $0 == " " || $0 == "\t" || $0 == "\n" }
    }

    public static func isSlug(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (2...63).contains(bytes.count) else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || (byte == 0x2D && index > 0)
        }
    }

    /// "UTC" or an IANA zone name shape ("Asia/Ho_Chi_Minh", "America/Argentina/Buenos_Aires", "Etc/GMT+7").
    public static func isTimeZone(_ text: String) -> Bool {
        if text == "UTC" { return true }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 3 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.first!.isUppercase && part.allSatisfy { $0.isLetter || $0.isNumber || "_+-".contains($0) }
        }
    }
}
