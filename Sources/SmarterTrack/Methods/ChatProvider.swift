import CRM

/// IExternalChatProvider: StartChat lets the live chat start or refuses it by the customer's status, fills `cf_`
/// fields from the CRM and may move it to another department.
enum ChatProvider {
    static func start(_ context: ExternalProvider.Context) async throws -> ProviderResult {
        let (customer, permission, refused) = try await context.admission(
            \.chats, output: "ChatCreation", refusal: "You are not currently permitted to start live chats.")
        if let refused { return refused }
        var outputs = ["ChatCreation=TRUE"]
        if let department = permission.chatDepartment { outputs.append("departmentName=\(department)") }
        outputs += context.customFieldOutputs(customer)
        return ProviderResult(success: true, message: "Chat Creation Successful", outputVariables: outputs)
    }
}
