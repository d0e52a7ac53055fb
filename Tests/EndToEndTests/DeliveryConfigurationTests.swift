import Foundation
import Testing

@testable import App

@Suite("delivery settings from CRMHUB_DELIVERY_* and CRMHUB_SECRET_KEY")
struct DeliveryConfigurationTests {
    @Test("delivery settings are read; the secret key may come from a file")
    func parse() throws {
        let file = NSTemporaryDirectory() + "crmhub-secret-\(UUID().uuidString)"
        let key = String(repeating: "0f", count: 32)
        try (key + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (config, _) = try ConfigurationLoader.load(
            arguments: ["--delivery-workers", "3"],
            environment: [
                "CRMHUB_SECRET_KEY_FILE": file, "CRMHUB_DELIVERY_POLL_INTERVAL_MS": "250", "CRMHUB_DELIVERY_MAX_ATTEMPTS": "5",
                "CRMHUB_DELIVERY_RETRY_BASE_MS": "1500", "CRMHUB_DELIVERY_RETRY_MAX_MS": "60000", "CRMHUB_DELIVERY_LEASE": "90",
                "CRMHUB_DELIVERY_TIMEOUT": "12", "CRMHUB_DELIVERY_HOSTNAME": "crm.htk.vn",
                "CRMHUB_DELIVERY_CA_FILE": "/etc/ca.pem",
            ])
        #expect(config.secretKey == key)
        #expect(config.delivery.workers == 3 && config.delivery.maxAttempts == 5 && config.delivery.leaseSeconds == 90)
        #expect(config.delivery.pollInterval == .milliseconds(250) && config.delivery.retryBaseDelay == .milliseconds(1500))
        #expect(config.delivery.retryMaxDelay == .seconds(60) && config.delivery.networkTimeout == .seconds(12))
        #expect(config.delivery.hostname == "crm.htk.vn" && config.delivery.extraCAFile == "/etc/ca.pem")
    }

    @Test("a key that is not 32 bytes is refused without echoing it", arguments: ["abc123", String(repeating: "z", count: 64)])
    func badKey(value: String) {
        do {
            _ = try ConfigurationLoader.load(arguments: [], environment: ["CRMHUB_SECRET_KEY": value])
            Issue.record("accepted")
        } catch {
            #expect(error.setting == "CRMHUB_SECRET_KEY" && !error.description.contains(value))
        }
    }

    @Test("private delivery targets are denied unless CRMHUB_DELIVERY_PRIVATE_TARGETS=allow; another value is refused")
    func privateTargets() throws {
        #expect(try ConfigurationLoader.load(arguments: [], environment: [:]).0.delivery.addressPolicy == .publicOnly)
        let allowed = try ConfigurationLoader.load(arguments: [], environment: ["CRMHUB_DELIVERY_PRIVATE_TARGETS": "allow"])
        #expect(allowed.0.delivery.addressPolicy == .any)
        #expect(
            try ConfigurationLoader.load(arguments: ["--delivery-private-targets", "deny"], environment: [:]).0.delivery
                .addressPolicy == .publicOnly)
        do {
            _ = try ConfigurationLoader.load(arguments: [], environment: ["CRMHUB_DELIVERY_PRIVATE_TARGETS": "yes"])
            Issue.record("accepted")
        } catch {
            #expect(error.setting == "CRMHUB_DELIVERY_PRIVATE_TARGETS" && error.description.contains("allow or deny"))
        }
    }

    @Test(
        "worker counts and intervals out of range name their setting",
        arguments: [
            ("CRMHUB_DELIVERY_WORKERS", "-1"), ("CRMHUB_DELIVERY_MAX_ATTEMPTS", "0"), ("CRMHUB_DELIVERY_POLL_INTERVAL_MS", "1"),
        ])
    func outOfRange(name: String, value: String) {
        #expect(throws: ConfigurationError.self) { _ = try ConfigurationLoader.load(arguments: [], environment: [name: value]) }
    }
}
