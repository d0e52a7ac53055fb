import FoundationEssentials
import HTTPServer

/// The admin console (`/console/`): `index.html` and the flat `assets/` folder of `CRMHUB_CONSOLE_DIR`, read once at
/// start. Assets are served under `/console/assets/{version}/{file}` with a version derived from their bytes, so they
/// can be cached forever; the page itself is never cached. Only names in the folder listing are served, so no
/// request path can reach another file.
struct ConsoleFiles: Sendable {
    let index: [UInt8]
    let assets: [String: (contentType: String, body: [UInt8])]
    let version: String

    static let contentTypes = [
        "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "ico": "image/x-icon", "json": "application/json",
    ]

    /// nil when the folder has no readable `index.html`.
    init?(directory: String) {
        let files = FileManager.default
        guard let page = files.contents(atPath: directory + "/index.html") else { return nil }
        var assets: [String: (contentType: String, body: [UInt8])] = [:]
        let names = (try? files.contentsOfDirectory(atPath: directory + "/assets")) ?? []
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in names.sorted() where !name.hasPrefix(".") {
            guard let dot = name.lastIndex(of: "."), let type = Self.contentTypes[String(name[name.index(after: dot)...])],
                let data = files.contents(atPath: directory + "/assets/" + name)
            else { continue }
            let bytes = Array(data)
            for byte in Array(name.utf8) + bytes {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
            }
            assets[name] = (type, bytes)
        }
        var hex = String(hash, radix: 16)
        hex = String(repeating: "0", count: 16 - hex.count) + hex
        version = hex
        self.assets = assets
        index = Array(String(decoding: page, as: UTF8.self).replacing("{{version}}", with: hex).utf8)
    }
}

enum ConsoleRoutes {
    /// No inline script or style, nothing from another origin, never framed.
    static let securityHeaders = [
        (
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]

    static func register(in router: inout Router, files: ConsoleFiles?) {
        router.addInline(.get, "/console/") { _ in
            guard let files else { return .problem(status: 404, detail: "the console is not installed") }
            return page(200, contentType: "text/html; charset=utf-8", cache: "no-cache", body: files.index)
        }
        router.addInline(.get, "/console/assets/{version}/{file}") { request in
            guard let files, request.parameters["version"] == files.version, let name = request.parameters["file"],
                let asset = files.assets[name]
            else { return .problem(status: 404, detail: "no such console asset") }
            return page(200, contentType: asset.contentType, cache: "public, max-age=31536000, immutable", body: asset.body)
        }
    }

    private static func page(_ status: Int, contentType: String, cache: String, body: [UInt8]) -> Response {
        Response(
            status: status, headers: HeaderFields([("Content-Type", contentType), ("Cache-Control", cache)] + securityHeaders),
            body: body)
    }
}
