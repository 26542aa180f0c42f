/// One article as read: identity, display fields and the normalised text.
public struct Article: Sendable {
    /// The JSONL `id`, or the file's path relative to its input root.
    public var id: String
    /// The headline for display (NFKC, entities decoded, whitespace collapsed).
    public var title: String
    /// The body for matching: NFKC, entities decoded, quotes and dashes folded, whitespace
    /// collapsed within paragraphs, paragraphs separated by a single `\n`.
    public var text: String
    public var date: Day?
    public var source: String?
    public var url: String?
    /// Where it came from, for messages: file path and 1-based line (JSONL) or nil (one file, one article).
    public var file: String
    public var line: Int?
    /// Where the article's raw bytes are in `file` (a JSONL line: its byte offset and length;
    /// a text file: nil, the whole file), so `Corpus.text(of:)` can read the text again once
    /// the pipeline has released it from memory (`textReleased`).
    public var byteOffset: Int64?
    public var byteLength: Int32 = 0
    public var textReleased = false

    public init(id: String, title: String, text: String, date: Day? = nil, source: String? = nil,
                url: String? = nil, file: String = "", line: Int? = nil) {
        self.id = id
        self.title = title
        self.text = text
        self.date = date
        self.source = source
        self.url = url
        self.file = file
        self.line = line
    }
}

/// Something wrong with the input that the run worked around.
public struct InputIssue: Codable, Sendable, Hashable, Comparable {
    public enum Action: String, Codable, Sendable {
        /// The article (or the whole file) was left out.
        case skipped
        /// The article was kept after a repair (e.g. an impossible date dropped, bad bytes replaced).
        case repaired
    }
    /// The input file, as given on the command line or found under a folder.
    public var file: String
    /// 1-based line for JSONL inputs; nil when the issue concerns the whole file.
    public var line: Int?
    public var action: Action
    /// What was wrong, in words a user can act on.
    public var reason: String

    public init(file: String, line: Int? = nil, action: Action, reason: String) {
        self.file = file
        self.line = line
        self.action = action
        self.reason = reason
    }

    public static func < (a: InputIssue, b: InputIssue) -> Bool {
        if a.file != b.file { return a.file < b.file }
        if (a.line ?? 0) != (b.line ?? 0) { return (a.line ?? 0) < (b.line ?? 0) }
        return a.reason < b.reason
    }

    /// `file:line: reason (skipped)`, the form compilers use, so editors can jump to it.
    public var message: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place): \(reason) (\(action.rawValue))"
    }
}

/// A corpus: the articles in input order, plus what had to be skipped or repaired.
public struct Corpus: Sendable {
    public var articles: [Article]
    public var issues: [InputIssue]
    /// Files read, in the order read.
    public var files: [String]
    /// Files found under a folder but not of a readable kind (e.g. `truth.json`, `README.md`).
    public var ignoredFiles: [String]
    /// How the texts were read, to read a released text again (`text(of:)`).
    public var readerConfiguration = ReaderConfiguration()
    let textStore = TextStore()

    public init(articles: [Article], issues: [InputIssue] = [], files: [String] = [], ignoredFiles: [String] = []) {
        self.articles = articles
        self.issues = issues
        self.files = files
        self.ignoredFiles = ignoredFiles
    }
}
