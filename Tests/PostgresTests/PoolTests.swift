import CRMHubTesting
import Foundation
import Postgres
import Synchronization
import Testing

@Suite("Connection pool")
struct PoolTests {
    @Test("200 concurrent queries over 4 connections all succeed")
    func concurrency() async throws {
        try await Fixtures.withClient(poolSize: 4) { client in
            let sum = try await withThrowingTaskGroup(of: Int.self) { group in
                for value in 0..<200 {
                    group.addTask {
                        try await client.query("SELECT \(value)::int8 + pg_backend_pid() * 0").rows[0].decode(
                            0, as: Int.self)
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(sum == (0..<200).reduce(0, +))
            let stats = client.stats
            #expect(stats.size == 4)
            #expect(stats.inUse == 0)
            #expect(stats.waiting == 0)
            #expect(stats.idle == 4)
            #expect(stats.connected >= 1 && stats.connected <= 4)
            let backends = try await client.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = \(client.configuration.applicationName)"
            ).rows[0].decode(0, as: Int.self)
            #expect(backends == stats.connected)
        }
    }

    @Test("jobs beyond maxWaiting fail at once with poolExhausted")
    func exhausted() async throws {
        try await Fixtures.withClient(
            poolSize: 1,
            {
                $0.maxWaiting = 2
                $0.acquireTimeout = .seconds(10)
            }
        ) { client in
            let gate = Gate()
            let blocker = Task { try await client.withConnection { _ in gate.wait() } }
            #expect(await eventually { client.stats.inUse == 1 })
            let waiting = (0..<2).map { value in Task { try await client.query("SELECT \(value)::int") } }
            #expect(await eventually { client.stats.waiting == 2 })
            let (error, elapsed) = await Fixtures.elapsed {
                await expectPostgresError { try await client.query("SELECT 1") }
            }
            #expect(error?.kind == .poolExhausted)
            #expect(error?.isUnavailable == true)
            #expect(elapsed < .seconds(2))  // far below acquireTimeout (10 s): refused, not queued
            gate.open()
            try await blocker.value
            for task in waiting { _ = try await task.value }
        }
    }

    @Test("a job waiting longer than acquireTimeout fails with poolTimeout, on time")
    func acquireTimeout() async throws {
        try await Fixtures.withClient(poolSize: 1, { $0.acquireTimeout = .milliseconds(300) }) { client in
            let gate = Gate()
            let blocker = Task { try await client.withConnection { _ in gate.wait() } }
            #expect(await eventually { client.stats.inUse == 1 })
            let (error, elapsed) = await Fixtures.elapsed {
                await expectPostgresError { try await client.query("SELECT 1") }
            }
            #expect(error?.kind == .poolTimeout)
            #expect(error?.isUnavailable == true)
            #expect(elapsed >= .milliseconds(250))
            #expect(elapsed < .seconds(4))  // bounded; generous for a loaded 2-core CI machine
            #expect(client.stats.waiting == 0)
            gate.open()
            try await blocker.value
            #expect(try await client.query("SELECT 1").rows[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test("a waiting job whose task is cancelled leaves the queue with CancellationError")
    func cancellation() async throws {
        try await Fixtures.withClient(poolSize: 1, { $0.acquireTimeout = .seconds(10) }) { client in
            let gate = Gate()
            let blocker = Task { try await client.withConnection { _ in gate.wait() } }
            #expect(await eventually { client.stats.inUse == 1 })
            let waiter = Task { try await client.query("SELECT 1") }
            #expect(await eventually { client.stats.waiting == 1 })
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(client.stats.waiting == 0)
            gate.open()
            try await blocker.value
        }
    }

    @Test("jobs run FIFO")
    func fifo() async throws {
        try await Fixtures.withClient(poolSize: 1, { $0.acquireTimeout = .seconds(10) }) { client in
            let gate = Gate()
            let order = Recorder<Int>()
            let blocker = Task { try await client.withConnection { _ in gate.wait() } }
            #expect(await eventually { client.stats.inUse == 1 })
            var tasks: [Task<Void, any Error>] = []
            for index in 0..<10 {
                tasks.append(Task { try await client.withConnection { _ in order.append(index) } })
                #expect(await eventually { client.stats.waiting == index + 1 })
            }
            gate.open()
            try await blocker.value
            for task in tasks { try await task.value }
            #expect(order.all == Array(0..<10))
        }
    }

    @Test("a terminated backend: the next job fails with connectionLost or reconnects; the one after works")
    func terminatedBackends() async throws {
        try await Fixtures.withClient(poolSize: 2) { client in
            let name = client.configuration.applicationName
            let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await client.withConnection { connection in
                            try connection.query("SELECT pg_sleep(0.1)")
                            return connection.backendPID
                        }
                    }
                }
                return try await Set(group.reduce(into: []) { $0.append($1) })
            }
            #expect(pids.count == 2)
            try await Fixtures.withClient(poolSize: 1) { admin in
                // In the select list, so it runs only for the rows the WHERE clause kept.
                let killed = try await admin.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(name)"
                ).rows.count
                #expect(killed == 2)
            }
            try await Task.sleep(for: .milliseconds(100))
            do {
                _ = try await client.query("SELECT 1")
            } catch let error as PostgresError {
                #expect(error.kind == .connectionLost)
            }
            for _ in 0..<4 {
                #expect(try await client.query("SELECT 1").rows[0].decode(0, as: Int.self) == 1)
            }
            let newPID = try await client.withConnection { $0.backendPID }
            #expect(!pids.contains(newPID))
        }
    }

    @Test("a backend terminated in the middle of a job fails that job with connectionLost only")
    func terminatedMidJob() async throws {
        try await Fixtures.withClient(poolSize: 1) { client in
            let error = await expectPostgresError {
                try await client.withConnection { connection in
                    try connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
                }
            }
            #expect(error?.kind == .connectionLost)
            #expect(error?.isUnavailable == true)
            #expect(client.stats.connected == 0)
            let after = try await client.query("SELECT 1").rows[0].decode(0, as: Int.self)
            #expect(after == 1)
            #expect(client.stats.connected == 1)
        }
    }

    @Test("while the server is down jobs fail fast as unavailable; the pool recovers when it is back")
    func outage() async throws {
        try await PrivateCluster.with { cluster in
            let logged = Recorder<String>()
            let client = PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: cluster.conninfo, poolSize: 3, connectTimeout: .seconds(2),
                    acquireTimeout: .seconds(2), reconnectBackoff: .seconds(1)),
                log: { line in logged.append(line) })
            #expect(try await client.query("SELECT 1").rows[0].decode(0, as: Int.self) == 1)

            try await cluster.stop()
            for _ in 0..<10 {
                let (error, elapsed) = await Fixtures.elapsed {
                    await expectPostgresError { try await client.query("SELECT 1") }
                }
                #expect(error?.isUnavailable == true, "\(String(describing: error))")
                #expect(error?.kind == .unavailable || error?.kind == .connectionLost)
                #expect(elapsed < .seconds(3))  // well under connectTimeout (5 s): no connect attempt waited
            }
            // Many at once: every one fails fast.
            let (kinds, elapsed) = await Fixtures.elapsed {
                await withTaskGroup(of: PostgresError.Kind?.self) { group in
                    for _ in 0..<50 {
                        group.addTask { await expectPostgresError { try await client.query("SELECT 1") }?.kind }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(kinds.allSatisfy { $0 == .unavailable })
            #expect(elapsed < .seconds(3))
            #expect(logged.all.contains { $0.contains("cannot connect") })

            try await cluster.restart()
            let recovered = await eventually(timeout: .seconds(10)) { (try? await client.query("SELECT 1")) != nil }
            #expect(recovered)
            let results = try await withThrowingTaskGroup(of: Int.self) { group in
                for value in 0..<20 {
                    group.addTask { try await client.query("SELECT \(value)::int").rows[0].decode(0, as: Int.self) }
                }
                return try await group.reduce(0, +)
            }
            #expect(results == (0..<20).reduce(0, +))
            await client.shutdown()
        }
    }

    @Test("a database that never answers costs one connect attempt per backoff, not one per job")
    func unreachableFromStart() async throws {
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: "host=/nonexistent-crmhub-socket-dir port=5 user=postgres", poolSize: 4,
                reconnectBackoff: .seconds(30)))
        let first = await expectPostgresError { try await client.query("SELECT 1") }
        #expect(first?.kind == .unavailable)
        for _ in 0..<20 {
            let error = await expectPostgresError { try await client.query("SELECT 1") }
            #expect(error?.kind == .unavailable)
            #expect(error?.message.contains("last attempt") == true)
        }
        await client.shutdown()
    }

    @Test("shutdown finishes queued and running jobs, then refuses new ones and closes every connection")
    func shutdownDrains() async throws {
        let client = PostgresClient(configuration: try Fixtures.configuration(poolSize: 2))
        let tasks = (0..<10).map { value in
            Task { try await client.query("SELECT \(value)::int, pg_sleep(0.05)").rows[0].decode(0, as: Int.self) }
        }
        #expect(await eventually { client.stats.inUse + client.stats.waiting == 10 || client.stats.inUse == 2 })
        async let stopped: Void = client.shutdown()
        var finished: [Int] = []
        for task in tasks { finished.append(try await task.value) }
        await stopped
        #expect(finished == Array(0..<10))
        let error = await expectPostgresError { try await client.query("SELECT 1") }
        #expect(error?.kind == .shutdown)
        #expect(error?.isUnavailable == true)
        #expect(client.stats.connected == 0)
        await client.shutdown()  // again: returns at once
        let name = client.configuration.applicationName
        // The client has closed its sockets; a server process leaves pg_stat_activity a moment after it sees that.
        try await Fixtures.withClient(poolSize: 1) { admin in
            let gone = try await eventually {
                try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = \(name)")
                    .rows[0].decode(0, as: Int.self) == 0
            }
            #expect(gone)
        }
    }

    @Test("a pool released without shutdown closes its connections")
    func releasedWithoutShutdown() async throws {
        let configuration = try Fixtures.configuration(poolSize: 2)
        do {
            let client = PostgresClient(configuration: configuration)
            _ = try await client.query("SELECT 1")
        }
        let closed = try await Fixtures.withClient(poolSize: 1) { admin in
            await eventually {
                let left = try? await admin.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = \(configuration.applicationName)"
                ).rows[0].decode(0, as: Int.self)
                return left == 0
            }
        }
        #expect(closed)
    }

    @Test("a job's thread is a pool thread, not the cooperative pool")
    func workerThread() async throws {
        try await Fixtures.withClient(poolSize: 1) { client in
            let name = try await client.withConnection { _ in Thread.current.name ?? "" }
            #expect(name.hasPrefix("crmhub-db-"))
        }
    }
}
