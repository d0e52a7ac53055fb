import CRM

/// IExternalCustomFieldProvider: GetCustomFieldOptions answers CanStartTickets / CanStartChats for the customer's
/// status and the org's custom-field overrides for the department and step.
enum CustomFieldProvider {
    static func options(_ context: ExternalProvider.Context) async throws -> ProviderResult {
        let customer = try await context.customer(username: ["LoginUsername"])
        let permission = context.rules.permission(status: customer?.status)
        let department = context.inputs["DepartmentName"] ?? ""
        let location = context.inputs["Location"] ?? "REGULAR"
        var result = ProviderResult(success: true, message: "Result okay")
        if !permission.tickets || !permission.chats {
            result.message = permission.message ?? "You are not currently permitted to contact that department."
        }
        result.customFieldDataItems = context.rules.fieldOverrides(department: department, location: location).map { field in
            var item = ProviderResult.CustomFieldData(customFieldName: field.name)
            item.displayWithInformationLookup = field.displayWithInformationLookup
            if let options = field.listOptions {
                item.changeListOptions = true
                item.listOptions = options
            }
            if let required = field.required {
                item.changeRequired = true
                item.newRequiredValue = required
            }
            if let visible = field.visible {
                item.changeVisible = true
                item.newVisibleValue = visible
            }
            return item
        }
        // The sample concatenates a C# bool: "True" / "False".
        result.outputVariables = [
            "CanStartTickets=\(permission.tickets ? "True" : "False")", "CanStartChats=\(permission.chats ? "True" : "False")",
        ]
        return result
    }
}
