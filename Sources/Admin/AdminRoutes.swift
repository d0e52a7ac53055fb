import CRM
import HTTPServer

/// The admin API's admission check. Its route table, with every feature's admin routes, is `App/AdminRouteTable.swift`.
public enum AdminRoutes {
    /// Authenticates the bearer token before a request's body is read; an unknown token is refused unread.
    public static func admission(scope: OrgScope, problem: @escaping @Sendable (CRMError) -> Response) -> Admission {
        let authenticator = AdminContext(scope: scope).authenticator
        return { request in
            do {
                _ = try await authenticator.authenticate(request)
                return nil
            } catch let error as CRMError {
                return problem(error)
            } catch {
                return .problem(
                    status: 503, detail: "authentication is unavailable; retry later", extraHeaders: [("Retry-After", "1")])
            }
        }
    }
}
