import Foundation
import XCTest
import LinearAlgebra
@testable import NewsDedup

/// The whole job on the shipped demo corpus (`Corpus/`, see Corpus/README.md), checked
/// against `Corpus/truth.json` and for byte-identical, thread-count-independent output.
final class EndToEndTests: XCTestCase {
    private struct Truth: Decodable {
        var documents: [String]
        var duplicate_groups: [[String]]
        var story_clusters: [[String]]
    }

    private static var corpusFolder: URL { TestSupport.repositoryRoot.appendingPathComponent("Corpus") }

    /// Every `.txt` under Corpus/, as ids (paths relative to Corpus/), counted from disk.
    private static func articleIDsOnDisk() throws -> [String] {
        let root = corpusFolder
        guard let e = FileManager.default.enumerator(atPath: root.path) else { throw CocoaError(.fileNoSuchFile) }
        var ids: [String] = []
        for case let path as String in e where path.hasSuffix(".txt") { ids.append(path) }
        return ids.sorted()
    }

    private static func truth() throws -> Truth {
        try JSONDecoder().decode(Truth.self, from: Data(contentsOf: corpusFolder.appendingPathComponent("truth.json")))
    }

    /// Runs the pipeline into a fresh folder and returns the folder.
    private func runPipeline(threads: Int? = nil, label: String) throws -> URL {
        let base = try TestSupport.temporaryFolder(for: self, label)
        let out = base.appendingPathComponent("results")
        var configuration = Configuration()
        configuration.threads = threads
        let before = Parallel.threads
        defer { Parallel.threads = before }   // the pipeline sets the process-wide thread count
        try Pipeline(configuration: configuration).run(inputs: [Self.corpusFolder.path], output: out.path)
        return out
    }

    private func decode<T: Decodable>(_ type: T.Type, _ folder: URL, _ name: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// A run that keeps its state until exit (the CLI's) keeps it, and writes the same results.
    func testStateKeptUntilExitOnlyWhenAsked() throws {
        let base = try TestSupport.temporaryFolder(for: self, "kept")
        let before = Parallel.threads
        defer { Parallel.threads = before }
        let kept = Pipeline.statesKeptUntilExit
        try Pipeline(configuration: Configuration()).run(inputs: [Self.corpusFolder.path], output: base.appendingPathComponent("a").path)
        XCTAssertEqual(Pipeline.statesKeptUntilExit, kept, "released by default")
        var pipeline = Pipeline(configuration: Configuration())
        pipeline.keepsStateUntilExit = true
        try pipeline.run(inputs: [Self.corpusFolder.path], output: base.appendingPathComponent("b").path)
        XCTAssertEqual(Pipeline.statesKeptUntilExit, kept + 1)
        for name in ["duplicates.json", "clusters.json", "topics.json"] {
            XCTAssertEqual(try Data(contentsOf: base.appendingPathComponent("a/\(name)")),
                           try Data(contentsOf: base.appendingPathComponent("b/\(name)")), name)
        }
    }

    func testDemoCorpusResults() throws {
        let out = try runPipeline(label: "first")
        let onDisk = try Self.articleIDsOnDisk()
        XCTAssertFalse(onDisk.isEmpty)

        // manifest.json: every article read, nothing skipped, complete.
        let manifest = try decode(RunManifest.self, out, "manifest.json")
        XCTAssertTrue(manifest.complete)
        XCTAssertEqual(manifest.articles.read, onDisk.count)
        XCTAssertEqual(manifest.articles.skipped, 0)
        XCTAssertEqual(manifest.files, onDisk.count)
        XCTAssertEqual(manifest.issues, [])
        XCTAssertEqual(Set(manifest.ignoredFiles.map { URL(fileURLWithPath: $0).lastPathComponent }), ["README.md", "truth.json"])
        XCTAssertEqual(manifest.outputs, ["clusters.json", "duplicates.json", "manifest.json", "report.html", "topics.json"])
        XCTAssertEqual(manifest.schemaVersion, ResultsSchema.version)

        // Every JSON file carries schemaVersion at the top level.
        for name in ["duplicates.json", "clusters.json", "topics.json", "manifest.json"] {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(name))) as? [String: Any]
            XCTAssertEqual(object?["schemaVersion"] as? Int, ResultsSchema.version, name)
        }

        // duplicates.json: the seed's group is exactly truth.json's, with none of the independent
        // articles about the same story.
        let duplicates = try decode(DuplicatesFile.self, out, "duplicates.json")
        XCTAssertEqual(duplicates.articles, onDisk.count)
        let seed = "the-beltway-wire/000_836ff1559c56c5c5.txt"
        let truth = try Self.truth()
        XCTAssertEqual(Set(truth.documents), Set(onDisk), "truth.json lists every article")
        let truthGroup = try XCTUnwrap(truth.duplicate_groups.first { $0.contains(seed) })
        let truthStory = try XCTUnwrap(truth.story_clusters.first { $0.contains(seed) })
        let independent = Set(truthStory).subtracting(truthGroup)
        XCTAssertFalse(independent.isEmpty, "truth.json has independent articles on the seed story")
        let seedGroups = duplicates.groups.filter { g in g.members.contains { $0.id == seed } }
        XCTAssertEqual(seedGroups.count, 1, "the seed is in exactly one duplicate group")
        let seedGroup = try XCTUnwrap(seedGroups.first)
        let members = Set(seedGroup.members.map(\.id))
        XCTAssertEqual(members, Set(truthGroup),
                       "missing \(Set(truthGroup).subtracting(members).sorted()), extra \(members.subtracting(truthGroup).sorted())")
        XCTAssertTrue(members.isDisjoint(with: independent), "independent coverage is not a copy: \(members.intersection(independent).sorted())")
        XCTAssertEqual(seedGroup.size, seedGroup.members.count)
        XCTAssertEqual(seedGroup.members.filter { $0.role == "canonical" }.map(\.id), [seedGroup.canonical])
        // No article in two groups.
        let grouped = duplicates.groups.flatMap { $0.members.map(\.id) }
        XCTAssertEqual(grouped.count, Set(grouped).count, "no article is in two duplicate groups")

        // clusters.json: every article in exactly one story cluster.
        let clusters = try decode(ClustersFile.self, out, "clusters.json")
        XCTAssertEqual(clusters.articles, onDisk.count)
        let clustered = clusters.clusters.flatMap { $0.members.map(\.id) }
        XCTAssertEqual(clustered.count, onDisk.count, "every article appears once")
        XCTAssertEqual(Set(clustered), Set(onDisk), "and every article appears")
        for c in clusters.clusters {
            XCTAssertEqual(c.size, c.members.count, c.id)
            XCTAssertTrue(c.members.contains { $0.id == c.headlineID }, "\(c.id): the headline is a member")
        }
        // Each duplicate group lies inside one story.
        for g in duplicates.groups {
            let homes = Set(g.members.compactMap { m in clusters.clusters.firstIndex { c in c.members.contains { $0.id == m.id } } })
            XCTAssertEqual(homes.count, 1, "duplicate group \(g.id) is split across stories")
        }

        let topics = try decode(TopicsFile.self, out, "topics.json")
        XCTAssertEqual(topics.articles, onDisk.count)
        XCTAssertFalse(topics.topics.isEmpty)
    }

    func testOutputIsByteIdenticalAcrossRunsAndThreadCounts() throws {
        let first = try runPipeline(label: "first")
        let second = try runPipeline(label: "second")
        let serial = try runPipeline(threads: 1, label: "serial")
        for name in ["duplicates.json", "clusters.json", "topics.json"] {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            XCTAssertFalse(a.isEmpty, name)
            XCTAssertEqual(a, try Data(contentsOf: second.appendingPathComponent(name)), "\(name): second run")
            XCTAssertEqual(a, try Data(contentsOf: serial.appendingPathComponent(name)), "\(name): threads = 1")
        }
        let manifest = try decode(RunManifest.self, serial, "manifest.json")
        XCTAssertEqual(manifest.threads, 1, "the serial run really ran with one thread")
        XCTAssertEqual(manifest.configuration.threads, 1)
    }

    /// Freed memory is kept for reuse only when a run's peak (5 bytes per input byte) stays
    /// within a quarter of physical memory; the demo run records the policy it used.
    func testMemoryPolicyFollowsInputSize() throws {
        let gib: UInt64 = 1 << 30
        XCTAssertEqual(Pipeline.memoryPolicy(inputBytes: 180 << 20, physicalMemory: 24 * gib), .keepFreed)     // 50k articles
        XCTAssertEqual(Pipeline.memoryPolicy(inputBytes: 6 * gib / 5, physicalMemory: 24 * gib), .keepFreed)   // the bound
        XCTAssertEqual(Pipeline.memoryPolicy(inputBytes: 6 * gib / 5 + 1, physicalMemory: 24 * gib), .returnFreed)
        XCTAssertEqual(Pipeline.memoryPolicy(inputBytes: 3_600 << 20, physicalMemory: 24 * gib), .returnFreed) // 1M articles
        XCTAssertEqual(Pipeline.memoryPolicy(inputBytes: 0, physicalMemory: 24 * gib), .returnFreed)
        XCTAssertEqual(Pipeline.memoryPolicy(inputBytes: UInt64.max / 2, physicalMemory: UInt64.max), .returnFreed)

        // Folders are walked; a missing path counts nothing.
        let base = try TestSupport.temporaryFolder(for: self, "sizes")
        try FileManager.default.createDirectory(at: base.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        try Data(count: 100).write(to: base.appendingPathComponent("a/one.txt"))
        try Data(count: 23).write(to: base.appendingPathComponent("a/b/two.jsonl"))
        try Data(count: 7).write(to: base.appendingPathComponent("three.txt"))
        XCTAssertEqual(Pipeline.inputBytes([base.appendingPathComponent("a").path, base.appendingPathComponent("three.txt").path,
                                            base.appendingPathComponent("missing").path]), 130)

        let out = try runPipeline(label: "memory")
        let manifest = try decode(RunManifest.self, out, "manifest.json")
        let expected = Pipeline.memoryPolicy(inputBytes: Pipeline.inputBytes([Self.corpusFolder.path]),
                                             physicalMemory: ProcessInfo.processInfo.physicalMemory)
        XCTAssertEqual(manifest.memory, expected)
        XCTAssertEqual(Pipeline.memory, expected)
    }
}
