import Foundation
import ArgumentParser
import LinearAlgebra
import NewsDedup

/// The pipeline's read stage alone (JSONL parsing, normalising, tokenizing pass 1), as
/// `Pipeline.compute` runs it: for profiling and `perf stat` without the later stages.
struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run only the read stage (reading and tokenizing pass 1) on inputs; print seconds as JSON.")

    @Argument(help: "Corpus files or folders.") var paths: [String]
    @Option(help: "Worker threads (default: one per core).") var threads: Int?
    @Option(help: "Repetitions.") var repeats: Int = 1

    func run() throws {
        if let threads { Parallel.threads = max(1, threads) }
        Pipeline.applyMemoryPolicy(for: paths)   // as `Pipeline.compute` sets it
        let configuration = Configuration()
        var wall: [Double] = [], cpu: [Double] = []
        var articles = 0, shingles = 0
        for _ in 0..<max(1, repeats) {
            let t = Date(), c = cpuNow()
            let analyzer = TextAnalyzer(tfidf: configuration.tfidf, shingleSize: configuration.copies.shingleSize)
            var stream = TextAnalyzer.TokenStream(analyzer: analyzer)
            let corpus = Pipeline.read(paths, configuration: configuration, into: &stream)
            let tokenized = stream.finish()
            wall.append(Date().timeIntervalSince(t))
            cpu.append(cpuNow() - c)
            articles = corpus.articles.count
            shingles = tokenized.analyzed.shingles.count
        }
        let result: [String: Any] = ["articles": articles, "shingles": shingles, "seconds": wall, "cpuSeconds": cpu,
                                     "threads": Parallel.threads]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }

    func cpuNow() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
}
