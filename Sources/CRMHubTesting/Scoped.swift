/// Runs `body` with `resource`, then `stop`, whether `body` returns or throws: the async `defer` that the
/// closure-scoped fixtures (`TestServer.with`, `AdminFixture.with`, …) are built on, as in Hummingbird's test
/// framework. A test that fails on a `try` or a `#require` thus never leaves a server running for the rest of the run.
public func scoped<Resource, Result>(
    _ resource: Resource, stop: (Resource) async -> Void, _ body: (Resource) async throws -> Result
) async throws -> Result {
    let result: Result
    do {
        result = try await body(resource)
    } catch {
        await stop(resource)
        throw error
    }
    await stop(resource)
    return result
}
