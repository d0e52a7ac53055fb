/// An asynchronous request handler. Errors it throws go to the server's error responder.
public typealias Handler = @Sendable (Request) async throws -> Response
/// A handler cheap enough to run on the I/O thread itself (no I/O, no locks held long): health and metrics.
public typealias InlineHandler = @Sendable (Request) -> Response

/// Runs on a request's head (its body not yet read) for routes whose credentials are in the URL or the headers: a
/// response refuses the request without reading or parsing its body (the connection is then closed); nil admits it.
public typealias Admission = @Sendable (Request) async -> Response?

public enum RouteHandler: Sendable {
    case inline(InlineHandler)
    case async(Handler)
}

/// One method + path pattern. Patterns are literal segments and `{name}` parameters: "/admin/v1/orgs/{org}".
public struct Route: Sendable {
    public let method: HTTPMethod
    public let pattern: String
    /// Largest accepted body in bytes; larger ones get 413 before the body is read.
    public let bodyLimit: Int
    public let handler: RouteHandler
    /// Checked before the body is read; nil for routes that need the body to authenticate, or none.
    public let admission: Admission?
    let segments: [Segment]
    /// Position in ``Router/routes``; metrics are keyed by it.
    let index: Int

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }
}

public enum RouteMatch: Sendable {
    case found(Route, parameters: [String: String])
    case methodNotAllowed(allowed: [HTTPMethod])
    case notFound
}

/// Method + path routing. Static paths are a dictionary lookup; patterns with parameters are tried in order
/// of registration among those with the same number of segments.
public struct Router: Sendable {
    public let defaultBodyLimit: Int
    public private(set) var routes: [Route] = []
    private var staticRoutes: [String: [HTTPMethod: Route]] = [:]
    private var dynamicRoutes: [Int: [Route]] = [:]
    /// Route parameters copied into each request's access-log line (e.g. "org"); never ones that hold secrets.
    public var loggedParameters: [String] = []

    public init(defaultBodyLimit: Int = 1 << 20) {
        self.defaultBodyLimit = defaultBodyLimit
    }

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, bodyLimit: Int? = nil, admission: Admission? = nil, _ handler: @escaping Handler
    ) {
        add(method, pattern, bodyLimit: bodyLimit, admission: admission, handler: .async(handler))
    }

    public mutating func addInline(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping InlineHandler) {
        add(method, pattern, bodyLimit: nil, handler: .inline(handler))
    }

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, bodyLimit: Int?, admission: Admission? = nil, handler: RouteHandler
    ) {
        precondition(pattern.hasPrefix("/"), "route patterns start with /: \(pattern)")
        let segments: [Route.Segment] = pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
        let route = Route(
            method: method, pattern: pattern, bodyLimit: bodyLimit ?? defaultBodyLimit, handler: handler,
            admission: admission, segments: segments, index: routes.count)
        precondition(
            !routes.contains { $0.method == method && $0.segments == segments }, "duplicate route \(method) \(pattern)")
        routes.append(route)
        if segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            staticRoutes[pattern, default: [:]][method] = route
        } else {
            dynamicRoutes[segments.count, default: []].append(route)
        }
    }

    /// Gives every route registered so far whose pattern starts with `prefix` (and that has none) this admission: a
    /// whole API whose credentials are in its headers is checked before any of its bodies is read.
    public mutating func setAdmission(forPatternsStartingWith prefix: String, _ admission: @escaping Admission) {
        let existing = routes
        routes = []
        staticRoutes = [:]
        dynamicRoutes = [:]
        for route in existing {
            let given = route.admission ?? (route.pattern.hasPrefix(prefix) ? admission : nil)
            add(route.method, route.pattern, bodyLimit: route.bodyLimit, admission: given, handler: route.handler)
        }
    }

    /// Finds the route for a request. HEAD falls back to GET (RFC 9110 §9.3.2).
    public func match(method: HTTPMethod, path: String) -> RouteMatch {
        if let byMethod = staticRoutes[path] {
            if let route = byMethod[method] ?? (method == .head ? byMethod[.get] : nil) {
                return .found(route, parameters: [:])
            }
            return .methodNotAllowed(allowed: Self.allowed(Array(byMethod.keys)))
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard let candidates = dynamicRoutes[parts.count] else { return .notFound }
        var allowed: [HTTPMethod] = []
        var fallback: (Route, [String: String])?
        for route in candidates {
            guard let parameters = Self.bind(route.segments, to: parts) else { continue }
            if route.method == method { return .found(route, parameters: parameters) }
            if method == .head && route.method == .get && fallback == nil { fallback = (route, parameters) }
            allowed.append(route.method)
        }
        if let (route, parameters) = fallback { return .found(route, parameters: parameters) }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: Self.allowed(allowed))
    }

    private static func bind(_ segments: [Route.Segment], to parts: ArraySlice<Substring>) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard part == literal else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = FormDecoding.percentDecode(part)
            }
        }
        return parameters
    }

    private static func allowed(_ methods: [HTTPMethod]) -> [HTTPMethod] {
        var set = Set(methods)
        if set.contains(.get) { set.insert(.head) }
        return set.sorted { $0.rawValue < $1.rawValue }
    }
}
