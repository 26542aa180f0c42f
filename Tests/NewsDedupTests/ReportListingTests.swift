import Foundation
import XCTest
@testable import NewsDedup

/// The listing commands' rows: tables for people, `--json` for scripts (the same rows).
final class ReportListingTests: XCTestCase {
    /// A results folder for the fixture corpus, and the corpus folder.
    private func results() throws -> (results: URL, corpus: URL) {
        let base = try TestSupport.temporaryFolder(for: self, "listing")
        let corpus = try ReportFixture.write(in: base.appendingPathComponent("in"))
        let out = base.appendingPathComponent("results")
        try Pipeline(configuration: Configuration()).run(inputs: [corpus.path], output: out.path)
        return (out, corpus)
    }

    private func load<T: Decodable>(_ type: T.Type, _ folder: URL, _ name: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: folder.appendingPathComponent(name)))
    }

    func testJSONRowsDecodeBackToTheSameRows() throws {
        let (out, _) = try results()
        let duplicates = Listing.duplicateRows(try load(DuplicatesFile.self, out, "duplicates.json"))
        XCTAssertEqual(duplicates.count, 3)
        XCTAssertEqual(duplicates.first?.role, "canonical")
        XCTAssertEqual(try JSONDecoder().decode([Listing.DuplicateRow].self, from: Data(Listing.json(duplicates).utf8)), duplicates)

        let stories = Listing.storyRows(try load(ClustersFile.self, out, "clusters.json"), minSize: 1)
        XCTAssertEqual(stories.reduce(0) { $0 + $1.size }, 8, "min-size 1 lists every article's story")
        XCTAssertEqual(try JSONDecoder().decode([Listing.StoryRow].self, from: Data(Listing.json(stories).utf8)), stories)

        let topics = Listing.topicRows(try load(TopicsFile.self, out, "topics.json"), terms: 3)
        XCTAssertFalse(topics.isEmpty)
        XCTAssertEqual(topics.first?.topic, 1)
        XCTAssertEqual(topics.first?.index, 0)
        XCTAssertLessThanOrEqual(topics.first?.positiveTerms.count ?? 99, 3)
        XCTAssertEqual(try JSONDecoder().decode([Listing.TopicRow].self, from: Data(Listing.json(topics).utf8)), topics)
    }

    func testTablesAreAligned() throws {
        let (out, _) = try results()
        let rows = Listing.duplicateRows(try load(DuplicatesFile.self, out, "duplicates.json"))
        let lines = Listing.duplicatesTable(rows).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 1 + rows.count)
        XCTAssertTrue(lines[0].hasPrefix("GROUP "))
        // Right-aligned numbers: every row's SIM ends where the header's SIM ends.
        let simEnd = lines[0].range(of: "SIM")!.upperBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst() {
            let chars = Array(line)
            XCTAssertTrue(chars[simEnd - 5..<simEnd].map(String.init).joined().allSatisfy { "0123456789.".contains($0) }, line)
        }
        let table = TextTable(columns: [.left("A"), .right("N"), .left("LAST")], rows: [["x", "1", "end"], ["long", "100", ""]]).render()
        XCTAssertEqual(table, "A       N  LAST\nx       1  end\nlong  100\n")
    }

    func testPairReport() throws {
        let (state, manifest) = try ReportFixture.state(self)
        let ids = state.duplicates.groups[0].members.map { state.corpus.articles[$0].id }
        let report = try PairReport.make(ids[0], ids[1], state: state, configuration: manifest.configuration.copies)
        XCTAssertTrue(report.copies)
        XCTAssertTrue(report.verdict.contains("grouped together in \(state.duplicates.groups[0].id)"))
        XCTAssertEqual(report.rows.map(\.measure), ["shingles (3 words)", "set aside: outlet boilerplate", "set aside: common phrasing",
                                                   "kept shingles", "containment", "jaccard", "tf-idf cosine"])
        XCTAssertEqual(try JSONDecoder().decode(PairReport.self, from: Data(Listing.json(report).utf8)), report)
        XCTAssertTrue(report.text().contains("MEASURE"))
        XCTAssertThrowsError(try PairReport.make("nope", ids[1], state: state, configuration: manifest.configuration.copies))
    }

    /// The real command's `--json` output decodes into the row types, equal to the library's rows.
    func testCommandJSONOutputDecodes() throws {
        let tool = try XCTUnwrap(CommandLineTool.path, "newsdedup binary")
        let (out, corpus) = try results()
        let d = try CommandLineTool.run(tool, ["duplicates", "--results", out.path, "--json"])
        XCTAssertEqual(d.status, 0, d.stderr)
        XCTAssertEqual(try JSONDecoder().decode([Listing.DuplicateRow].self, from: Data(d.stdout.utf8)),
                       Listing.duplicateRows(try load(DuplicatesFile.self, out, "duplicates.json")))
        let s = try CommandLineTool.run(tool, ["stories", "--results", out.path, "--json", "--min-size", "1"])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertEqual(try JSONDecoder().decode([Listing.StoryRow].self, from: Data(s.stdout.utf8)),
                       Listing.storyRows(try load(ClustersFile.self, out, "clusters.json"), minSize: 1))
        let t = try CommandLineTool.run(tool, ["topics", "--results", out.path, "--json"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(try JSONDecoder().decode([Listing.TopicRow].self, from: Data(t.stdout.utf8)),
                       Listing.topicRows(try load(TopicsFile.self, out, "topics.json")))

        let file = try load(DuplicatesFile.self, out, "duplicates.json")
        let members = file.groups[0].members.map(\.id)
        let e = try CommandLineTool.run(tool, ["explain", members[0], members[1], "--corpus", corpus.path, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let pair = try JSONDecoder().decode(PairReport.self, from: Data(e.stdout.utf8))
        XCTAssertTrue(pair.copies)
        XCTAssertEqual(pair.a.id, members[0])

        // Tables for people: a title line, a blank line, the header.
        let table = try CommandLineTool.run(tool, ["duplicates", "--results", out.path])
        XCTAssertTrue(table.stdout.hasPrefix("1 duplicate groups over 8 articles\n\nGROUP "), table.stdout)
        let unknown = try CommandLineTool.run(tool, ["explain", "nope", members[1], "--corpus", corpus.path])
        XCTAssertEqual(unknown.status, 1, "an unknown id is a failure, not bad usage")
        let missing = try CommandLineTool.run(tool, ["stories", "--results", out.appendingPathComponent("nothing").path])
        XCTAssertEqual(missing.status, 2)
    }

    func testHelpExplainsEveryOption() throws {
        let tool = try XCTUnwrap(CommandLineTool.path, "newsdedup binary")
        for command in [[], ["run"], ["config"], ["duplicates"], ["stories"], ["topics"], ["explain"]] {
            let r = try CommandLineTool.run(tool, command + ["--help"])
            XCTAssertEqual(r.status, 0, "\(command)")
            XCTAssertTrue(r.stdout.contains("Examples:"), "\(command) help has examples")
            // Every option has a description: on its line, or on the next one when the name is long.
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (i, line) in lines.enumerated() where line.hasPrefix("  -") {
                let parts = line.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ").filter { !$0.isEmpty }
                let next = i + 1 < lines.count ? lines[i + 1] : ""
                XCTAssertTrue(parts.count > 1 || (next.hasPrefix("        ") && !next.trimmingCharacters(in: .whitespaces).isEmpty),
                              "\(command): option without help: \(line)")
            }
        }
    }
}
