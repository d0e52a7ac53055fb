/// The seven web methods of the external-provider interfaces (IExternalLoginProvider … IExternalEventProvider),
/// each with the result type the document names.
enum ProviderMethod: String, Sendable, CaseIterable {
    case authenticate = "Authenticate"
    case getSignInCookieInfo = "GetSignInCookieInfo"
    case getCustomFieldOptions = "GetCustomFieldOptions"
    case startTicket = "StartTicket"
    case startChat = "StartChat"
    case getUserDetails = "GetUserDetails"
    case notifyEventFired = "NotifyEventFired"

    /// The XML Schema type of the result, after the document's .NET class.
    var resultType: String {
        switch self {
        case .authenticate, .getSignInCookieInfo: "ExternalLoginProviderResult"
        case .getCustomFieldOptions: "ExternalCustomFieldProviderResult"
        case .startTicket: "ExternalTicketProviderResult"
        case .startChat: "ExternalChatProviderResult"
        case .getUserDetails: "ExternalUserInfoProviderResult"
        case .notifyEventFired: "ExternalEventProviderResult"
        }
    }

    var inputType: String {
        switch self {
        case .authenticate, .getSignInCookieInfo: "ExternalLoginProviderInputs"
        case .getCustomFieldOptions: "ExternalCustomFieldProviderInputs"
        case .startTicket: "ExternalTicketProviderInputs"
        case .startChat: "ExternalChatProviderInputs"
        case .getUserDetails: "ExternalUserInfoProviderInputs"
        case .notifyEventFired: "ExternalEventProviderInputs"
        }
    }
}

/// What a method answers: Success, Message and OutputVariables ("variable=value"), plus the custom-field items of
/// GetCustomFieldOptions and the HTML of GetUserDetails.
struct ProviderResult: Sendable, Equatable {
    struct CustomFieldData: Sendable, Equatable {
        var customFieldName: String
        var displayWithInformationLookup = false
        var changeListOptions = false
        var listOptions: [String] = []
        var changeRequired = false
        var newRequiredValue = false
        var changeVisible = false
        var newVisibleValue = false
    }

    var success: Bool
    var message: String
    var outputVariables: [String] = []
    var customFieldDataItems: [CustomFieldData] = []
    var userInfoHtml: String?

    /// The answer to a wrong AuthPW, as the document's samples give it.
    static let permissionDenied = ProviderResult(success: false, message: "Permission Denied")
    static let requiredInputMissing = ProviderResult(success: false, message: "Required Input Missing")
}
