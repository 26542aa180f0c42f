import Foundation
import GRDB

/// The state database across nights: `<state>/history.sqlite` (SQLite through GRDB). Schema and
/// commit order: docs/nightly.md. Every night's rows carry that night, so rerunning a night
/// deletes and rewrites exactly its rows, and the look-ups of night N see only nights before N.
public final class HistoryStore: @unchecked Sendable {
    public let path: String
    let queue: DatabaseQueue

    public static let fileName = "history.sqlite"

    /// Opens (creating when needed) the database in `folder`.
    public init(folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        path = (folder as NSString).appendingPathComponent(HistoryStore.fileName)
        var configuration = GRDB.Configuration()
        configuration.label = "newsdedup.history"
        configuration.prepareDatabase { db in
            // Reads through a memory map and a large page cache (look-ups jump around the band
            // index); temporary tables in memory.
            try db.execute(sql: "PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY")
        }
        // Rollback journal (SQLite's default): a commit is all or nothing, whatever moment the
        // process dies at; the next open rolls a hot journal back.
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try HistoryStore.migrator.migrate(queue)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE night (
                    night TEXT PRIMARY KEY,
                    articles INTEGER NOT NULL,
                    stories INTEGER NOT NULL,
                    groups INTEGER NOT NULL
                );
                CREATE TABLE article (
                    aid INTEGER PRIMARY KEY,
                    night TEXT NOT NULL,
                    id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    source TEXT,
                    date TEXT,
                    group_id TEXT,
                    canonical_id TEXT,
                    canonical_night TEXT,
                    story_id TEXT NOT NULL,
                    shingles BLOB NOT NULL,
                    terms TEXT NOT NULL,
                    UNIQUE (night, id)
                );
                CREATE INDEX article_by_id ON article(id);
                CREATE TABLE band (
                    key INTEGER NOT NULL,
                    aid INTEGER NOT NULL,
                    PRIMARY KEY (key, aid)
                ) WITHOUT ROWID;
                CREATE INDEX band_by_article ON band(aid);
                CREATE TABLE story (
                    story_id TEXT NOT NULL,
                    night TEXT NOT NULL,
                    first_night TEXT NOT NULL,
                    first_date TEXT,
                    last_date TEXT,
                    size INTEGER NOT NULL,
                    headline TEXT NOT NULL,
                    PRIMARY KEY (story_id, night)
                ) WITHOUT ROWID;
                CREATE INDEX story_by_night ON story(night);
                CREATE TABLE story_term (
                    term TEXT NOT NULL,
                    night TEXT NOT NULL,
                    story_id TEXT NOT NULL,
                    weight REAL NOT NULL,
                    PRIMARY KEY (term, night, story_id)
                ) WITHOUT ROWID;
                CREATE INDEX story_term_by_night ON story_term(night);
                """)
        }
        return m
    }

    // MARK: - Rows

    /// One article of an earlier night, as the look-ups need it.
    struct PastArticle: Sendable {
        var aid: Int64
        var night: String
        var id: String
        var title: String
        var source: String?
        var date: String?
        var groupID: String?
        var canonicalID: String?
        var canonicalNight: String?
        var storyID: String
        var shingles: [UInt32]
        var terms: [(String, Double)]
    }

    /// The latest snapshot of an earlier story.
    struct PastStory: Sendable {
        var id: String
        var night: String
        var firstNight: String
        var firstDate: String?
        var lastDate: String?
        var size: Int
    }

    static let articleColumns = "aid, night, id, title, source, date, group_id, canonical_id, canonical_night, story_id, shingles, terms"

    static func pastArticle(_ row: Row) -> PastArticle {
        let blob: Data = row["shingles"] ?? Data()
        return PastArticle(aid: row["aid"], night: row["night"], id: row["id"], title: row["title"], source: row["source"],
                           date: row["date"], groupID: row["group_id"], canonicalID: row["canonical_id"],
                           canonicalNight: row["canonical_night"], storyID: row["story_id"],
                           shingles: HistoryStore.decodeShingles(blob), terms: HistoryStore.decodeTerms(row["terms"]))
    }

    // MARK: - Encodings

    static func encodeShingles(_ values: [UInt32]) -> Data {
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func decodeShingles(_ data: Data) -> [UInt32] {
        var out = [UInt32]()
        out.reserveCapacity(data.count / 4)
        data.withUnsafeBytes { raw in
            var i = 0
            while i + 4 <= raw.count {
                out.append(UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
                i += 4
            }
        }
        return out
    }

    /// `term<TAB>weight` lines; weights printed so that they read back to the same Double.
    static func encodeTerms(_ terms: [(String, Double)]) -> String {
        terms.map { "\($0.0)\t\($0.1)" }.joined(separator: "\n")
    }

    static func decodeTerms(_ text: String) -> [(String, Double)] {
        text.split(separator: "\n").compactMap { line in
            guard let tab = line.lastIndex(of: "\t"), let w = Double(line[line.index(after: tab)...]) else { return nil }
            return (String(line[..<tab]), w)
        }
    }

    // MARK: - Summary (tests, `newsdedup` messages)

    /// Row counts per table and SQLite's integrity check (`ok` when sound).
    public struct Summary: Equatable, Sendable {
        public var nights: [String]
        public var counts: [String: Int]
        public var integrity: String
    }

    public func summary() throws -> Summary {
        try queue.read { db in
            var counts: [String: Int] = [:]
            for table in ["night", "article", "band", "story", "story_term"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            let nights = try String.fetchAll(db, sql: "SELECT night FROM night ORDER BY night")
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            return Summary(nights: nights, counts: counts, integrity: integrity)
        }
    }

    /// Nights before `night` held in the database, oldest first.
    func nights(before night: String) throws -> [String] {
        try queue.read { db in
            try String.fetchAll(db, sql: "SELECT night FROM night WHERE night < ? ORDER BY night", arguments: [night])
        }
    }
}
