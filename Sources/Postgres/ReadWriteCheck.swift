internal import CLibPQ

/// `target_session_attrs=read-write` (or `primary`) decided by asking the server itself.
///
/// libpq decides from the `in_hot_standby` and `default_transaction_read_only` parameters the server reports at
/// login. Through PgBouncer those are the pooler's cached copy from its first server connection, so after a
/// failover libpq keeps choosing the PgBouncer in front of the demoted primary, and may refuse the one in front of
/// the new primary. When the connection string asks for a writable session, CRMHub therefore connects with
/// `target_session_attrs=any`, once starting from each host in turn, and keeps the first session whose
/// `pg_is_in_recovery()` is false.
enum ReadWriteCheck {
    /// The host and port lists of `connectionString` when it asks for a writable session, else nil.
    static func hostLists(_ connectionString: String) -> (hosts: [String], ports: [String])? {
        guard let options = PQconninfoParse(connectionString, nil) else { return nil }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var index = 0
        while let keyword = options[index].keyword {
            if let value = options[index].val { values[String(cString: keyword)] = String(cString: value) }
            index += 1
        }
        guard let attributes = values["target_session_attrs"], attributes == "read-write" || attributes == "primary"
        else { return nil }
        let hosts = (values["host"] ?? values["hostaddr"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
        let ports = (values["port"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
        return (hosts.map(String.init), ports.map(String.init))
    }

    /// `host`, `port` and `target_session_attrs` keyword values that try the hosts starting from `start`.
    static func overrides(_ lists: (hosts: [String], ports: [String]), startingAt start: Int) -> [(String, String)] {
        let count = lists.hosts.count
        let order = (0..<count).map { (start + $0) % count }
        var result = [("host", order.map { lists.hosts[$0] }.joined(separator: ","))]
        if lists.ports.count == count { result.append(("port", order.map { lists.ports[$0] }.joined(separator: ","))) }
        result.append(("target_session_attrs", "any"))
        return result
    }

    /// Whether the server behind `handle` is a standby (`pg_is_in_recovery()`); a failed query counts as one.
    static func isStandby(_ handle: OpaquePointer) -> Bool {
        let result = PQexec(handle, "SELECT pg_is_in_recovery()")
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK, PQntuples(result) == 1 else { return true }
        return String(cString: PQgetvalue(result, 0, 0)) != "f"
    }
}
