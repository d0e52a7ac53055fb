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

        // Threads and other OS facilities, without Foundation (keeps CoreFoundation out of the server).
        .target(name: "Platform", dependencies: ["CShims"], swiftSettings: swiftSettings),
        .target(name: "Telemetry", dependencies: ["JSON", "Platform"], swiftSettings: swiftSettings),
        // JSON trees with error positions, without Foundation.
        .target(name: "JSON", swiftSettings: swiftSettings),
        .target(
            name: "HTTPServer", dependencies: ["CShims", "COpenSSL", "JSON", "Platform", "Telemetry"], swiftSettings: swiftSettings),
        .target(name: "Postgres", dependencies: ["CLibPQ", "COpenSSL", "CShims"], swiftSettings: swiftSettings),
        .target(name: "CRM", dependencies: ["Postgres", "COpenSSL", "JSON", "Telemetry"], swiftSettings: swiftSettings),
        .target(name: "Admin", dependencies: ["HTTPServer", "CRM", "JSON"], swiftSettings: swiftSettings),
        // Listener ingestion (crm-listener-webhook.txt): the endpoint, one file per action, lenient values.
        .target(name: "Listener", dependencies: ["CRM", "HTTPServer", "JSON", "Postgres"], swiftSettings: swiftSettings),
        // The CIOPulse-compatible Contacts API (ciopulse-contacts-api.txt) and its support groups.
        .target(
            name: "CIOPulse", dependencies: ["CRM", "HTTPServer", "JSON", "Postgres", "Telemetry"], swiftSettings: swiftSettings),
        // The read API (/api/v1): lists, single records, history and the streamed contact export.
        .target(name: "ReadAPI", dependencies: ["CRM", "HTTPServer", "JSON"], swiftSettings: swiftSettings),
        .target(
            name: "App",
            dependencies: ["HTTPServer", "Postgres", "CRM", "Admin", "Listener", "CIOPulse", "ReadAPI", "JSON", "Telemetry"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "crmhub", dependencies: ["App"], swiftSettings: swiftSettings),

        .target(
            name: "CRMHubTesting",
            dependencies: ["App", "HTTPServer", "Postgres", "COpenSSL", "CShims"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"], swiftSettings: swiftSettings),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ListenerTests", dependencies: ["Listener", "CRM", "HTTPServer", "JSON"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(name: "ReadAPITests", dependencies: ["ReadAPI", "CRM", "HTTPServer"], swiftSettings: swiftSettings),
        .testTarget(name: "CIOPulseTests", dependencies: ["CIOPulse", "CRM", "HTTPServer"], swiftSettings: swiftSettings),
        .testTarget(
            name: "HTTPServerTests", dependencies: ["HTTPServer", "CRMHubTesting", "Telemetry"], swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "CRMHubTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["App", "CRMHubTesting", "HTTPServer", "Postgres", "CRM", "JSON"],
            swiftSettings: swiftSettings
        ),
    ]
)
