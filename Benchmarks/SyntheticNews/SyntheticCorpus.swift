import Foundation

/// A deterministic synthetic news corpus with known truth, for benchmarks and scale tests.
///
/// - Vocabulary: `vocabulary` made-up words drawn by a Zipf law (exponent 1.07), so term
///   frequencies look like news text.
/// - Stories: sizes follow a power law (P(size >= s) ~ s^-1.5, capped at 60); each story has its
///   own named entities (capitalised made-up names) and topic words, a day, and its articles
///   are written independently from that material (about 500 words each), within 2 days.
/// - Wire copies: an original gets copies with probability `copyRate` (1 to 5 of them, power
///   law): a new headline, a dateline, trimmed to 50-100%, up to 15% of words replaced, and the
///   copying outlet's boilerplate footer appended. Outlets append their footers to most of
///   their own articles too.
/// The same `seed` and `count` always give the same bytes.
public struct SyntheticCorpus: Sendable {
    public var count: Int
    public var seed: UInt64
    public var wordsPerArticle: Int = 500
    public var vocabulary: Int = 60_000
    public var outlets: Int = 60
    public var copyRate: Double = 0.25
    public var days: Int = 30

    public init(count: Int, seed: UInt64 = 1) {
        self.count = count
        self.seed = seed
    }

    public struct Article: Sendable {
        public var id: String
        public var title: String
        public var text: String
        public var date: String
        public var source: String
    }

    public struct Truth: Sendable {
        public var documents: [String]
        public var duplicateGroups: [[String]]
        public var storyClusters: [[String]]
    }

    // MARK: - Plan (cheap, serial): who is in which story, who copies whom.

    struct Plan {
        struct Item {
            var story: Int
            /// -1 for an independently written article, else the index of the original copied.
            var copyOf: Int
            var outlet: Int
            var day: Int
            var writer: UInt64
        }
        var items: [Item]
        var storyDays: [Int]
    }

    func plan() -> Plan {
        var rng = Rng(seed: seed)
        var items: [Plan.Item] = []
        items.reserveCapacity(count)
        var storyDays: [Int] = []
        while items.count < count {
            let story = storyDays.count
            let day = Int(rng.below(UInt64(days)))
            storyDays.append(day)
            // Power-law story size in independent articles.
            let u = rng.unit()
            let size = min(60, max(1, Int(pow(1 - u, -1 / 1.5))))
            for _ in 0..<size where items.count < count {
                let original = items.count
                items.append(.init(story: story, copyOf: -1, outlet: Int(rng.below(UInt64(outlets))),
                                   day: day + Int(rng.below(3)), writer: rng.next()))
                if rng.unit() < copyRate {
                    let copies = min(5, max(1, Int(pow(1 - rng.unit(), -1 / 1.2))))
                    for _ in 0..<copies where items.count < count {
                        items.append(.init(story: story, copyOf: original, outlet: Int(rng.below(UInt64(outlets))),
                                           day: items[original].day + Int(rng.below(2)), writer: rng.next()))
                    }
                }
            }
        }
        return Plan(items: items, storyDays: storyDays)
    }

    public func truth() -> Truth {
        let p = plan()
        let ids = (0..<count).map(SyntheticCorpus.id)
        var groups: [Int: [String]] = [:]
        var stories: [Int: [String]] = [:]
        for (i, item) in p.items.enumerated() {
            if item.copyOf >= 0 {
                if groups[item.copyOf] == nil { groups[item.copyOf] = [ids[item.copyOf]] }
                groups[item.copyOf]!.append(ids[i])
            }
            stories[item.story, default: []].append(ids[i])
        }
        return Truth(documents: ids.sorted(),
                     duplicateGroups: groups.values.map { $0.sorted() }.sorted { $0[0] < $1[0] },
                     storyClusters: stories.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] })
    }

    public static func id(_ i: Int) -> String {
        let s = String(i)
        return "syn-" + String(repeating: "0", count: max(0, 8 - s.count)) + s
    }

    // MARK: - Text (parallel-friendly: article i depends only on the plan and the seed).

    /// Writes the corpus as JSONL (`id`, `title`, `text`, `date`, `source`), in id order,
    /// generating `batch` articles at a time on all cores.
    public func writeJSONL(to path: String, batch: Int = 4096) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        let p = plan()
        let words = Words(count: vocabulary, seed: seed)
        var start = 0
        while start < count {
            let end = min(count, start + batch)
            let first = start
            var lines = [String](repeating: "", count: end - first)
            lines.withUnsafeMutableBufferPointer { buffer in
                let out = UnsafeSendable(buffer)
                DispatchQueue.concurrentPerform(iterations: end - first) { k in
                    let a = article(first + k, plan: p, words: words)
                    out.value[k] = SyntheticCorpus.jsonLine(a)
                }
            }
            try handle.write(contentsOf: Data(lines.joined().utf8))
            start = end
        }
    }

    public func articles() -> [Article] {
        let p = plan()
        let words = Words(count: vocabulary, seed: seed)
        return (0..<count).map { article($0, plan: p, words: words) }
    }

    func article(_ i: Int, plan: Plan, words: Words) -> Article {
        let item = plan.items[i]
        if item.copyOf >= 0 {
            let original = article(item.copyOf, plan: plan, words: words)
            return copy(of: original, index: i, item: item, words: words)
        }
        var rng = Rng(seed: item.writer)
        var story = Rng(seed: seed ^ (UInt64(item.story) &* 0x9E37_79B9_7F4A_7C15))
        // The story's material: entities and topic words, the same for every article about it.
        let entities = (0..<5).map { _ in words.name(story.next()) }
        let topic = (0..<30).map { _ in words.zipf(&story, skipCommon: 200) }
        var sentences: [String] = []
        var total = 0
        let target = wordsPerArticle * (80 + Int(rng.below(41))) / 100
        while total < target {
            let length = 8 + Int(rng.below(14))
            var sentence: [String] = []
            for _ in 0..<length {
                let r = rng.unit()
                if r < 0.08 { sentence.append(entities[Int(rng.below(UInt64(entities.count)))]) }
                else if r < 0.25 { sentence.append(topic[Int(rng.below(UInt64(topic.count)))]) }
                else { sentence.append(words.zipf(&rng, skipCommon: 0)) }
            }
            sentence[0] = sentence[0].prefix(1).uppercased() + sentence[0].dropFirst()
            sentences.append(sentence.joined(separator: " ") + ".")
            total += length
        }
        let paragraphs = stride(from: 0, to: sentences.count, by: 4).map { sentences[$0..<min(sentences.count, $0 + 4)].joined(separator: " ") }
        var text = paragraphs.joined(separator: "\n\n")
        if rng.unit() < 0.8 { text += "\n\n" + footer(item.outlet, words: words) }
        let title = ([entities[0]] + (0..<6).map { _ in rng.unit() < 0.5 ? topic[Int(rng.below(30))] : words.zipf(&rng, skipCommon: 50) })
            .joined(separator: " ")
        return Article(id: SyntheticCorpus.id(i), title: title.prefix(1).uppercased() + title.dropFirst(),
                       text: text, date: SyntheticCorpus.date(item.day), source: outletName(item.outlet))
    }

    func copy(of original: Article, index i: Int, item: Plan.Item, words: Words) -> Article {
        var rng = Rng(seed: item.writer)
        // Drop the original's footer, trim, reword, add a dateline and this outlet's footer.
        let originalFooter = original.text.range(of: "\n\n" + SyntheticCorpus.footerMarker)
        let body = originalFooter.map { String(original.text[..<$0.lowerBound]) } ?? original.text
        var paragraphs = body.components(separatedBy: "\n\n")
        let keep = max(1, Int((Double(paragraphs.count) * (0.5 + 0.5 * rng.unit())).rounded(.up)))
        paragraphs = Array(paragraphs.prefix(keep))
        let reword = 0.15 * rng.unit()
        paragraphs = paragraphs.map { p in
            p.split(separator: " ").map { w in rng.unit() < reword ? words.zipf(&rng, skipCommon: 0) : String(w) }
                .joined(separator: " ")
        }
        paragraphs[0] = "\(outletName(item.outlet).uppercased()), \(SyntheticCorpus.date(item.day)) - " + paragraphs[0]
        var text = paragraphs.joined(separator: "\n\n")
        text += "\n\n" + footer(item.outlet, words: words)
        let title = rng.unit() < 0.5 ? "UPDATE \(1 + rng.below(3))-" + original.title : original.title.uppercased()
        return Article(id: SyntheticCorpus.id(i), title: title, text: text, date: SyntheticCorpus.date(item.day),
                       source: outletName(item.outlet))
    }

    static let footerMarker = "Subscribe to"

    func footer(_ outlet: Int, words: Words) -> String {
        var rng = Rng(seed: seed &+ 0xF00D &+ UInt64(outlet))
        let pitch = (0..<22).map { _ in words.zipf(&rng, skipCommon: 0) }.joined(separator: " ")
        return "\(SyntheticCorpus.footerMarker) the \(outletName(outlet)) newsletter: \(pitch)."
    }

    func outletName(_ o: Int) -> String { "Outlet \(o + 1) Daily" }

    static func date(_ day: Int) -> String {
        let d = 1 + day % 28, m = 1 + (day / 28) % 12
        return "2026-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    static func jsonLine(_ a: Article) -> String {
        "{\"id\":\"\(a.id)\",\"title\":\(quote(a.title)),\"text\":\(quote(a.text)),\"date\":\"\(a.date)\",\"source\":\(quote(a.source))}\n"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// The made-up vocabulary and its Zipf sampler.
struct Words: Sendable {
    let words: [String]
    /// Cumulative Zipf weights, for sampling by binary search.
    let cumulative: [Double]

    init(count: Int, seed: UInt64) {
        var rng = Rng(seed: seed ^ 0x5EED)
        let onsets = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pr", "r", "s", "st", "t", "tr", "v", "w", "z"]
        let vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
        let codas = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st"]
        var seen = Set<String>()
        var list: [String] = []
        while list.count < count {
            let syllables = 1 + Int(rng.below(2))
            var w = ""
            for _ in 0..<syllables {
                w += onsets[Int(rng.below(UInt64(onsets.count)))] + vowels[Int(rng.below(UInt64(vowels.count)))]
                    + codas[Int(rng.below(UInt64(codas.count)))]
            }
            if seen.insert(w).inserted { list.append(w) }
        }
        words = list
        var total = 0.0
        var c: [Double] = []
        c.reserveCapacity(count)
        for r in 1...count { total += 1 / pow(Double(r), 1.07); c.append(total) }
        cumulative = c.map { $0 / total }
    }

    func zipf(_ rng: inout Rng, skipCommon: Int) -> String {
        let u = rng.unit()
        var lo = 0, hi = cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
        return words[min(words.count - 1, lo + skipCommon)]
    }

    func name(_ x: UInt64) -> String {
        var rng = Rng(seed: x)
        let w = words[1000 + Int(rng.below(UInt64(words.count - 1000)))]
        return w.prefix(1).uppercased() + w.dropFirst()
    }
}

/// SplitMix64.
struct Rng: Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / 9_007_199_254_740_992.0 }
    mutating func below(_ n: UInt64) -> UInt64 { n == 0 ? 0 : next() % n }
}

struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
