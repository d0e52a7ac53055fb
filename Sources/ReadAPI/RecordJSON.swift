import CRM
import JSON

/// A record as a JSON object, written straight into text: stored JSON (jsonb) goes out as PostgreSQL wrote it,
/// without being parsed again (which keeps the export fast), only without the spaces PostgreSQL puts after its
/// colons and commas, so it reads like the rest of the response.
enum RecordJSON {
    static func write(_ record: Record, into out: inout String) {
        out.append("{")
        for (index, field) in record.fields.enumerated() {
            if index > 0 { out.append(",") }
            JSONWriter.quote(field.name, into: &out)
            out.append(":")
            write(field.value, into: &out)
        }
        out.append("}")
    }

    static func write(_ value: FieldValue, into out: inout String) {
        switch value {
        case .text(nil), .id(nil), .integer(nil), .decimal(nil), .json(nil):
            out.append("null")
        case .text(let text?), .decimal(let text?):
            JSONWriter.quote(text, into: &out)
        case .id(let id?):
            out.append("\"\(id)\"")
        case .integer(let number?):
            out.append(String(number))
        case .json(let json?):
            JSONWriter.appendCompact(json, into: &out)
        case .texts(let texts):
            out.append("[")
            for (index, text) in texts.enumerated() {
                if index > 0 { out.append(",") }
                JSONWriter.quote(text, into: &out)
            }
            out.append("]")
        case .ids(let ids):
            out.append("[" + ids.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        }
    }

    static func bytes(_ record: Record) -> [UInt8] {
        var out = ""
        write(record, into: &out)
        return Array(out.utf8)
    }

    /// `{"items":[…],"next_cursor":…}`.
    static func page(_ records: ArraySlice<Record>, next: String?) -> [UInt8] {
        var out = "{\"items\":["
        for (index, record) in records.enumerated() {
            if index > 0 { out.append(",") }
            write(record, into: &out)
        }
        out.append("],\"next_cursor\":")
        if let next { JSONWriter.quote(next, into: &out) } else { out.append("null") }
        out.append("}")
        return Array(out.utf8)
    }
}
