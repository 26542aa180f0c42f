import ArgumentParser
import Foundation
import NewsDedup

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole job: read, vectorize, find copies, cluster stories, fit topics, write results.")

    @Argument(help: "Files or folders to read (.txt, .jsonl, .ndjson; folders recursively).")
    var paths: [String] = ["Corpus"]

    @Option(name: .shortAndLong, help: "Results folder, replaced atomically when the run completes.")
    var out: String = "Results"

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    @Option(help: "Number of SVD topics.")
    var topics: Int?

    @Option(help: "Story date window in days: dated articles further apart are never one story.")
    var windowDays: Int?

    @Flag(name: .shortAndLong, help: "No progress on stderr (the final one-line summary is still printed).")
    var quiet = false

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if let t = topics, t < 1 { throw ValidationError("--topics must be at least 1") }
        if let w = windowDays, w < 0 { throw ValidationError("--window-days must be 0 or more") }
        if paths.isEmpty { throw ValidationError("give at least one file or folder to read") }
        let missing = paths.filter { !FileManager.default.fileExists(atPath: $0) }
        if !missing.isEmpty, missing.count == paths.count {
            throw ValidationError("no such file or folder: \(missing.joined(separator: ", "))")
        }
    }

    func run() throws {
        var configuration = Configuration()
        configuration.threads = threads
        if let topics { configuration.topics.topics = topics }
        if let windowDays { configuration.stories.windowDays = windowDays }
        let quiet = self.quiet
        let pipeline = Pipeline(configuration: configuration) { event in
            guard !quiet else { return }
            switch event {
            case .stageStarted: break
            case let .stageFinished(name, seconds, counts):
                let detail = counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                printError(String(format: "[%@] %.2fs %@", name, seconds, detail))
            case let .issue(issue):
                printError("warning: \(issue.message)")
            }
        }
        let manifest = try pipeline.run(inputs: paths, output: out)
        let stage = Dictionary(uniqueKeysWithValues: manifest.stages.map { ($0.name, $0.counts) })
        print("newsdedup: \(manifest.articles.read) articles, \(stage["copies"]?["groups"] ?? 0) duplicate groups, "
              + "\(stage["stories"]?["multiArticleClusters"] ?? 0) multi-article stories, \(stage["topics"]?["topics"] ?? 0) topics, "
              + "\(manifest.articles.skipped) skipped inputs, \(String(format: "%.1f", manifest.totalSeconds))s -> \(out)/")
    }
}
