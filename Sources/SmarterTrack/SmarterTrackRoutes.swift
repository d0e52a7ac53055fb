import CRM
import HTTPServer
import Telemetry

/// SmarterTrack external providers (smartertrack-external-providers.txt): one ASMX-compatible web service per org.
public enum SmarterTrackRoutes {
    /// Provider calls are a few kilobytes of "variable=value" strings.
    public static let bodyLimit = 256 << 10

    public static func register(in router: inout Router, scope: OrgScope, logger: Logger) {
        let endpoint = SmarterTrackEndpoint(scope: scope, logger: logger)
        router.add(.get, "/integrations/smartertrack/{org}/provider.asmx", bodyLimit: bodyLimit) { await endpoint.describe($0) }
        router.add(.post, "/integrations/smartertrack/{org}/provider.asmx", bodyLimit: bodyLimit) { await endpoint.call($0) }
    }
}
