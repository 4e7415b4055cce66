import Foundation
import Testing

/// The README's Swift example is the file Examples/QuickStart/main.swift, which the package
/// builds; this keeps the two from drifting apart.
@Test func readmeExampleIsTheBuiltQuickStart() throws {
    let readme = try String(contentsOf: repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let example = try String(contentsOf: repoRoot.appendingPathComponent("Examples/QuickStart/main.swift"), encoding: .utf8)
    #expect(readme.contains(example.trimmingCharacters(in: .whitespacesAndNewlines)),
            "README's Swift block must contain Examples/QuickStart/main.swift verbatim")
}
