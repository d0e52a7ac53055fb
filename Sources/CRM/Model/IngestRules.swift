/// What ingestion needs of an org before it adds a customer: how it matches duplicates and which identities were
/// erased (`Suppressions`). Read once per transaction, with the listener's opening statement where there is one
/// (`MatchingSettingsStore.ingestRuleColumns(orgID:)`).
public struct IngestRules: Sendable {
    public let matching: MatchingSettings
    /// The org's suppression hashes; nil when there are more than `SuppressionStore.heldLimit` to hold, and each
    /// check asks the database for the hashes of its own identities instead.
    public let suppressions: Set<String>?

    public init(matching: MatchingSettings, suppressions: Set<String>?) {
        self.matching = matching
        self.suppressions = suppressions
    }
}
