"""SmarterTrack external providers driven by zeep, a real SOAP client that builds itself from CRMHub's WSDL."""
import pytest
import requests
import zeep
from zeep.transports import Transport

SERVICE = "CRMHubExternalProvider"


def client(org):
    return zeep.Client(org["wsdl"], transport=Transport(session=requests.Session(), timeout=30))


def inputs(org, *variables, auth_pw=None):
    """ExternalXxxProviderInputs: the InputVariables list of "variable=value" strings, AuthPW first."""
    return {"InputVariables": {"string": [f"AuthPW={auth_pw or org['auth_pw']}", *variables]}}


def outputs(result):
    return list(result.OutputVariables.string) if result.OutputVariables is not None else []


def test_wsdl_describes_both_bindings_at_this_address(smartertrack_org):
    soap = client(smartertrack_org)
    service = soap.wsdl.services[SERVICE]
    assert set(service.ports) == {f"{SERVICE}Soap", f"{SERVICE}Soap12"}
    for port in service.ports.values():
        assert port.binding_options["address"] == smartertrack_org["wsdl"].removesuffix("?WSDL")
        assert set(port.binding._operations) == {
            "Authenticate", "GetSignInCookieInfo", "GetCustomFieldOptions", "StartTicket", "StartChat", "GetUserDetails",
            "NotifyEventFired"}


def test_all_seven_methods_over_soap_11(smartertrack_org):
    service = client(smartertrack_org).bind(SERVICE, f"{SERVICE}Soap")
    org = smartertrack_org

    login = service.Authenticate(inputs(org, "LoginUsername=myusername", "LoginPassword=mypassword"))
    assert login.Success is True and login.Message == "Login Successful"
    assert outputs(login) == ["Authentication=OK", "EmailAddress=huy.nguyen@htklabs.com", "DisplayName=Huy Nguyen",
                              "cf_Plan Type=ASP.NET Semi-dedicated", "cf_Billing ID=4126"]
    failed = service.Authenticate(inputs(org, "LoginUsername=myusername", "LoginPassword=wrong"))
    assert failed.Success is True and failed.Message == "Login Failure" and outputs(failed) == ["Authentication=FAIL"]

    cookie = service.GetSignInCookieInfo(inputs(org, "LoginUsername=myusername"))
    assert cookie.Success is True and outputs(cookie)[0] == "Authentication=OK"

    options = service.GetCustomFieldOptions(inputs(org, "LoginUsername=myusername", "DepartmentName=Support Department",
                                                   "Location=PRE"))
    assert options.Success is True and outputs(options) == ["CanStartTickets=True", "CanStartChats=True"]
    [field] = options.CustomFieldDataItems.ExternalCustomFieldData
    assert field.CustomFieldName == "Type of Issue" and field.ChangeListOptions is True
    assert list(field.ListOptions.string) == ["Web site issues", "Email issues"]
    assert field.ChangeRequired is True and field.NewRequiredValue is True and field.ChangeVisible is False

    ticket = service.StartTicket(inputs(org, "LoginUsername=myusername", "DepartmentName=Support Department",
                                        "Subject=Urgent: server down", "TicketNumber=PYT-1", "cf_ticket type=phoneticket"))
    assert ticket.Success is True and ticket.Message == "Ticket Creation Successful"
    assert outputs(ticket)[0] == "TicketCreation=TRUE"

    chat = service.StartChat(inputs(org, "LoginUsername=myusername", "DepartmentName=Sales", "cf_chat type=support"))
    assert chat.Success is True and outputs(chat)[0] == "ChatCreation=TRUE"

    details = service.GetUserDetails(inputs(org, "Username=myusername", "Email=huy.nguyen@htklabs.com",
                                            "BrandName=Brand", "DepartmentName=Support Department", "Group=Tier 1",
                                            "TicketNumber=PYT-1", "InteractionType=ticket"))
    assert details.Success is True and details.Message == "User Account Information Retrieved Successfully"
    assert "Huy Nguyen" in details.UserInfoHtml and "PID-1" in details.UserInfoHtml
    assert "Urgent: server down" in details.UserInfoHtml  # the ticket StartTicket recorded

    event = service.NotifyEventFired(inputs(org, "EventType=502000", "Args_email=huy.nguyen@htklabs.com"))
    assert event.Success is True and event.Message == "Event Notification Successful"


def test_soap_12_binding(smartertrack_org):
    service = client(smartertrack_org).bind(SERVICE, f"{SERVICE}Soap12")
    login = service.Authenticate(inputs(smartertrack_org, "LoginUsername=MyUserName", "LoginPassword=mypassword"))
    assert login.Success is True and outputs(login)[0] == "Authentication=OK"
    event = service.NotifyEventFired(inputs(smartertrack_org, "EventType=511000", "Args_username=myusername"))
    assert event.Success is True


@pytest.mark.parametrize("method", ["Authenticate", "GetSignInCookieInfo", "GetCustomFieldOptions", "StartTicket",
                                    "StartChat", "GetUserDetails", "NotifyEventFired"])
def test_wrong_auth_pw_is_permission_denied(smartertrack_org, method):
    service = client(smartertrack_org).service
    result = getattr(service, method)(inputs(smartertrack_org, "LoginUsername=myusername", "LoginPassword=mypassword",
                                             "EventType=502000", auth_pw="not-the-password"))
    assert result.Success is False and result.Message == "Permission Denied" and outputs(result) == []


def test_suspended_customer_is_refused_tickets_and_chats(smartertrack_org):
    smartertrack_org["api"]("PUT", "/contacts/PID-1/portal-login", {"username": "myusername", "status": "suspended"})
    try:
        service = client(smartertrack_org).service
        ticket = service.StartTicket(inputs(smartertrack_org, "LoginUsername=myusername", "TicketNumber=PYT-2"))
        assert ticket.Success is True and ticket.Message == "Your account is suspended."
        assert outputs(ticket) == ["TicketCreation=FALSE"]
        options = service.GetCustomFieldOptions(inputs(smartertrack_org, "LoginUsername=myusername", "DepartmentName=Sales"))
        assert outputs(options) == ["CanStartTickets=False", "CanStartChats=False"]
    finally:
        smartertrack_org["api"]("PUT", "/contacts/PID-1/portal-login", {"username": "myusername", "status": "active"})


def test_malformed_and_unknown_calls_are_soap_faults(smartertrack_org):
    endpoint = smartertrack_org["wsdl"].removesuffix("?WSDL")
    not_xml = requests.post(endpoint, data="AuthPW=x", headers={"Content-Type": "text/xml"})
    assert not_xml.status_code == 400 and "soap:Client" in not_xml.text
    unknown = requests.post(endpoint, headers={"Content-Type": "text/xml"}, data=(
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        '<DeleteAll xmlns="http://tempuri.org/"/></soap:Body></soap:Envelope>'))
    assert unknown.status_code == 500 and "DeleteAll" in unknown.text
