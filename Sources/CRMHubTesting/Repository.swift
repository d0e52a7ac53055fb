import CShims
import Foundation
import Glibc

/// Runs the built `crmhub` binary or a repository script, for tests of the command line and of restarts.
public enum Repository {
    /// The repository root, from this file's location.
    public static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The `crmhub` executable next to the test bundle in the build folder.
    public static var crmhubBinary: String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            let candidate = url.deletingLastPathComponent().appendingPathComponent("crmhub").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url = url.deletingLastPathComponent()
        }
        return root + "/.build/debug/crmhub"
    }

    /// Runs a command to completion and returns its exit status and output.
    ///
    /// posix_spawn + waitpid rather than Foundation's Process: a daemon the command starts (pg_ctl → postgres)
    /// inherits Process's internal descriptors and would keep `waitUntilExit` waiting forever.
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:]
    )
        async throws -> (status: Int32, stdout: String, stderr: String)
    {
        try await blocking {
            let base = NSTemporaryDirectory() + "crmhub-run-\(UUID().uuidString)"
            defer {
                try? FileManager.default.removeItem(atPath: base + ".out")
                try? FileManager.default.removeItem(atPath: base + ".err")
            }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            cshims_spawn_closefrom(&actions, 3)
            let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for pointer in argv { free(pointer) }
                for pointer in envp { free(pointer) }
            }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
            guard spawned == 0 else { throw TestError("cannot run \(executable): errno \(spawned)") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            let stdout = FileManager.default.contents(atPath: base + ".out") ?? Data()
            let stderr = FileManager.default.contents(atPath: base + ".err") ?? Data()
            return (exitCode, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
        }
    }
}
