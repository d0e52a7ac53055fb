import Postgres

/// `crmhub_app`, the NOLOGIN role every request runs as (`OrgScope`). It is a cluster-wide object: the role that
/// runs the migrations creates it when it may (SUPERUSER or CREATEROLE); otherwise an administrator must have
/// created it and granted it to that role, and migrating stops with the statements to run.
public enum ApplicationRole {
    public static let name = "crmhub_app"

    /// Makes sure `crmhub_app` exists and the connected role may switch to it; run before the migrations.
    /// - Throws: `MigrationError` naming what is missing and the statements an administrator must run.
    public static func ensure(on connection: PostgresConnection) throws {
        let row = try connection.query(
            """
            SELECT quote_ident(current_user), r.rolsuper OR r.rolcreaterole,
                   EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crmhub_app'),
                   current_setting('server_version_num')::int
            FROM pg_roles AS r WHERE r.rolname = current_user
            """
        ).rows[0]
        let (user, mayManageRoles, exists, version) = try row.decode((String, Bool, Bool, Int).self)
        let create = "CREATE ROLE crmhub_app NOLOGIN;"
        let grant = "GRANT crmhub_app TO \(user);"
        if !exists {
            guard mayManageRoles else {
                throw MigrationError(
                    "the role crmhub_app (which requests run as) does not exist, and \(user) may not create it "
                        + "(it has neither CREATEROLE nor SUPERUSER); have an administrator run: \(create) \(grant)")
            }
            do throws(PostgresError) {
                try connection.execute(
                    "CREATE ROLE crmhub_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE")
            } catch {
                // Another database of the same cluster may have created it at the same moment.
                guard error.sqlState == .duplicateObject || error.sqlState == .uniqueViolation else { throw error }
            }
        }
        guard try !canSwitch(on: connection, version: version) else { return }
        do throws(PostgresError) {
            try connection.execute("DO $$ BEGIN EXECUTE format('GRANT crmhub_app TO %I', current_user); END $$")
        } catch {
            // A concurrent GRANT from another database ("tuple concurrently updated") leaves the membership there.
            guard try canSwitch(on: connection, version: version) else {
                throw MigrationError(
                    "\(user) is not a member of crmhub_app (the role requests run as) and may not grant it to itself "
                        + "(\(error.message)); have an administrator run: \(grant)", underlying: error)
            }
        }
    }

    /// Whether the connected role may `SET ROLE crmhub_app`: membership up to PostgreSQL 15, the SET option of
    /// the membership from 16 on (where a CREATEROLE creator holds ADMIN but neither SET nor INHERIT).
    private static func canSwitch(on connection: PostgresConnection, version: Int) throws(PostgresError) -> Bool {
        let query: Query =
            version >= 160_000
            ? "SELECT pg_has_role(current_user, 'crmhub_app', 'SET') AS granted"
            : "SELECT pg_has_role(current_user, 'crmhub_app', 'MEMBER') AS granted"
        return try connection.query(query).rows[0].decode("granted", as: Bool.self)
    }
}
