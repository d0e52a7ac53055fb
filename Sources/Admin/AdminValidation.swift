import CRM
import JSON

/// The admin API's validation of what can also be created from the command line (`crmhub admin …`), so that both
/// refuse exactly the same input with the same field messages (`CRMError.invalid`).
public enum AdminValidation {
    /// A new org as `POST /admin/v1/orgs` takes it.
    public struct NewOrg: Sendable {
        public let slug: String
        public let name: String
        public let timezone: String
        public let owner: OrgStore.NewOwner?
    }

    /// `{"slug", "name", "timezone"?, "owner"?: {"email", "display_name"?}}`; the time zone is checked against
    /// the database's list.
    /// - Throws: `CRMError.invalid` naming every bad field.
    public static func newOrg(_ object: JSONObject, orgs: OrgStore) async throws -> NewOrg {
        var reader = FieldReader(object)
        reader.allowOnly(["slug", "name", "timezone", "owner"])
        let slug = reader.string(
            "slug", required: true, maxLength: 63, pattern: Validation.isSlug,
            rule: "must be 2–63 lower-case letters, digits or '-', not starting with '-'")
        let name = reader.string("name", required: true)
        let timezone =
            reader.string(
                "timezone", maxLength: 64, pattern: Validation.isTimeZone,
                rule: "must be UTC or an IANA time zone such as Asia/Ho_Chi_Minh") ?? "UTC"
        if timezone != "UTC", try await !orgs.isKnownTimeZone(timezone) {
            reader.errors.append(FieldError("timezone", "'\(timezone)' is not a known IANA time zone"))
        }
        var owner: OrgStore.NewOwner?
        if let ownerValue = reader.object["owner"], !ownerValue.isNull {
            if let ownerObject = ownerValue.objectValue {
                var ownerReader = FieldReader(ownerObject, prefix: "owner")
                ownerReader.allowOnly(["email", "display_name"])
                let email = ownerReader.string(
                    "email", required: true, maxLength: 254, pattern: Validation.isEmail,
                    rule: "is not an email address")
                let displayName = ownerReader.string("display_name") ?? ""
                reader.errors += ownerReader.errors
                if let email { owner = OrgStore.NewOwner(email: email, displayName: displayName) }
            } else {
                reader.errors.append(FieldError("owner", "must be an object with email and display_name"))
            }
        }
        try reader.finish()
        return NewOrg(slug: slug!, name: name!, timezone: timezone, owner: owner)
    }

    /// A platform token's `{"name"}` as `POST /admin/v1/platform-tokens` takes it.
    public static func newPlatformToken(_ object: JSONObject) throws -> String {
        var reader = FieldReader(object)
        reader.allowOnly(["name"])
        let name = reader.string("name", required: true)
        try reader.finish()
        return name!
    }
}
