import Foundation
import XCTest
@testable import NewsDedup
import SyntheticNews

/// Story clustering: planted stories recovered, the date window, stable ids, one voice per
/// duplicate group.
final class StoryClusteringTests: XCTestCase {
    /// Writes articles as JSONL lines (`id`, `title`, `text`, `date`, `source`) in the given order.
    private func writeJSONL(_ articles: [SyntheticCorpus.Article], to url: URL) throws {
        let lines = articles.map { a -> String in
            let object: [String: String] = ["id": a.id, "title": a.title, "text": a.text, "date": a.date, "source": a.source]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    private func compute(_ inputs: [String], configuration: Configuration = Configuration()) throws -> PipelineState {
        var stages: [RunManifest.Stage] = []
        return try Pipeline(configuration: configuration).compute(inputs: inputs, stages: &stages)
    }

    /// B-cubed F1 of `predicted` (article id -> cluster) against `truth` (lists of ids; others singletons).
    private func bcubed(_ predicted: [String: String], truth: [[String]], universe: [String]) -> (p: Double, r: Double, f: Double) {
        var truthOf: [String: String] = [:]
        for (i, g) in truth.enumerated() { for d in g { truthOf[d] = "t\(i)" } }
        for d in universe where truthOf[d] == nil { truthOf[d] = "s-" + d }
        var byPred: [String: [String]] = [:], byTruth: [String: [String]] = [:]
        for d in universe { byPred[predicted[d]!, default: []].append(d); byTruth[truthOf[d]!, default: []].append(d) }
        var p = 0.0, r = 0.0
        for d in universe {
            let pc = byPred[predicted[d]!]!, tc = byTruth[truthOf[d]!]!
            let both = Double(pc.filter { truthOf[$0] == truthOf[d] }.count)
            p += both / Double(pc.count)
            r += both / Double(tc.count)
        }
        p /= Double(universe.count); r /= Double(universe.count)
        return (p, r, 2 * p * r / (p + r))
    }

    func testPlantedStoriesAreRecovered() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let synthetic = SyntheticCorpus(count: 600, seed: 11)
        let articles = synthetic.articles()
        try writeJSONL(articles, to: folder.appendingPathComponent("corpus.jsonl"))
        let state = try compute([folder.path])
        var predicted: [String: String] = [:]
        for c in state.stories.clusters { for m in c.members { predicted[state.corpus.articles[m].id] = c.id } }
        let truth = synthetic.truth()
        let score = bcubed(predicted, truth: truth.storyClusters, universe: truth.documents)
        // Every planted copy group is found exactly (the stories' one-voice rule depends on it).
        let groups = Set(state.duplicates.groups.map { Set($0.members.map { state.corpus.articles[$0].id }) })
        XCTAssertEqual(groups, Set(truth.duplicateGroups.map(Set.init)))
        XCTAssertGreaterThan(score.p, 0.85, "B-cubed precision \(score)")
        XCTAssertGreaterThan(score.f, 0.75, "B-cubed F1 \(score)")
    }

    /// Two articles about one event (the same words in another order: no shared shingles, so
    /// not copies, but TF-IDF cosine 1) are one story within the window and two outside it.
    func testDateWindowSeparatesStoriesFarApart() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let words = "Harbourmaster Ilse Varnkamp closed the Quillon estuary after the tanker Morrowgate ran aground near the Pelsby sandbar on Tuesday spilling diesel towards the oyster beds"
            .split(separator: " ").map(String.init)
        let shuffled = stride(from: 0, to: words.count, by: 2).map { words[$0] } + stride(from: 1, to: words.count, by: 2).map { words[$0] }
        let a = TestSupport.seedFormat(date: "2024-03-01", title: "Tanker aground in the Quillon estuary", paragraphs: [words.joined(separator: " ") + "."])
        for (day, expectTogether) in [("2024-03-03", true), ("2024-03-12", false)] {
            let sub = folder.appendingPathComponent(day)
            try TestSupport.write(a, to: "a.txt", in: sub)
            try TestSupport.write(TestSupport.seedFormat(date: day, title: "Quillon estuary tanker aground",
                                                         paragraphs: [shuffled.joined(separator: " ") + "."]), to: "b.txt", in: sub)
            // Unrelated background so that the local scales mean something.
            for i in 0..<6 {
                try TestSupport.write(TestSupport.seedFormat(date: "2024-03-0\(i + 1)", title: "Council notes \(i)",
                    paragraphs: ["The council discussed budget item \(i) for parks, libraries and road repairs in district \(i * 7)."]),
                    to: "n\(i).txt", in: sub)
            }
            var configuration = Configuration()
            configuration.stories.windowDays = 3
            let state = try compute([sub.path], configuration: configuration)
            let ia = state.corpus.articles.firstIndex { $0.id == "a.txt" }!
            let ib = state.corpus.articles.firstIndex { $0.id == "b.txt" }!
            XCTAssertEqual(state.duplicates.groupOfArticle[ia], -1, "the reordered article must not be a copy")
            XCTAssertEqual(state.duplicates.groupOfArticle[ib], -1, "the reordered article must not be a copy")
            XCTAssertEqual(state.stories.clusterOfArticle[ia] == state.stories.clusterOfArticle[ib], expectTogether,
                           "dated 2024-03-01 and \(day) with a 3-day window")
        }
    }

    func testIDsAreIdenticalAcrossRunsAndInputOrder() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let articles = SyntheticCorpus(count: 300, seed: 5).articles()
        try writeJSONL(articles, to: folder.appendingPathComponent("forward.jsonl"))
        try writeJSONL(articles.reversed(), to: folder.appendingPathComponent("reversed.jsonl"))
        func ids(_ file: String) throws -> (stories: [String: [String]], groups: [String: [String]]) {
            let s = try compute([folder.appendingPathComponent(file).path])
            var stories: [String: [String]] = [:], groups: [String: [String]] = [:]
            for c in s.stories.clusters { stories[c.id] = c.members.map { s.corpus.articles[$0].id }.sorted() }
            for g in s.duplicates.groups { groups[g.id] = g.members.map { s.corpus.articles[$0].id }.sorted() }
            return (stories, groups)
        }
        let first = try ids("forward.jsonl"), again = try ids("forward.jsonl"), reversed = try ids("reversed.jsonl")
        XCTAssertFalse(first.groups.isEmpty)
        XCTAssertEqual(first.stories, again.stories)
        XCTAssertEqual(first.groups, again.groups)
        XCTAssertEqual(first.groups, reversed.groups)
        XCTAssertEqual(first.stories, reversed.stories)
    }

    /// A duplicate group is one voice: the story stage sees (articles - copies) voices.
    func testADuplicateGroupCountsOnce() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let articles = SyntheticCorpus(count: 200, seed: 9).articles()
        try writeJSONL(articles, to: folder.appendingPathComponent("c.jsonl"))
        let state = try compute([folder.path])
        let inGroups = state.duplicates.groups.reduce(0) { $0 + $1.members.count }
        XCTAssertGreaterThan(inGroups, 0)
        XCTAssertEqual(state.stories.stats.voices, state.corpus.articles.count - inGroups + state.duplicates.groups.count)
        // And every group lies inside a single story.
        for g in state.duplicates.groups {
            XCTAssertEqual(Set(g.members.map { state.stories.clusterOfArticle[$0] }).count, 1)
        }
    }
}
