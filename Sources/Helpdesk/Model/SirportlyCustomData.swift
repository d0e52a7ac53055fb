/// The sections of custom data a Sirportly data source can show (sirportly-customer-data-sources.txt: single values,
/// a hash, arrays of hashes). An org chooses them with `custom_data` on its Sirportly integration settings.
public enum SirportlyCustomData: String, Sendable, CaseIterable {
    /// Each custom field as a single value.
    case customFields = "custom_fields"
    /// "Customer type" and "Customer since" as single values.
    case facts
    /// The "Details" hash: title, date of birth, external id, tags, websites.
    case details
    /// Arrays of hashes.
    case addresses
    case openDeals = "open_deals"
    case recentTickets = "recent_tickets"
}
