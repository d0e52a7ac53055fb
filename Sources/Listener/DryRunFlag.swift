import HTTPServer

/// Whether a listener request (or an admin replay) asks for a dry run: the header `CRMHub-Dry-Run: true` or the
/// query parameter `dry_run=true`. Either may say `false`; any other value is refused, so a typo never writes.
public enum DryRunFlag {
    public static let header = "CRMHub-Dry-Run"
    public static let queryParameter = "dry_run"

    /// True for a dry run; the problem to answer when a value is neither "true" nor "false".
    public static func read(_ request: Request) -> Result<Bool, DryRunFlagError> {
        var dry = false
        for (name, value) in [
            (header, request.headers.values(for: header).first), (queryParameter, request.query(queryParameter)),
        ] {
            guard let value else { continue }
            switch value.lowercased() {
            case "true", "1": dry = true
            case "false", "0": break
            default: return .failure(DryRunFlagError(name: name, value: value))
            }
        }
        return .success(dry)
    }
}

public struct DryRunFlagError: Error, Sendable {
    public let name: String
    public let value: String

    public var response: Response {
        .problem(status: 400, detail: "\(name) must be true or false, not '\(value)'", errors: [(name, "must be true or false")])
    }
}
