/// A tenant.
public struct Org: Sendable, Equatable {
    public let id: Int64
    public var slug: String
    public var name: String
    public var timezone: String
    public var status: Status
    public let createdAt: String
    public var updatedAt: String

    public enum Status: String, Sendable {
        case active
        case suspended
    }
}

public struct User: Sendable, Equatable {
    public let id: Int64
    public let orgID: Int64
    public var email: String
    public var displayName: String
    public var role: Role
    public var active: Bool
    public let createdAt: String
    public var updatedAt: String

    public enum Role: String, Sendable, CaseIterable {
        case owner
        case admin
        case member
    }
}

/// An org-scoped API key as listed (never with its secret).
public struct APIKey: Sendable, Equatable {
    public let id: Int64
    public let orgID: Int64
    public let name: String
    public let scopes: [Scope]
    public let prefix: String
    public let createdAt: String
    public let lastUsedAt: String?
    public let revokedAt: String?

    public enum Scope: String, Sendable, CaseIterable {
        case admin
        case read
        case write
    }
}
