// swift-tools-version:6.0
// CRMHub: multi-tenant CRM ingestion and integration service.
// No package dependencies: the toolchain, plus libpq and OpenSSL from the system.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "crmhub",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "crmhub", targets: ["crmhub"])
    ],
    targets: [
        // C libraries from the system: headers and link flags come from pkg-config.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Linux system calls that Glibc's module does not export (epoll, eventfd).
        .target(name: "CShims"),

        // Threads, the request coalescer and other OS facilities, without Foundation (keeps CoreFoundation out of the server).
        .target(name: "Platform", dependencies: ["CShims"], swiftSettings: swiftSettings),
        .target(name: "Telemetry", dependencies: ["JSON", "Platform"], swiftSettings: swiftSettings),
        // JSON trees with error positions, without Foundation.
        .target(name: "JSON", dependencies: ["Platform"], swiftSettings: swiftSettings),
        // Well-formed XML in (no DOCTYPE, so no entity expansion) and escaped XML out, for SOAP and XML web calls.
        .target(name: "XML", dependencies: ["Platform"], swiftSettings: swiftSettings),
        .target(
            name: "HTTPServer", dependencies: ["CShims", "COpenSSL", "JSON", "Platform", "Telemetry"],
            swiftSettings: swiftSettings),
        .target(name: "Postgres", dependencies: ["CLibPQ", "COpenSSL", "CShims", "Platform"], swiftSettings: swiftSettings),
        .target(
            name: "CRM", dependencies: ["Postgres", "COpenSSL", "JSON", "Platform", "Telemetry", "XML"],
            swiftSettings: swiftSettings),
        .target(name: "Admin", dependencies: ["HTTPServer", "CRM", "JSON"], swiftSettings: swiftSettings),
        // The outbox table: messages features write in their own transaction, and Delivery claims and sends.
        .target(name: "Outbox", dependencies: ["Postgres"], swiftSettings: swiftSettings),
        // Outbox delivery: blocking client sockets with TLS, an SMTP client, an HTTP/1.1 client, and the workers.
        .target(name: "NetworkClient", dependencies: ["COpenSSL", "Platform"], swiftSettings: swiftSettings),
        .target(name: "SMTP", dependencies: ["NetworkClient"], swiftSettings: swiftSettings),
        .target(name: "HTTPClient", dependencies: ["NetworkClient"], swiftSettings: swiftSettings),
        .target(
            name: "Delivery",
            dependencies: [
                "Admin", "CRM", "HTTPClient", "HTTPServer", "JSON", "Outbox", "Platform", "Postgres", "SMTP", "Telemetry",
            ],
            swiftSettings: swiftSettings),
        // Listener ingestion (crm-listener-webhook.txt): the endpoint, one file per action, lenient values.
        .target(
            name: "Listener", dependencies: ["Admin", "CRM", "HTTPServer", "JSON", "Outbox", "Platform", "Postgres"],
            swiftSettings: swiftSettings),
        // The CIOPulse-compatible Contacts API (ciopulse-contacts-api.txt) and its support groups.
        .target(
            name: "CIOPulse", dependencies: ["Admin", "CRM", "HTTPServer", "JSON", "Platform", "Postgres", "Telemetry"],
            swiftSettings: swiftSettings),
        // Helpdesk web calls per org: the Sirportly Customer Data Source and SpiceCSM's account/case web calls.
        .target(
            name: "Helpdesk", dependencies: ["Admin", "CRM", "HTTPServer", "JSON", "Postgres", "XML"],
            swiftSettings: swiftSettings),
        // SmarterTrack external providers (smartertrack-external-providers.txt): an ASMX-compatible SOAP service per org.
        .target(
            name: "SmarterTrack", dependencies: ["Admin", "CRM", "HTTPServer", "JSON", "Postgres", "Telemetry", "XML"],
            swiftSettings: swiftSettings),
        // The read API (/api/v1): lists, single records, history and the streamed contact export.
        .target(name: "ReadAPI", dependencies: ["CRM", "HTTPServer", "JSON", "Postgres"], swiftSettings: swiftSettings),
        .target(
            name: "App",
            dependencies: [
                "HTTPServer", "Postgres", "CRM", "Admin", "Listener", "CIOPulse", "Helpdesk", "SmarterTrack", "Delivery",
                "ReadAPI",
                "JSON", "Telemetry",
            ],
            swiftSettings: swiftSettings,
            plugins: ["BuildInfoPlugin"]
        ),
        // Writes the git commit being built into App (crmhub version).
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        .executableTarget(name: "crmhub", dependencies: ["App", "Platform"], swiftSettings: swiftSettings),

        .target(
            name: "CRMHubTesting",
            dependencies: ["App", "HTTPServer", "Postgres", "COpenSSL", "CShims"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"], swiftSettings: swiftSettings),
        // CRM's rules and the store logic that needs no database; Admin's field validation without a server.
        .testTarget(name: "CRMTests", dependencies: ["CRM"], swiftSettings: swiftSettings),
        .testTarget(name: "AdminTests", dependencies: ["Admin", "CRM", "JSON", "Listener"], swiftSettings: swiftSettings),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DeliveryTests", dependencies: ["Delivery", "SMTP", "HTTPClient", "NetworkClient", "CRM", "JSON"],
            swiftSettings: swiftSettings),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "CRMHubTesting"], swiftSettings: swiftSettings),
        .testTarget(name: "XMLTests", dependencies: ["XML", "CRMHubTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SmarterTrackTests", dependencies: ["SmarterTrack", "CRM", "XML", "CRMHubTesting"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ListenerTests", dependencies: ["Listener", "CRM", "HTTPServer", "JSON"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "HelpdeskTests", dependencies: ["Helpdesk", "CRM", "HTTPServer", "XML", "JSON"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(name: "ReadAPITests", dependencies: ["ReadAPI", "CRM", "HTTPServer"], swiftSettings: swiftSettings),
        .testTarget(name: "CIOPulseTests", dependencies: ["CIOPulse", "CRM", "HTTPServer"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HTTPServerTests", dependencies: ["HTTPServer", "CRMHubTesting", "Telemetry"], swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "CRMHubTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "App", "CIOPulse", "CRMHubTesting", "Delivery", "HTTPServer", "Postgres", "CRM", "Helpdesk", "JSON", "Listener",
                "Outbox", "SmarterTrack", "XML",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
