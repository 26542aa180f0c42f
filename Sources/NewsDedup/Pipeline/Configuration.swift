import Foundation
import TOMLKit

/// Every setting of a run, one section per stage. Encoded into the run manifest.
///
/// A configuration file (`newsdedup run --config FILE`, TOML or JSON) sets any of them; see
/// `ConfigurationFile` below and docs/configuration.md.
public struct Configuration: Codable, Sendable, Equatable {
    public var reader = ReaderConfiguration()
    public var tfidf = TFIDFConfiguration()
    public var copies = CopyConfiguration()
    public var stories = StoryConfiguration()
    public var topics = TopicConfiguration()
    /// What `report.html` draws and lists (it never changes the JSON results).
    public var report = ReportConfiguration()
    /// The history across nights (docs/nightly.md); used when a run has a state folder.
    public var history = HistoryConfiguration()
    /// Worker threads for Swift's own parallel loops (nil: one per core).
    public var threads: Int? = nil

    public init() {}

    enum CodingKeys: String, CodingKey { case reader, tfidf, copies, stories, topics, report, history, threads }

    /// A manifest written before a setting existed (`explain` reads them) lacks its key: the
    /// setting then takes its default, and the recorded ones are kept.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            reader = try c.decode(ReaderConfiguration.self, forKey: .reader)
            tfidf = try c.decode(TFIDFConfiguration.self, forKey: .tfidf)
            copies = try c.decode(CopyConfiguration.self, forKey: .copies)
            stories = try c.decode(StoryConfiguration.self, forKey: .stories)
            topics = try c.decode(TopicConfiguration.self, forKey: .topics)
            report = try c.decodeIfPresent(ReportConfiguration.self, forKey: .report) ?? ReportConfiguration()
            history = try c.decodeIfPresent(HistoryConfiguration.self, forKey: .history) ?? HistoryConfiguration()
            threads = try c.decodeIfPresent(Int.self, forKey: .threads)
        } catch DecodingError.keyNotFound {
            guard case let .table(entries) = try Node(from: decoder) else { throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "configuration is not an object")) }
            var merged = Configuration()
            try merged.apply(tree: entries, source: "configuration", lines: LineFinder(""), ignoreUnknown: true)
            self = merged
        }
    }
}

// MARK: - Configuration files

/// A configuration file, `--set` assignment or value that cannot be used. `description` names
/// the file (or `--set`), the line when known, and the key.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, or `--set` for a command-line assignment.
    public var source: String
    public var line: Int?
    /// Dotted key (`copies.minCosine`), when the problem concerns one.
    public var key: String?
    public var message: String

    public init(source: String, line: Int? = nil, key: String? = nil, message: String) {
        self.source = source
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(source):\($0)" } ?? source
        return key.map { "\(place): \($0): \(message)" } ?? "\(place): \(message)"
    }
}

/// One setting as it appears in a configuration file: `section.name`, its type, its allowed
/// values and what it does. `Configuration.keys` lists them all, in file order.
public struct ConfigurationKey {
    public enum Kind: String, Sendable { case integer, number, boolean }
    /// A scalar read from a file.
    public enum Value: Equatable, Sendable, CustomStringConvertible {
        case integer(Int64), number(Double), boolean(Bool)
        public var description: String {
            switch self {
            case let .integer(i): return String(i)
            case let .number(d): return ConfigurationKey.format(d)
            case let .boolean(b): return b ? "true" : "false"
            }
        }
    }

    /// nil for top-level keys (`threads`).
    public let section: String?
    public let name: String
    public let kind: Kind
    /// One or two sentences, written as a comment above the key by `newsdedup config`.
    public let help: String
    /// Allowed values, in words (`at least 1`, `between 0 and 1`).
    public let allowed: String
    let get: (Configuration) -> Value?
    let set: (inout Configuration, Value) -> Void
    /// nil when the value is allowed.
    let check: (Value) -> String?

    public var path: String { section.map { "\($0).\(name)" } ?? name }

    /// The shortest form that reads back to the same Double, always with a decimal point (TOML floats need one).
    static func format(_ d: Double) -> String {
        let s = "\(d)"
        return s.contains(".") || s.contains("e") || s.contains("n") || s.contains("i") ? s : s + ".0"
    }

    static func int(_ section: String?, _ name: String, _ kp: WritableKeyPath<Configuration, Int>,
                    min: Int, max: Int = Int.max, extra: ((Int) -> String?)? = nil, allowed: String? = nil,
                    _ help: String) -> ConfigurationKey {
        let words = allowed ?? (max == Int.max ? "at least \(min)" : "between \(min) and \(max)")
        return ConfigurationKey(
            section: section, name: name, kind: .integer, help: help, allowed: words,
            get: { .integer(Int64($0[keyPath: kp])) },
            set: { c, v in if case let .integer(i) = v { c[keyPath: kp] = Int(i) } },
            check: { v in
                guard case let .integer(i) = v else { return "must be a whole number" }
                guard i >= Int64(min), i <= Int64(max) else { return "must be \(words), got \(i)" }
                return extra?(Int(i))
            })
    }

    static func double(_ section: String, _ name: String, _ kp: WritableKeyPath<Configuration, Double>,
                       _ range: ClosedRange<Double>, openLower: Bool = false, _ help: String) -> ConfigurationKey {
        let words = openLower ? "greater than \(format(range.lowerBound)) and at most \(format(range.upperBound))"
            : "between \(format(range.lowerBound)) and \(format(range.upperBound))"
        return ConfigurationKey(
            section: section, name: name, kind: .number, help: help, allowed: words,
            get: { .number($0[keyPath: kp]) },
            set: { c, v in
                switch v {
                case let .number(d): c[keyPath: kp] = d
                case let .integer(i): c[keyPath: kp] = Double(i)
                case .boolean: break
                }
            },
            check: { v in
                let d: Double
                switch v {
                case let .number(x): d = x
                case let .integer(i): d = Double(i)
                case .boolean: return "must be a number"
                }
                guard d.isFinite, range.contains(d), !(openLower && d == range.lowerBound) else {
                    return "must be \(words), got \(v)"
                }
                return nil
            })
    }

    static func bool(_ section: String, _ name: String, _ kp: WritableKeyPath<Configuration, Bool>,
                     _ help: String) -> ConfigurationKey {
        ConfigurationKey(
            section: section, name: name, kind: .boolean, help: help, allowed: "true or false",
            get: { .boolean($0[keyPath: kp]) },
            set: { c, v in if case let .boolean(b) = v { c[keyPath: kp] = b } },
            check: { v in
                guard case .boolean = v else { return "must be true or false" }
                return nil
            })
    }
}

extension Configuration {
    /// The sections of a configuration file, in file order.
    public static let sections = ["reader", "tfidf", "copies", "stories", "topics", "report", "history"]

    /// Every key of a configuration file, in file order: the described ones, then any setting
    /// added to a section without a description yet (`undescribedKeys`).
    public static var keys: [ConfigurationKey] { describedKeys + undescribedKeys }

    /// The keys with their meaning and allowed values. A test fails while a setting is missing
    /// here (and in docs/configuration.md).
    public static var describedKeys: [ConfigurationKey] {
        typealias K = ConfigurationKey
        return [
            ConfigurationKey(
                section: nil, name: "threads", kind: .integer,
                help: "Worker threads for NewsDedup's own parallel loops. Left out: one per core. (The BLAS library has its own threads, e.g. OPENBLAS_NUM_THREADS.)",
                allowed: "at least 1",
                get: { $0.threads.map { .integer(Int64($0)) } },
                set: { c, v in if case let .integer(i) = v { c.threads = Int(i) } },
                check: { v in
                    guard case let .integer(i) = v else { return "must be a whole number" }
                    return i >= 1 && i <= 4096 ? nil : "must be between 1 and 4096, got \(i)"
                }),
            // reader
            K.int("reader", "maxFileBytes", \.reader.maxFileBytes, min: 1,
                  "A .txt file larger than this many bytes is skipped."),
            K.int("reader", "maxLineBytes", \.reader.maxLineBytes, min: 1,
                  "A JSONL line longer than this many bytes is skipped."),
            K.int("reader", "batchBytes", \.reader.batchBytes, min: 1,
                  "Bytes read from a JSONL file per batch (the lines of a batch are parsed in parallel)."),
            // tfidf
            K.int("tfidf", "minDF", \.tfidf.minDF, min: 1,
                  "Terms found in fewer than this many articles are dropped from the vocabulary."),
            K.double("tfidf", "maxDF", \.tfidf.maxDF, 0...1, openLower: true,
                     "Terms found in more than this share of the articles are dropped (1.0 keeps all)."),
            K.bool("tfidf", "sublinearTF", \.tfidf.sublinearTF, "Use 1 + ln(tf) instead of raw term counts."),
            K.bool("tfidf", "smoothIDF", \.tfidf.smoothIDF,
                   "idf = ln((1 + n) / (1 + df)) + 1 when true, ln(n / df) + 1 when false."),
            K.bool("tfidf", "stopWords", \.tfidf.stopWords, "Remove scikit-learn's English stop words."),
            K.int("tfidf", "titleWeight", \.tfidf.titleWeight, min: 0,
                  "The headline counts this many times in an article's terms (0 leaves it out)."),
            // copies
            K.int("copies", "shingleSize", \.copies.shingleSize, min: 1, max: 16, "Words per shingle."),
            K.int("copies", "signatureBins", \.copies.signatureBins, min: 1, max: 256,
                  extra: { $0 & ($0 - 1) == 0 ? nil : "must be a power of two (1, 2, 4, ... 256), got \($0)" },
                  allowed: "a power of two, at most 256",
                  "One-permutation-hashing bins per signature."),
            K.double("copies", "targetJaccard", \.copies.targetJaccard, 0...1, openLower: true,
                     "The Jaccard similarity (of kept shingles) that LSH must turn into a candidate pair with probability at least candidateRecall; bands and rows are derived from it."),
            K.double("copies", "candidateRecall", \.copies.candidateRecall, 0...1, openLower: true,
                     "The probability with which a pair at targetJaccard must become an LSH candidate."),
            K.int("copies", "maxShingleDocuments", \.copies.maxShingleDocuments, min: 1,
                  "A shingle found in more articles than this is common phrasing, not evidence."),
            K.int("copies", "boilerplateSourceArticles", \.copies.boilerplateSourceArticles, min: 1,
                  "A shingle in at least max(boilerplateSourceArticles, boilerplateSourceFraction x the outlet's articles) articles of one outlet is that outlet's boilerplate."),
            K.double("copies", "boilerplateSourceFraction", \.copies.boilerplateSourceFraction, 0...1,
                     "The share of an outlet's articles a shingle must also reach to be that outlet's boilerplate (see boilerplateSourceArticles)."),
            K.double("copies", "minContainment", \.copies.minContainment, 0...1,
                     "Copy rule: the shorter article's kept shingles are at least this much contained in the other's (and minSharedShingles, minCosine)."),
            K.int("copies", "minSharedShingles", \.copies.minSharedShingles, min: 1,
                  "Copy rule: the two share at least this many kept shingles."),
            K.double("copies", "minCosine", \.copies.minCosine, 0...1,
                     "Copy rule: their TF-IDF cosine is at least this (a shared quotation in two different articles is not a copy)."),
            K.int("copies", "maxBucketSize", \.copies.maxBucketSize, min: 2,
                  "LSH buckets larger than this are skipped (counted in the manifest as oversizedBuckets)."),
            // stories
            K.int("stories", "windowDays", \.stories.windowDays, min: 0,
                  "Two dated voices (articles, or duplicate groups) more than this many days apart are never linked directly; a story can still span longer through articles in between."),
            K.int("stories", "indexTerms", \.stories.indexTerms, min: 1,
                  "Candidates of a voice are the voices sharing one of its this-many strongest terms."),
            K.int("stories", "sketchTerms", \.stories.sketchTerms, min: 0,
                  "Neighbours are chosen by cosines over each voice's this-many strongest terms (0: whole rows); the kept neighbours' similarities are exact."),
            K.int("stories", "postingTerms", \.stories.postingTerms, min: 1,
                  "The inverted index lists each voice under this many of its strongest terms (memory: voices x postingTerms)."),
            K.int("stories", "maxPosting", \.stories.maxPosting, min: 1,
                  "Terms carried by more voices than this within a voice's date window are too common to find neighbours by."),
            K.int("stories", "candidates", \.stories.candidates, min: 1,
                  "Candidates per voice that get an exact similarity (the best by the partial dot product over its strongest terms)."),
            K.int("stories", "neighbours", \.stories.neighbours, min: 1,
                  "Neighbours kept per voice (the degree bound of the similarity graph)."),
            K.int("stories", "localScaleNeighbours", \.stories.localScaleNeighbours, min: 1,
                  "A voice's local scale is its mean cosine to this many nearest voices."),
            K.double("stories", "threshold", \.stories.threshold, -2...2,
                     "Clusters merge while their locally scaled similarity (CSLS) is at least this."),
            K.double("stories", "minCosine", \.stories.minCosine, 0...1,
                     "Clusters whose mean similarity is below this never merge, whatever the local scales (the floor used is the higher of this and the derived chance level)."),
            K.int("stories", "backgroundPairs", \.stories.backgroundPairs, min: 0,
                  "Random voice pairs in the date window sampled to derive the chance level of a similarity (0: no derived floor, minCosine alone)."),
            K.int("stories", "largeStoryVoices", \.stories.largeStoryVoices, min: 1,
                  "A story with at least this many voices is compared by its own internal cohesion (times cohesionFactor) instead of its voices' local scales."),
            K.double("stories", "cohesionFactor", \.stories.cohesionFactor, 0...10,
                     "The factor on a large story's internal cohesion (see largeStoryVoices); the level used is the lower of this and the midpoint between the cohesion and the story's similarity to its nearest outsiders."),
            K.bool("stories", "fadeOutletTerms", \.stories.fadeOutletTerms,
                   "A term found in one outlet's articles only (footers, house templates) is weighted by the chance of that confinement at random: near 0 among many outlets, 1 when the corpus has one outlet."),
            K.bool("stories", "sharedNames", \.stories.sharedNames,
                   "Two voices that each write names (words the night writes capitalised mid-sentence and almost never lowercase) but share none are not linked."),
            K.double("stories", "reducedWeight", \.stories.reducedWeight, 0...1,
                     "Weight of the SVD vectors in the similarity: (1 - w) x TF-IDF cosine + w x reduced cosine."),
            K.int("stories", "topTerms", \.stories.topTerms, min: 0, "Terms reported per story."),
            // topics
            K.int("topics", "topics", \.topics.topics, min: 1, "Number of SVD topics (components)."),
            K.int("topics", "oversampling", \.topics.oversampling, min: 0, "Extra random vectors of the randomized SVD."),
            K.int("topics", "powerIterations", \.topics.powerIterations, min: 0, "Power iterations of the randomized SVD."),
            K.int("topics", "sampleArticles", \.topics.sampleArticles, min: 0,
                  "Nights with more articles fit the SVD on a sample of about this many (picked by a hash of each article's terms, whatever the input order), then project every article; 0: fit on all."),
            ConfigurationKey(
                section: "topics", name: "seed", kind: .integer,
                help: "Seed of the randomized SVD's random numbers.", allowed: "at least 0",
                get: { .integer(Int64(bitPattern: $0.topics.seed)) },
                set: { c, v in if case let .integer(i) = v { c.topics.seed = UInt64(bitPattern: i) } },
                check: { v in
                    guard case let .integer(i) = v else { return "must be a whole number" }
                    return i >= 0 ? nil : "must be at least 0, got \(i)"
                }),
            K.int("topics", "terms", \.topics.terms, min: 0, "Terms reported per sign of each topic."),
            K.int("topics", "articles", \.topics.articles, min: 0, "Articles reported per topic."),
            K.int("topics", "stories", \.topics.stories, min: 0, "Stories reported per topic."),
            // report
            K.int("report", "scatterPoints", \.report.scatterPoints, min: 0,
                  "At most this many articles are drawn on the topic map (a fixed sample when there are more)."),
            K.int("report", "stories", \.report.stories, min: 0, "The report lists this many of the largest stories."),
            K.int("report", "duplicateGroups", \.report.duplicateGroups, min: 0,
                  "The report lists this many of the largest duplicate groups."),
            K.int("report", "members", \.report.members, min: 1, "Articles listed per story."),
            K.int("report", "copies", \.report.copies, min: 0,
                  "Copies shown per duplicate group, each with its scores and what changed."),
            K.int("report", "issues", \.report.issues, min: 0, "Skipped and repaired inputs listed in the report."),
            K.int("report", "colouredStories", \.report.colouredStories, min: 0, max: 10,
                  "Largest stories given their own colour on the topic map."),
            // history
            K.int("history", "retentionDays", \.history.retentionDays, min: 1,
                  "Nights older than this many days before tonight's night are pruned from the state database (with a state folder)."),
            K.double("history", "storyMinCosine", \.history.storyMinCosine, 0...1,
                     "Tonight's story continues an earlier story (keeps its id) when their centroids' cosine is at least this, within stories.windowDays."),
            K.int("history", "storyTerms", \.history.storyTerms, min: 1,
                  "Strongest centroid terms stored per story (the look-up index and the cosine of storyMinCosine)."),
            K.int("history", "articleTerms", \.history.articleTerms, min: 1,
                  "Strongest TF-IDF terms stored per article (the cosine guard of copies across nights)."),
        ]
    }

    static func key(_ path: String) -> ConfigurationKey? { keys.first { $0.path == path } }

    /// Settings of the sections that `describedKeys` does not list (a field just added to, say,
    /// `StoryConfiguration`): still read and written, typed by trying, without a description.
    public static var undescribedKeys: [ConfigurationKey] {
        let described = Set(describedKeys.map(\.path))
        guard let defaults = try? jsonTree(Configuration()) else { return [] }
        var out: [ConfigurationKey] = []
        for section in sections {
            guard let fields = defaults[section] as? [String: Any] else { continue }
            for name in fields.keys.sorted() where !described.contains("\(section).\(name)") {
                guard let number = fields[name] as? NSNumber else { continue }
                let kind: ConfigurationKey.Kind
                if isJSONBoolean(number) { kind = .boolean }
                else if (try? withField(section, name, 0.5, in: Configuration())) != nil { kind = .number }
                else { kind = .integer }
                out.append(ConfigurationKey(
                    section: section, name: name, kind: kind,
                    help: "(Not described yet: a new setting of this section.)",
                    allowed: kind == .boolean ? "true or false" : kind == .integer ? "a whole number" : "a number",
                    get: { c in
                        guard let v = (try? jsonTree(c))?[section] as? [String: Any], let n = v[name] as? NSNumber else { return nil }
                        switch kind {
                        case .boolean: return .boolean(n.boolValue)
                        case .integer: return .integer(n.int64Value)
                        case .number: return .number(n.doubleValue)
                        }
                    },
                    set: { c, v in
                        let any: Any
                        switch v { case let .integer(i): any = i; case let .number(d): any = d; case let .boolean(b): any = b }
                        if let updated = try? withField(section, name, any, in: c) { c = updated }
                    },
                    check: { v in
                        switch (kind, v) {
                        case (.boolean, .boolean), (.integer, .integer), (.number, .integer): return nil
                        case let (.number, .number(d)): return d.isFinite ? nil : "must be a finite number"
                        case (.boolean, _): return "must be true or false"
                        case (.integer, _): return "must be a whole number"
                        case (.number, _): return "must be a number"
                        }
                    }))
            }
        }
        return out
    }

    static func jsonTree(_ c: Configuration) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any]) ?? [:]
    }

    static func withField(_ section: String, _ name: String, _ value: Any, in c: Configuration) throws -> Configuration {
        var tree = try jsonTree(c)
        var fields = tree[section] as? [String: Any] ?? [:]
        fields[name] = value
        tree[section] = fields
        return try JSONDecoder().decode(Configuration.self, from: JSONSerialization.data(withJSONObject: tree))
    }

    /// Whether a number from JSONSerialization is a JSON `true`/`false`.
    static func isJSONBoolean(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c" && (n == NSNumber(value: true) || n == NSNumber(value: false))
    }

    // MARK: Loading

    /// Defaults, then the file (when given), then each `KEY=VALUE` assignment in order: later wins.
    public static func resolve(file: String?, assignments: [String] = []) throws -> Configuration {
        var c = Configuration()
        if let file { try c.apply(file: file) }
        for a in assignments { try c.apply(assignment: a) }
        return c
    }

    /// Overlays the settings of a TOML (`.toml`, or any other name) or JSON (`.json`) file.
    public mutating func apply(file path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw ConfigurationError(source: path, message: exists ? (isDirectory.boolValue ? "is a folder, not a configuration file" : "cannot be read")
                                                                   : "no such configuration file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(source: path, message: "is not UTF-8 text")
        }
        if path.lowercased().hasSuffix(".json") {
            try apply(json: text, source: path)
        } else {
            try apply(toml: text, source: path)
        }
    }

    /// Overlays the settings of a TOML document; `source` names it in errors.
    public mutating func apply(toml text: String, source: String) throws {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw ConfigurationError(source: source, line: e.source.begin.line,
                                     message: "not valid TOML: \(e.description) (column \(e.source.begin.column))")
        }
        try apply(tree: Self.tree(table), source: source, lines: LineFinder(text))
    }

    /// Overlays the settings of a JSON object (the manifest's `configuration` has this form).
    public mutating func apply(json text: String, source: String) throws {
        let node: Node
        do { node = try JSONDecoder().decode(Node.self, from: Data(text.utf8)) } catch {
            throw ConfigurationError(source: source, message: "not valid JSON: \(Self.jsonReason(error))")
        }
        guard case let .table(entries) = node else {
            throw ConfigurationError(source: source, message: "must be a JSON object with sections such as \"copies\" and \"topics\"")
        }
        try apply(tree: entries, source: source, lines: LineFinder(json: text))
    }

    /// `section.name=value` (`copies.minCosine=0.35`, `tfidf.stopWords=false`, `threads=4`), as
    /// given to `--set`. The value is read as a TOML value.
    public mutating func apply(assignment: String, source: String = "--set") throws {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw ConfigurationError(source: source, message: "'\(assignment)' is not KEY=VALUE (e.g. copies.minCosine=0.35)")
        }
        let path = assignment[..<eq].trimmingCharacters(in: .whitespaces)
        let raw = assignment[assignment.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard let key = Self.key(path) else {
            throw ConfigurationError(source: source, key: path, message: Self.unknownKeyMessage(path))
        }
        let value: Node
        do {
            let t = try TOMLTable(string: "v = \(raw)")
            guard let v = t["v"] else { throw ConfigurationError(source: source, key: path, message: "no value") }
            value = Self.node(v)
        } catch is TOMLParseError {
            throw ConfigurationError(source: source, key: path, message: "'\(raw)' is not a value (want \(key.kind.rawValue): \(key.allowed))")
        }
        try set(key, value, source: source, line: nil)
    }

    /// Checks every value (the loaders check as they go; this is for values set in code).
    public func validate(source: String = "configuration") throws {
        for key in Self.keys {
            guard let v = key.get(self) else { continue }
            if let problem = key.check(v) { throw ConfigurationError(source: source, key: key.path, message: problem) }
        }
    }

    // MARK: Printing

    /// The configuration as a TOML file, every key with a comment; `threads` is commented out
    /// when it is not set. `newsdedup config` prints this.
    public func toml(header: Bool = true) -> String {
        var out = ""
        if header {
            out += """
                # NewsDedup configuration (newsdedup \(ResultsSchema.toolVersion)).
                # Use with: newsdedup run --config FILE. Every key is optional: a key left out keeps its
                # default. Command-line options (--threads, --topics, --window-days, --set KEY=VALUE)
                # override this file. Reference: docs/configuration.md.


                """
        }
        func comment(_ key: ConfigurationKey) -> String {
            Self.wrap(key.help, width: 96).map { "# \($0)\n" }.joined()
        }
        func line(_ key: ConfigurationKey, _ value: String) -> String {
            let assignment = "\(key.name) = \(value)"
            return assignment.padding(toLength: max(assignment.count, 32), withPad: " ", startingAt: 0) + "  # \(key.allowed)\n"
        }
        for key in Self.keys where key.section == nil {
            out += comment(key)
            if let v = key.get(self) { out += line(key, v.description) + "\n" } else { out += "# " + line(key, "2") + "\n" }
        }
        for section in Self.sections {
            out += "[\(section)]\n"
            for key in Self.keys where key.section == section {
                out += comment(key)
                out += line(key, key.get(self)?.description ?? "")
            }
            out += "\n"
        }
        return String(out.dropLast())
    }

    /// The configuration as JSON: the manifest's `configuration` object.
    public func json() -> String {
        (try? String(decoding: ResultsWriter.encode(self), as: UTF8.self)) ?? "{}\n"
    }

    // MARK: Internals

    /// A parsed file, format-independent.
    enum Node: Decodable {
        case table([(String, Node)])
        case value(ConfigurationKey.Value)
        case other(String)

        init(from decoder: Decoder) throws {
            if let c = try? decoder.container(keyedBy: AnyKey.self) {
                self = .table(try c.allKeys.map { ($0.stringValue, try c.decode(Node.self, forKey: $0)) })
                return
            }
            let s = try decoder.singleValueContainer()
            if let b = try? s.decode(Bool.self) { self = .value(.boolean(b)) }
            else if let i = try? s.decode(Int64.self) { self = .value(.integer(i)) }
            else if let d = try? s.decode(Double.self) { self = .value(.number(d)) }
            else if let t = try? s.decode(String.self) { self = .other("a string (\"\(t)\")") }
            else if s.decodeNil() { self = .other("null") }
            else { self = .other("an array") }
        }

        var typeName: String {
            switch self {
            case .table: return "a table"
            case let .value(v):
                switch v { case .integer: return "a whole number"; case .number: return "a number"; case .boolean: return "a boolean" }
            case let .other(s): return s
            }
        }
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { return nil }
    }

    static func tree(_ table: TOMLTable) -> [(String, Node)] {
        table.keys.map { ($0, node(table[$0]!)) }
    }

    static func node(_ v: TOMLValueConvertible) -> Node {
        switch v.type {
        case .table: return .table(v.table.map(tree) ?? [])
        case .int: return .value(.integer(Int64(v.int ?? 0)))
        case .double: return .value(.number(v.double ?? .nan))
        case .bool: return .value(.boolean(v.bool ?? false))
        case .string: return .other("a string (\"\(v.string ?? "")\")")
        case .array: return .other("an array")
        case .date, .time, .dateTime: return .other("a \(v.type.description)")
        }
    }

    mutating func apply(tree entries: [(String, Node)], source: String, lines: LineFinder, ignoreUnknown: Bool = false) throws {
        // Sorted, so that the first problem reported does not depend on the parser's order.
        for (name, node) in entries.sorted(by: { $0.0 < $1.0 }) {
            if Self.sections.contains(name) {
                guard case let .table(inner) = node else {
                    throw ConfigurationError(source: source, line: lines.line(section: nil, key: name), key: name,
                                             message: "must be a section ([\(name)]), got \(node.typeName)")
                }
                for (k, v) in inner.sorted(by: { $0.0 < $1.0 }) {
                    let path = "\(name).\(k)"
                    guard let key = Self.key(path) else {
                        if ignoreUnknown { continue }
                        throw ConfigurationError(source: source, line: lines.line(section: name, key: k), key: path,
                                                 message: Self.unknownKeyMessage(path))
                    }
                    try set(key, v, source: source, line: lines.line(section: name, key: k))
                }
            } else if let key = Self.key(name) {
                try set(key, node, source: source, line: lines.line(section: nil, key: name))
            } else if !ignoreUnknown {
                throw ConfigurationError(source: source, line: lines.line(section: nil, key: name), key: name,
                                         message: Self.unknownKeyMessage(name))
            }
        }
    }

    mutating func set(_ key: ConfigurationKey, _ node: Node, source: String, line: Int?) throws {
        guard case let .value(v) = node else {
            throw ConfigurationError(source: source, line: line, key: key.path,
                                     message: "must be \(key.kind == .boolean ? "true or false" : key.kind == .integer ? "a whole number" : "a number") (\(key.allowed)), got \(node.typeName)")
        }
        if let problem = key.check(v) { throw ConfigurationError(source: source, line: line, key: key.path, message: problem) }
        key.set(&self, v)
    }

    static func unknownKeyMessage(_ path: String) -> String {
        let all = keys.map(\.path) + sections
        let p = path.lowercased()
        // A known name that starts like this one (`copy` -> `copies`), else the nearest by edit distance.
        func commonPrefix(_ a: String, _ b: String) -> Int { zip(a, b).prefix { $0 == $1 }.count }
        var prefixed: String? = nil
        var longest = 0
        for k in all {
            let n = commonPrefix(k.lowercased(), p)
            let shorter = min(k.count, p.count)
            if n >= 3, Double(n) >= 0.6 * Double(shorter), abs(k.count - p.count) <= 3, n > longest {
                prefixed = k
                longest = n
            }
        }
        let nearest = all.map { ($0, editDistance($0.lowercased(), p)) }.min { $0.1 < $1.1 }
        var message = "unknown key '\(path)'"
        if let prefixed { message += " (did you mean '\(prefixed)'?)" }
        else if let nearest, nearest.1 <= max(2, path.count / 4) { message += " (did you mean '\(nearest.0)'?)" }
        else { message += " (sections: \(sections.joined(separator: ", ")); top-level keys: threads)" }
        return message + "; `newsdedup config` prints every key"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }

    static func jsonReason(_ error: Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }

    /// Finds the line a key was written on, for messages (best effort: `[section]` headers and
    /// `key =` lines for TOML, `"key":` for JSON).
    struct LineFinder {
        var lines: [Substring]
        var json = false

        init(_ text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }
        init(json text: String) { self.init(text); json = true }

        func line(section: String?, key: String) -> Int? {
            if json {
                var inSection = section == nil
                for (i, l) in lines.enumerated() {
                    var rest = l[...]
                    if let section, let r = l.range(of: "\"\(section)\"") { inSection = true; rest = l[r.upperBound...] }
                    if inSection, rest.contains("\"\(key)\"") { return i + 1 }
                }
                return nil
            }
            var current: String? = nil
            for (i, raw) in lines.enumerated() {
                let l = raw.trimmingCharacters(in: .whitespaces)
                if l.hasPrefix("[") {
                    current = l.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                    if section == nil, current == key { return i + 1 }
                    continue
                }
                guard let eq = l.firstIndex(of: "=") else { continue }
                let k = l[..<eq].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
                if current == section, k == key { return i + 1 }
                if current == nil, let section, k == "\(section).\(key)" { return i + 1 }
            }
            return nil
        }
    }
}

extension Configuration {
    /// Splits `text` into lines of at most `width` characters at spaces.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
