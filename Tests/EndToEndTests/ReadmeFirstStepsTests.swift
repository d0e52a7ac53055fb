import CRMHubTesting
import Foundation
import Testing

/// README.md's "First steps" and its first listener samples, pasted in order into bash against a real server: every
/// command must succeed (curl fails on any HTTP error status), as it must for a new user.
@Suite("README first steps")
struct ReadmeFirstStepsTests {
    /// The shell blocks of the README from the "First steps" heading through the add-lead sample of "Sending to a
    /// listener".
    static func script(port: Int) throws -> String {
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        let start = try #require(readme.range(of: "## First steps"))
        let end = try #require(readme.range(of: "- **Statuses.**", range: start.upperBound..<readme.endIndex))
        var blocks: [String] = []
        var rest = readme[start.upperBound..<end.lowerBound]
        while let open = rest.range(of: "```sh\n"), let close = rest.range(of: "```", range: open.upperBound..<rest.endIndex) {
            blocks.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return "set -euo pipefail\ncd '\(Repository.root)'\n"
            + blocks.joined(separator: "\n")
            .replacingOccurrences(of: "http://127.0.0.1:8080", with: "http://127.0.0.1:\(port)")
            .replacingOccurrences(of: "curl -s ", with: "curl -sS --fail-with-body ")
    }

    @Test("every command of the first steps succeeds in order, scripts/crmhub included, up to the document's add-lead sample")
    func firstSteps() async throws {
        let url = try await TestDatabase.makeFreshDatabase(prefix: "readme")
        let result = try await TestServer.with(configure: { $0.databaseURL = url }) { server in
            let script = try Self.script(port: server.port)
            #expect(script.contains("scripts/crmhub admin create-token") && script.contains("Referred By"))
            return try await Repository.run(
                "/bin/bash", ["-c", script],
                environment: [
                    "CRMHUB_DATABASE_URL": url, "CRMHUB_BIN": Repository.crmhubBinary,
                    "CRMHUB_MIGRATIONS_DIR": TestDatabase.migrationsDirectory(),
                ])
        }
        #expect(result.status == 0, "stdout:\n\(result.stdout)\nstderr:\n\(result.stderr)")
        #expect(result.stdout.contains("\"slug\":\"htk-labs\"") && result.stdout.contains("created org acme"))
        #expect(result.stdout.contains(#""customerId":"PID-1","outcome":"created""#), "\(result.stdout)")
        #expect(result.stdout.contains(#""kind":"lead","id":3,"customerId":"LID-1","outcome":"created""#), "\(result.stdout)")
    }
}
