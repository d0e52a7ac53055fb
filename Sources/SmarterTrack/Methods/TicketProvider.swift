import CRM
import JSON

/// IExternalTicketProvider: StartTicket lets the ticket through or refuses it by the customer's status, fills `cf_`
/// fields from the CRM, may move it to another department or group, and records it as a CRMHub ticket.
enum TicketProvider {
    static func start(_ context: ExternalProvider.Context) async throws -> ProviderResult {
        let (customer, permission, refused) = try await context.admission(
            \.tickets, output: "TicketCreation", refusal: "You are not currently permitted to create tickets.")
        if let refused { return refused }
        let inputs = context.inputs
        let number = inputs["TicketNumber"]
        let department = inputs["DepartmentName"]
        var requester: JSONObject = ["source": "smartertrack"]
        requester["username"] = inputs["LoginUsername"].map(JSONValue.string)
        requester["email"] = inputs["EmailFrom"].map(JSONValue.string)
        requester["department"] = department.map(JSONValue.string)
        requester["smartertrack_ticket_number"] = number.map(JSONValue.string)
        let fields = JSONObject(inputs.prefixed("cf_").map { ($0.name, JSONValue.string($0.value)) })
        let subject = inputs["Subject"]
        var ticket = TicketStore.NewTicket(
            title: subject ?? number.map { "SmarterTrack ticket \($0)" },
            body: subject ?? "Ticket \(number ?? "") submitted through SmarterTrack\(department.map { " (\($0))" } ?? "")",
            customerID: customer?.id, channel: "SmarterTrack", customFieldsJSON: JSONWriter.string(.object(fields)),
            requesterJSON: JSONWriter.string(.object(requester)))
        ticket.tags = ["smartertrack"]
        _ = try await context.store.recordTicket(
            orgID: context.orgID, customerID: customer?.id, ticketNumber: number, ticket: ticket)
        var outputs = ["TicketCreation=TRUE"]
        if let department = permission.ticketDepartment { outputs.append("departmentName=\(department)") }
        if let group = permission.ticketGroup { outputs.append("groupName=\(group)") }
        outputs += context.customFieldOutputs(customer)
        return ProviderResult(success: true, message: "Ticket Creation Successful", outputVariables: outputs)
    }
}
