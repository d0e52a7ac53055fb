import Foundation

/// The documents' samples in Tests/HelpdeskTests/Fixtures (corrections in CORRECTIONS.md there).
enum HelpdeskSamples {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func text(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
    }
}
