/// How an existing record was found: the identifier that decided (in the listener document's words) and its
/// value, normalised as the match compared it. A passport is shown masked (`shownValue`).
public struct MatchReason: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case customerId, contactId, passport, email, phone, name, dealId, systemId
    }

    public let kind: Kind
    public let value: String

    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    /// The value as reported to a sender: a passport keeps only its last characters ("*******865").
    public var shownValue: String { kind == .passport ? Self.mask(value) : value }

    /// Stars for every character but the last three (fewer for a short value, none for four characters or less).
    public static func mask(_ value: String) -> String {
        let kept = max(0, min(3, value.count - 4))
        return String(repeating: "*", count: value.count - kept) + value.suffix(kept)
    }

    /// The headers that report a match where the answer's body is a vendor's documented format (CIOPulse,
    /// SpiceCSM), which gains no field: `CRMHub-Matched-By: systemId`, `CRMHub-Matched-Value: CONTACT123`.
    public static let kindHeader = "CRMHub-Matched-By"
    public static let valueHeader = "CRMHub-Matched-Value"

    public var headers: [(String, String)] { [(Self.kindHeader, kind.rawValue), (Self.valueHeader, shownValue)] }

    /// The kind of an identity row (`customer_identities.kind`).
    public static func kind(ofIdentity kind: String) -> Kind {
        switch kind {
        case "contact_id": .contactId
        case "passport": .passport
        case "email": .email
        case "phone": .phone
        default: .name
        }
    }
}
