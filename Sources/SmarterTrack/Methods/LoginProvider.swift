import CRM

/// IExternalLoginProvider: Authenticate and GetSignInCookieInfo check customer-portal logins stored on CRM contacts.
enum LoginProvider {
    /// Spent on unknown user names too, so that timing does not tell which names exist.
    static let decoyHash = PasswordHash.make(RandomText.base64url(byteCount: 16))

    static func authenticate(_ context: ExternalProvider.Context) async throws -> ProviderResult {
        guard context.inputs["LoginUsername"] != nil, let password = context.inputs["LoginPassword"] else {
            return .requiredInputMissing
        }
        let customer = try await context.customer(username: ["LoginUsername"])
        guard let customer, let login = customer.login, login.status != "disabled" else {
            _ = await PasswordHash.verifyOffPool(password, against: decoyHash, tenant: String(context.orgID))
            return failure
        }
        guard await PasswordHash.verifyOffPool(password, against: login.passwordHash, tenant: String(context.orgID)) == true
        else {
            return failure
        }
        PasswordHash.upgrade(password, from: login.passwordHash) { [store = context.store, orgID = context.orgID] fresh in
            try await store.rehashPortalLogin(orgID: orgID, customerID: customer.id, from: login.passwordHash, to: fresh)
        }
        return success(customer, context)
    }

    /// Single sign-on: the cookie is already authenticated, so only the user name is checked.
    static func signInCookieInfo(_ context: ExternalProvider.Context) async throws -> ProviderResult {
        guard context.inputs["LoginUsername"] != nil else { return .requiredInputMissing }
        guard let customer = try await context.customer(username: ["LoginUsername"]), let login = customer.login,
            login.status != "disabled"
        else { return failure }
        return success(customer, context)
    }

    /// The samples answer an unknown login with Success=true: the call worked, the login did not.
    static let failure = ProviderResult(success: true, message: "Login Failure", outputVariables: ["Authentication=FAIL"])

    static func success(_ customer: PortalCustomer, _ context: ExternalProvider.Context) -> ProviderResult {
        var outputs = ["Authentication=OK"]
        if let email = customer.emails.first { outputs.append("EmailAddress=\(email)") }
        outputs.append("DisplayName=\(customer.displayName)")
        outputs += context.customFieldOutputs(customer)
        return ProviderResult(success: true, message: "Login Successful", outputVariables: outputs)
    }
}
