import ArgumentParser
import Foundation
import LinearAlgebra
import NewsDedup
import SyntheticNews

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsdedup-bench",
        abstract: "Benchmarks for NewsDedup (not part of the unit tests).",
        subcommands: [Generate.self, Pipeline_.self, SVD.self, Read.self])
}

/// Times the topic stage's randomized SVD on a corpus's TF-IDF matrix, and exports that exact
/// matrix so that scripts/bench_svd.py can time scikit-learn on the same input.
struct SVD: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time RandomizedSVD on a corpus's TF-IDF matrix; export the matrix for the reference.")

    @Argument(help: "Corpus files or folders.") var paths: [String]
    @Option(help: "Components.") var components: Int = 100
    @Option(help: "Power iterations.") var iterations: Int = TopicConfiguration().powerIterations
    @Option(help: "Repetitions (the median is reported).") var repeats: Int = 5
    @Option(help: "Folder to export the CSR matrix into (indptr.i64, indices.i32, data.f64, meta.json).")
    var export: String?

    func run() throws {
        var configuration = Configuration()
        configuration.topics.topics = components
        let corpus = CorpusReader().read(paths: paths)
        let analyzer = TextAnalyzer(tfidf: configuration.tfidf, shingleSize: configuration.copies.shingleSize)
        var tokenized = analyzer.tokenize(corpus.articles)
        let all = tokenized.analyzed.shingles
        tokenized.analyzed.shingles = []
        let kept = KeptShingles.select(shingles: all, start: tokenized.analyzed.shingleStart,
                                       sources: corpus.articles.map(\.source), configuration: configuration.copies)
        let analyzed = analyzer.terms(tokenized, boilerplate: kept.boilerplateShingles)
        let terms = try TFIDFVectorizer(configuration.tfidf).fit(analyzed).transform(analyzed)
        let a = terms.matrix
        if let export {
            try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)
            func write<T>(_ values: [T], _ name: String) throws {
                let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
                try data.write(to: URL(fileURLWithPath: export).appendingPathComponent(name))
            }
            try write(a.rowStart.map { Int64($0) }, "indptr.i64")
            try write(a.columnIndex, "indices.i32")
            try write(a.values, "data.f64")
            let meta = ["rows": a.rows, "columns": a.columns, "nonzeros": a.nonzeroCount]
            try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])
                .write(to: URL(fileURLWithPath: export).appendingPathComponent("meta.json"))
        }
        let model = TopicModel(TopicConfiguration.with(components: components, iterations: iterations))
        var times: [Double] = []
        var top: [Double] = []
        for _ in 0..<max(1, repeats) {
            let t = Date()
            // The whole topic stage: SVD, explained variance, term/article labels.
            let noStories = StoryClusters(clusters: [], clusterOfArticle: [], stats: StoryStats())
            let result = try model.topics(terms: terms, stories: noStories)
            times.append(Date().timeIntervalSince(t))
            top = result.topics.prefix(5).map(\.singularValue)
        }
        times.sort()
        let out: [String: Any] = [
            "rows": a.rows, "columns": a.columns, "nonzeros": a.nonzeroCount, "components": components,
            "powerIterations": iterations, "seconds": times, "medianSeconds": times[times.count / 2],
            "threads": Parallel.threads, "blas": BLASLibrary.loaded, "topSingularValues": top,
        ]
        let json = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}

extension TopicConfiguration {
    static func with(components: Int, iterations: Int) -> TopicConfiguration {
        var c = TopicConfiguration()
        c.topics = components
        c.powerIterations = iterations
        return c
    }
}

/// Writes a synthetic corpus and its truth.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a deterministic synthetic corpus (corpus.jsonl) and its truth (truth.json).")

    @Option(help: "Articles.") var count: Int
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Output folder.") var out: String

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let corpus = SyntheticCorpus(count: count, seed: seed)
        let t = Date()
        try corpus.writeJSONL(to: (out as NSString).appendingPathComponent("corpus.jsonl"))
        let truth = corpus.truth()
        let json: [String: Any] = ["documents": truth.documents, "duplicate_groups": truth.duplicateGroups,
                                   "story_clusters": truth.storyClusters]
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            .write(to: URL(fileURLWithPath: out).appendingPathComponent("truth.json"))
        print("wrote \(count) articles, \(truth.duplicateGroups.count) copy groups, \(truth.storyClusters.count) stories to \(out) in \(String(format: "%.1f", Date().timeIntervalSince(t)))s")
    }
}

/// Runs the whole NewsDedup pipeline in-process and prints per-stage seconds and peak RSS as JSON.
struct Pipeline_: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Run the NewsDedup pipeline on inputs, write results, print per-stage seconds and peak RSS (JSON).")

    @Argument(help: "Corpus files or folders.") var paths: [String]
    @Option(help: "Results folder.") var out: String
    @Option(help: "Worker threads (default: one per core).") var threads: Int?

    func run() throws {
        var configuration = Configuration()
        configuration.threads = threads
        let t = Date()
        // CPU seconds (user + system, all threads) per stage: steadier than wall time on a busy machine.
        final class CPUClock: @unchecked Sendable {
            var started: [String: Double] = [:]
            var seconds: [String: Double] = [:]
            var peakAfter: [String: Int] = [:]
            var residentAfter: [String: Int] = [:]
            static func now() -> Double {
                var u = rusage()
                getrusage(RUSAGE_SELF.rawValue, &u)
                return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
            }
        }
        let clock = CPUClock()
        let manifest = try NewsDedup.Pipeline(configuration: configuration, observer: { event in
            switch event {
            case let .stageStarted(name): clock.started[name] = CPUClock.now()
            case let .stageFinished(name, _, _):
                clock.seconds[name] = CPUClock.now() - (clock.started[name] ?? 0)
                clock.peakAfter[name] = peakRSS()
                clock.residentAfter[name] = processStatus("VmRSS:")
            default: break
            }
        }).run(inputs: paths, output: out)
        let total = Date().timeIntervalSince(t)
        var stages: [String: Double] = [:]
        for s in manifest.stages { stages[s.name] = s.seconds }
        let result: [String: Any] = [
            "articles": manifest.articles.read, "seconds": total, "stages": stages, "cpuSeconds": clock.seconds, "peakRSSAfterStage": clock.peakAfter,
            "rssAfterStage": clock.residentAfter,
            "peakRSSBytes": peakRSS(), "threads": manifest.threads, "blas": manifest.blasLibraries, "blasThreads": manifest.blasThreads ?? 0,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }
}

/// Peak resident set size of this process (VmHWM), in bytes.
func peakRSS() -> Int { processStatus("VmHWM:") }

/// A size field of /proc/self/status (`VmHWM:`, `VmRSS:`), in bytes.
func processStatus(_ field: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix(field) {
        // "VmHWM:\t  123456 kB": the padding shrinks to none at 8 digits, so split on tabs too.
        let kb = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}
