import CRM

/// The seven methods, after the caller's AuthPW matched: each reads its inputs, asks the CRM, applies the org's
/// rules and answers as the document's samples do.
struct ExternalProvider: Sendable {
    let store: SmarterTrackStore

    func run(_ call: SOAPCall, provider: SmarterTrackStore.Provider) async throws -> ProviderResult {
        let context = Context(inputs: call.inputs, orgID: provider.orgID, rules: provider.rules, store: store)
        switch call.method {
        case .authenticate: return try await LoginProvider.authenticate(context)
        case .getSignInCookieInfo: return try await LoginProvider.signInCookieInfo(context)
        case .getCustomFieldOptions: return try await CustomFieldProvider.options(context)
        case .startTicket: return try await TicketProvider.start(context)
        case .startChat: return try await ChatProvider.start(context)
        case .getUserDetails: return try await UserInfoProvider.details(context)
        case .notifyEventFired: return try await EventProvider.notify(context)
        }
    }

    /// What every method works with.
    struct Context: Sendable {
        let inputs: ProviderInputs
        let orgID: Int64
        let rules: SmarterTrackRules
        let store: SmarterTrackStore

        /// The customer named by the first of these variables that is present and matches: user names are portal
        /// logins, emails contact identities (normalised as the listener does).
        func customer(username: [String] = [], email: [String] = []) async throws -> PortalCustomer? {
            let lookups =
                username.compactMap { inputs[$0] }.map(SmarterTrackStore.Lookup.username)
                + email.compactMap { inputs[$0] }.map(SmarterTrackStore.Lookup.email)
            guard !lookups.isEmpty else { return nil }
            return try await store.customer(orgID: orgID, lookups)
        }

        /// The customer a ticket or live chat is for (portal user name, else email) and the rule for its status, or the
        /// answer that refuses it (Success=true with `<output>=FALSE`, as the samples refuse).
        func admission(
            _ allowed: (SmarterTrackRules.Permission) -> Bool, output: String, refusal: String
        ) async throws
            -> (customer: PortalCustomer?, permission: SmarterTrackRules.Permission, refused: ProviderResult?)
        {
            let customer = try await self.customer(username: ["LoginUsername"], email: ["EmailFrom"])
            let permission = rules.permission(status: customer?.status)
            let refused =
                allowed(permission)
                ? nil
                : ProviderResult(success: true, message: permission.message ?? refusal, outputVariables: ["\(output)=FALSE"])
            return (customer, permission, refused)
        }

        /// `cf_<name>=<value>` for the customer's CRM custom fields (only those the rules list, when they list some).
        func customFieldOutputs(_ customer: PortalCustomer?) -> [String] {
            guard let customer else { return [] }
            let wanted = rules.outputCustomFields.map { Set($0.map { $0.lowercased() }) }
            return customer.customFields
                .filter { wanted?.contains($0.name.lowercased()) ?? true }
                .map { "cf_\($0.name)=\($0.value)" }
        }
    }
}
