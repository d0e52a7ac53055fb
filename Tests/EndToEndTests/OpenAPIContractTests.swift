import CRMHubTesting
import Foundation
import Testing

@Suite("openapi/openapi.yaml and the router agree")
struct OpenAPIContractTests {
    /// (method, path) pairs declared under `paths:` in the spec, read with a small line scanner: paths are
    /// the two-space-indented keys starting with "/", operations the four-space-indented HTTP method keys.
    static func specOperations() throws -> Set<String> {
        let text = try String(contentsOfFile: Repository.root + "/openapi/openapi.yaml", encoding: .utf8)
        var operations = Set<String>()
        var inPaths = false
        var currentPath: String?
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, let first = line.first, first != " " { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") {
                currentPath = String(line.dropFirst(2).dropLast()).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            } else if line.hasPrefix("    ") && !line.hasPrefix("     ") && line.hasSuffix(":"), let path = currentPath {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if methods.contains(String(key)) { operations.insert("\(key.uppercased()) \(path)") }
            }
        }
        return operations
    }

    @Test("every route is in the spec and every spec operation is a route")
    func agree() async throws {
        try await TestServer.with { server in
            let routes = Set(server.application.routeTable.map { "\($0.method) \($0.pattern)" })
            let spec = try Self.specOperations()
            #expect(routes.subtracting(spec).sorted() == [], "routes missing from openapi.yaml")
            #expect(spec.subtracting(routes).sorted() == [], "openapi.yaml paths with no route")
        }
    }

    @Test("openapi-spec-validator accepts the document")
    func validates() async throws {
        let result = try await Repository.run(
            "/usr/bin/env", ["python3", "-m", "openapi_spec_validator", Repository.root + "/openapi/openapi.yaml"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
