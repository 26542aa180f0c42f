import Foundation
import XCTest
@testable import NewsDedup

/// Helpers shared by the NewsDedup tests.
enum TestSupport {
    /// `Tests/NewsDedupTests/Fixtures/<name>`.
    static func fixtureURL(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }

    /// The package root (the folder holding Package.swift), found from this file's path.
    static var repositoryRoot: URL {
        // <root>/Tests/NewsDedupTests/TestSupport.swift
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A fresh, empty folder under the system temporary folder, unique per call; removed when
    /// the test case finishes.
    static func temporaryFolder(for test: XCTestCase, _ label: String = #function) throws -> URL {
        let safe = label.filter { $0.isLetter || $0.isNumber }
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("newsdedup-tests-\(safe)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock {
            // Make everything removable again (a test may chmod 000 a file).
            if let e = FileManager.default.enumerator(atPath: url.path) {
                for case let name as String in e {
                    try? FileManager.default.setAttributes([.posixPermissions: 0o755],
                                                           ofItemAtPath: url.appendingPathComponent(name).path)
                }
            }
            try? FileManager.default.removeItem(at: url)
        }
        return url
    }

    /// Writes `content` (UTF-8) to `folder/relativePath`, creating intermediate folders.
    @discardableResult
    static func write(_ content: String, to relativePath: String, in folder: URL) throws -> URL {
        try write(Data(content.utf8), to: relativePath, in: folder)
    }

    @discardableResult
    static func write(_ bytes: Data, to relativePath: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: url)
        return url
    }

    /// A seed-format article: `date YYYY-MM-DD Title`, a blank line, paragraphs separated by blank lines.
    static func seedFormat(date: String, title: String, paragraphs: [String]) -> String {
        "date \(date) \(title)\n\n" + paragraphs.joined(separator: "\n\n") + "\n"
    }
}
