import CRM
import JSON

/// Records as CSV (RFC 4180): a header row of field names, CRLF line ends, UTF-8. Text fields are written as they
/// are; arrays and objects as their JSON text; null as an empty cell.
enum RecordCSV {
    static func header(_ names: [String], into out: inout String) {
        for (index, name) in names.enumerated() {
            if index > 0 { out.append(",") }
            cell(name, into: &out)
        }
        out.append("\r\n")
    }

    static func write(_ record: Record, into out: inout String) {
        for (index, field) in record.fields.enumerated() {
            if index > 0 { out.append(",") }
            switch field.value {
            case .text(nil), .id(nil), .integer(nil), .decimal(nil), .json(nil): break
            case .text(let text?), .decimal(let text?): cell(text, into: &out)
            case .json(let text?):
                var json = ""
                JSONWriter.appendCompact(text, into: &json)
                cell(json, into: &out)
            case .id(let number?), .integer(let number?): out.append(String(number))
            case .texts, .ids:
                var json = ""
                RecordJSON.write(field.value, into: &json)
                cell(json, into: &out)
            }
        }
        out.append("\r\n")
    }

    /// A field is quoted when it holds a comma, a double quote, CR or LF; quotes inside are doubled (RFC 4180 §2),
    /// every one: by scalar, since a quote followed by a combining mark is one Character that is not `"`.
    static func cell(_ text: String, into out: inout String) {
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
            out.append(text)
            return
        }
        out.append("\"")
        for scalar in text.unicodeScalars {
            if scalar == "\"" { out.append("\"\"") } else { out.unicodeScalars.append(scalar) }
        }
        out.append("\"")
    }
}
