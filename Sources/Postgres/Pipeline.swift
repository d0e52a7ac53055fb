internal import CLibPQ

extension PostgresConnection {
    /// Sends `statements` in one round trip with libpq's pipeline mode and returns their results in order.
    ///
    /// Every statement is prepared (parameterless ones such as BEGIN and COMMIT too: parsing them again for
    /// every transaction costs the server more than running them). The server runs them in order and stops at
    /// the first error: the rest are skipped, and that error is thrown. Results are small here, so a blocking
    /// connection cannot deadlock on full buffers. Without prepared statements each goes as the unnamed statement.
    func pipeline(_ statements: [Query]) throws(PostgresError) -> [QueryResult] {
        let handle = try liveHandle()
        var names: [(name: String, cached: Bool)] = []
        var binds: [CStringArray] = []
        for statement in statements {
            binds.append(try CStringArray.binds(statement.binds))
            names.append(usesPreparedStatements ? try prepared(statement.sql, on: handle) : ("", false))
        }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(kind: .protocolViolation, message: "could not enter pipeline mode")
        }
        var sent = true
        for (index, (name, _)) in names.enumerated() where sent {
            sent =
                binds[index].withPointers(terminated: false) { values in
                    usesPreparedStatements
                        ? PQsendQueryPrepared(handle, name, Int32(binds[index].count), values, nil, nil, 0)
                        : PQsendQueryParams(handle, statements[index].sql, Int32(binds[index].count), nil, values, nil, nil, 0)
                } == 1
        }
        sent = sent && PQpipelineSync(handle) == 1

        var results: [QueryResult] = []
        var failure: PostgresError?
        for index in 0..<(sent ? statements.count : 0) {
            guard let result = PQgetResult(handle) else { break }
            if PQresultStatus(result) != PGRES_PIPELINE_ABORTED, failure == nil {
                do throws(PostgresError) {
                    try check(result, handle)
                    results.append(Self.read(result))
                } catch {
                    failure = staleAware(error, cached: names[index].cached)
                }
            }
            PQclear(result)
            // Each statement's results end with a NULL.
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        // The sync point, then back to normal mode.
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if PQexitPipelineMode(handle) != 1 || !sent {
            markBroken()
            throw failure ?? PostgresError(kind: .connectionLost, message: "the pipeline to PostgreSQL broke")
        }
        if let failure { throw failure }
        return results
    }
}
