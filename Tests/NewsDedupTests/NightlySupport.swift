import Foundation
import XCTest
@testable import NewsDedup

/// The demo corpus (`Corpus/`) split by article date into nights, as JSONL files, for the
/// nightly tests: 2024-11-15 (night 1), 2024-11-16 (night 2), 2024-11-17 (night 3). Ids stay the
/// paths relative to Corpus/, so `Corpus/truth.json` labels them.
enum NightlyCorpus {
    static let nights = ["2024-11-15", "2024-11-16", "2024-11-17"]

    struct Truth: Decodable {
        var duplicate_groups: [[String]]
        var story_clusters: [[String]]
    }

    static func truth() throws -> Truth {
        try JSONDecoder().decode(Truth.self, from: Data(contentsOf: TestSupport.repositoryRoot.appendingPathComponent("Corpus/truth.json")))
    }

    /// The demo articles by date (read once).
    nonisolated(unsafe) static var cached: [String: [Article]]?
    static func articles() -> [String: [Article]] {
        if let cached { return cached }
        let corpus = CorpusReader().read(paths: [TestSupport.repositoryRoot.appendingPathComponent("Corpus").path])
        var byNight: [String: [Article]] = [:]
        for a in corpus.articles { if let d = a.date { byNight[d.iso, default: []].append(a) } }
        cached = byNight
        return byNight
    }

    static func jsonl(_ articles: [Article]) throws -> Data {
        var out = Data()
        for a in articles {
            var object: [String: Any] = ["id": a.id, "title": a.title, "text": a.text]
            if let d = a.date { object["date"] = d.iso }
            if let s = a.source { object["source"] = s }
            out.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            out.append(0x0A)
        }
        return out
    }

    /// Writes `night.jsonl` for each night into `folder` (articles in reading order, or reversed).
    @discardableResult
    static func write(in folder: URL, reversed: Bool = false, limit: Int? = nil) throws -> [String: URL] {
        var urls: [String: URL] = [:]
        for night in nights {
            var list = articles()[night] ?? []
            if let limit { list = Array(list.prefix(limit)) }
            if reversed { list.reverse() }
            urls[night] = try TestSupport.write(jsonl(list), to: "\(night).jsonl", in: folder)
        }
        return urls
    }
}

enum NightlyFiles {
    /// The result files that must be byte-identical for the same input and state.
    static let deterministic = ["duplicates.json", "clusters.json", "topics.json", "history.json"]

    static func contents(_ folder: URL, _ names: [String] = deterministic) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in names { out[name] = try Data(contentsOf: folder.appendingPathComponent(name)) }
        return out
    }

    static func decode<T: Decodable>(_ type: T.Type, _ folder: URL, _ name: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: folder.appendingPathComponent(name)))
    }
}
