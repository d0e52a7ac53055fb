import CRMHubTesting
import Foundation
import JSON
import Testing

/// `crmhub` on the command line: help at every level, arguments called arguments, the admin API's own validation
/// and messages, and a version that names its build.
@Suite("the crmhub command line")
struct CommandLineTests {
    static func crmhub(
        _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await Repository.run(Repository.crmhubBinary, arguments, environment: environment)
    }

    @Test("crmhub --help, crmhub admin --help and crmhub admin <command> --help print that level's help and exit 0")
    func help() async throws {
        let top = try await Self.crmhub(["--help"])
        #expect(top.status == 0 && top.stdout.contains("CRMHUB_DATABASE_URL"))
        for synopsis in [
            "crmhub admin create-token [--name NAME]",
            "crmhub admin create-org --slug SLUG --name NAME --owner-email EMAIL [--owner-name NAME] [--timezone ZONE]",
            "crmhub admin create-listener --org SLUG --name NAME [--base-url URL]", "crmhub version",
        ] {
            #expect(top.stdout.contains(synopsis), "\(synopsis)")
        }
        for arguments in [["admin", "--help"], ["admin", "-h"], ["admin", "help"]] {
            let admin = try await Self.crmhub(arguments)
            #expect(
                admin.status == 0 && admin.stdout.hasPrefix("Usage: crmhub admin <command>") && admin.stderr.isEmpty,
                "\(arguments)")
            #expect(admin.stdout.contains("crmhub admin create-listener --org SLUG --name NAME [--base-url URL]"))
            #expect(!admin.stdout.contains("CRMHUB_DB_POOL_SIZE"))
        }
        let command = try await Self.crmhub(["admin", "create-listener", "--help"])
        #expect(
            command.status == 0
                && command.stdout.hasPrefix("Usage: crmhub admin create-listener --org SLUG --name NAME [--base-url URL]"))
        #expect(command.stdout.contains("--base-url URL") && command.stdout.contains("(required)"))
    }

    @Test(
        "misuse exits 2 on standard error: a bare crmhub admin, an unknown command, a missing or unknown argument (called an argument)"
    )
    func misuse() async throws {
        let bare = try await Self.crmhub(["admin"])
        #expect(
            bare.status == 2 && bare.stdout.isEmpty && bare.stderr.contains("a command is required")
                && bare.stderr.contains("create-org"))
        let unknown = try await Self.crmhub(["admin", "create-user"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown command 'create-user'"))
        let missing = try await Self.crmhub(["admin", "create-org", "--slug", "acme", "--owner-email", "a@acme.com"])
        #expect(
            missing.status == 2 && missing.stderr.hasPrefix("crmhub admin create-org: the argument --name NAME is required"),
            "\(missing.stderr)")
        #expect(!missing.stderr.contains("setting"))
        let extra = try await Self.crmhub([
            "admin", "create-org", "--slug", "acme", "--name", "A", "--owner-email", "a@acme.com", "--colour", "red",
        ])
        #expect(extra.status == 2 && extra.stderr.contains("unknown argument '--colour'"))
        let noValue = try await Self.crmhub(["admin", "create-listener", "--org", "acme", "--name"])
        #expect(noValue.status == 2 && noValue.stderr.contains("the argument --name needs a value"))
    }

    @Test(
        "admin create-org refuses what POST /admin/v1/orgs refuses, with the API's messages naming the arguments; a taken slug once"
    )
    func validation() async throws {
        let url = try await SharedTestDatabase.url()
        let environment = ["CRMHUB_DATABASE_URL": url, "CRMHUB_MIGRATIONS_DIR": TestDatabase.migrationsDirectory()]
        let bad = try await Self.crmhub(
            ["admin", "create-org", "--slug", "Bad_Slug", "--name", "X", "--owner-email", "nope", "--timezone", "Mars/Base"],
            environment: environment)
        #expect(bad.status == 2, "\(bad.stderr)")
        #expect(!bad.stderr.contains("PostgresError") && !bad.stderr.contains("check_violation"))
        // The API's answer to the same values: every message of its 422 is in the command's output, under the argument's name.
        let api = try await AdminFixture.with { fixture in
            try await fixture.call(
                "POST", "/admin/v1/orgs", raw: #"{"slug":"Bad_Slug","name":"X","timezone":"Mars/Base","owner":{"email":"nope"}}"#)
        }
        #expect(api.status == 422)
        let errors = api.json["errors"]?.arrayValue ?? []
        let flags = ["slug": "--slug", "timezone": "--timezone", "owner.email": "--owner-email"]
        #expect(Set(errors.compactMap { $0["field"]?.stringValue }) == Set(flags.keys))
        for error in errors {
            let field = error["field"]?.stringValue ?? "", message = error["message"]?.stringValue ?? ""
            #expect(
                bad.stderr.contains(flags[field] ?? field) && bad.stderr.contains(message),
                "\(field): \(message) in \(bad.stderr)")
        }

        let slug = "cli-\(UInt32.random(in: 0...UInt32.max))"
        let created = try await Self.crmhub(
            [
                "admin", "create-org", "--slug", slug, "--name", "CLI", "--owner-email", "owner@\(slug).vn", "--timezone",
                "Asia/Ho_Chi_Minh",
            ],
            environment: environment)
        #expect(created.status == 0 && created.stdout.contains("created org \(slug)"), "\(created.stderr)")
        let again = try await Self.crmhub(
            ["admin", "create-org", "--slug", slug, "--name", "CLI", "--owner-email", "o@x.vn"], environment: environment)
        #expect(again.status == 1 && again.stderr == "crmhub: an org with slug '\(slug)' already exists\n", "\(again.stderr)")
        let listener = try await Self.crmhub(["admin", "create-listener", "--org", slug, "--name", ""], environment: environment)
        #expect(
            listener.status == 2 && listener.stderr.contains("--name") && !listener.stderr.contains("PostgresError"),
            "\(listener.stderr)")
        let noOrg = try await Self.crmhub(
            ["admin", "create-listener", "--org", "no-such-org-x", "--name", "L"], environment: environment)
        #expect(noOrg.status == 1 && noOrg.stderr.contains("org 'no-such-org-x' not found"))
    }

    @Test("crmhub version prints the version, the git commit and the build date")
    func version() async throws {
        let version = try await Self.crmhub(["version"])
        #expect(version.status == 0)
        let line = version.stdout.trimmingCharacters(in: .newlines)
        let pattern = #"^crmhub \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}|unknown), built \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\)$"#
        #expect(line.range(of: pattern, options: .regularExpression) != nil, "\(line)")
        let git = try? await Repository.run("/usr/bin/git", ["-C", Repository.root, "rev-parse", "--short=12", "HEAD"])
        if let git, git.status == 0 {
            // Built from this checkout (the commit may have moved on since the build, but it is a real one).
            let commit = line.split(separator: " ")[3].dropLast()
            let known = try await Repository.run("/usr/bin/git", ["-C", Repository.root, "cat-file", "-e", "\(commit)^{commit}"])
            #expect(known.status == 0, "\(commit)")
        }
    }
}
