import Glibc

/// What `crmhub version` prints and the start-up log line carries.
public enum CRMHubVersion {
    public static let current = "0.1.0"
    /// The git commit this binary was built from (written by Plugins/BuildInfoPlugin), or "unknown".
    public static let commit = BuildInfo.commit

    /// `crmhub version`: the version, the commit, and the build date (when the executable was linked: its
    /// modification time).
    public static var description: String {
        "crmhub \(current) (commit \(commit), built \(buildDate ?? "unknown"))"
    }

    /// The executable's modification time in UTC, "2026-12-05T23:40:12Z".
    static var buildDate: String? {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return nil }
        var seconds = info.st_mtim.tv_sec
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return nil }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
