import Foundation

/// The rows printed by `newsdedup duplicates`, `stories`, `topics` and `explain`: an aligned
/// table for people, or (`--json`) the same rows as a JSON array for scripts. Row types are
/// `Codable`, so a script's JSON decodes back into them.
public enum Listing {
    /// One row per article of a duplicate group: the canonical first, then its copies.
    public struct DuplicateRow: Codable, Sendable, Equatable {
        public var group: String
        /// `canonical` or `copy`.
        public var role: String
        public var id: String
        public var title: String
        public var source: String?
        public var date: String?
        /// TF-IDF cosine to the canonical (1 for the canonical).
        public var similarity: Double
        public var containment: Double
        public var jaccard: Double
        public var sharedShingles: Int
    }

    /// One row per story.
    public struct StoryRow: Codable, Sendable, Equatable {
        public var id: String
        public var size: Int
        /// Number of distinct outlets (`sources` lists them).
        public var outlets: Int
        public var sources: [String]
        public var firstDate: String?
        public var lastDate: String?
        public var topTerms: [String]
        public var duplicateGroups: [String]
        public var headline: String
        public var headlineID: String
    }

    /// One row per topic.
    public struct TopicRow: Codable, Sendable, Equatable {
        public struct Term: Codable, Sendable, Equatable { public var term: String; public var weight: Double }
        /// 1-based, as in the table and the report.
        public var topic: Int
        /// 0-based, as `index` in topics.json.
        public var index: Int
        public var singularValue: Double
        public var explainedVarianceRatio: Double
        public var positiveTerms: [Term]
        public var negativeTerms: [Term]
    }

    // MARK: Rows

    public static func duplicateRows(_ file: DuplicatesFile, limit: Int? = nil) -> [DuplicateRow] {
        file.groups.prefix(limit ?? Int.max).flatMap { g in
            g.members.map { m in
                DuplicateRow(group: g.id, role: m.role, id: m.id, title: m.title, source: m.source, date: m.date,
                             similarity: m.similarity, containment: m.containment, jaccard: m.jaccard,
                             sharedShingles: m.sharedShingles)
            }
        }
    }

    public static func storyRows(_ file: ClustersFile, minSize: Int = 2, limit: Int? = nil) -> [StoryRow] {
        file.clusters.lazy.filter { $0.size >= minSize }.prefix(limit ?? Int.max).map { c in
            StoryRow(id: c.id, size: c.size, outlets: c.sources.count, sources: c.sources, firstDate: c.firstDate,
                     lastDate: c.lastDate, topTerms: c.topTerms.map(\.term), duplicateGroups: c.duplicateGroups,
                     headline: c.headline, headlineID: c.headlineID)
        }
    }

    public static func topicRows(_ file: TopicsFile, terms: Int = 8) -> [TopicRow] {
        file.topics.map { t in
            TopicRow(topic: t.index + 1, index: t.index, singularValue: t.singularValue,
                     explainedVarianceRatio: t.explainedVarianceRatio,
                     positiveTerms: t.positiveTerms.prefix(terms).map { .init(term: $0.term, weight: $0.weight) },
                     negativeTerms: t.negativeTerms.prefix(terms).map { .init(term: $0.term, weight: $0.weight) })
        }
    }

    // MARK: Tables

    public static func duplicatesTable(_ rows: [DuplicateRow]) -> String {
        var cells: [[String]] = [], breaks: Set<Int> = []
        var previous: String?
        for r in rows {
            let first = r.group != previous
            if first && previous != nil { breaks.insert(cells.count) }
            previous = r.group
            cells.append([first ? r.group : "", r.role, fixed(r.similarity), fixed(r.containment), fixed(r.jaccard),
                          r.date ?? "undated", r.source ?? "-", truncate(r.title, 64), r.id])
        }
        return TextTable(columns: [.left("GROUP"), .left("ROLE"), .right("SIM"), .right("CONT"), .right("JAC"),
                                   .left("DATE"), .left("SOURCE"), .left("TITLE"), .left("ID")],
                         rows: cells, breaks: breaks).render()
    }

    public static func storiesTable(_ rows: [StoryRow]) -> String {
        TextTable(columns: [.left("STORY"), .right("SIZE"), .right("OUTLETS"), .left("DATES"), .left("TERMS"), .left("HEADLINE")],
                  rows: rows.map { r in
                      [r.id, String(r.size), String(r.outlets), dateSpan(r.firstDate, r.lastDate),
                       truncate(r.topTerms.prefix(3).joined(separator: ", "), 36), truncate(r.headline, 80)]
                  }).render()
    }

    public static func topicsTable(_ rows: [TopicRow]) -> String {
        TextTable(columns: [.right("TOPIC"), .right("SIGMA"), .right("EXPLAINED"), .left("POSITIVE TERMS"), .left("NEGATIVE TERMS")],
                  rows: rows.map { r in
                      [String(r.topic), fixed(r.singularValue), String(format: "%.2f%%", r.explainedVarianceRatio * 100),
                       r.positiveTerms.map(\.term).joined(separator: ", "),
                       r.negativeTerms.isEmpty ? "-" : r.negativeTerms.map(\.term).joined(separator: ", ")]
                  }).render()
    }

    /// Pretty-printed JSON with sorted keys and a final newline, like the results files.
    public static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try ResultsWriter.encode(value), as: UTF8.self)
    }

    static func fixed(_ x: Double) -> String { String(format: "%.3f", x) }

    static func dateSpan(_ first: String?, _ last: String?) -> String {
        switch (first, last) {
        case let (f?, l?) where f != l: return "\(f)..\(l)"
        case let (f?, _): return f
        default: return "undated"
        }
    }

    static func truncate(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 3)) + "..." }
}

/// Left- and right-aligned columns separated by two spaces, a header row, optional blank lines.
public struct TextTable: Sendable {
    public struct Column: Sendable {
        public var title: String
        public var rightAligned: Bool
        public static func left(_ t: String) -> Column { Column(title: t, rightAligned: false) }
        public static func right(_ t: String) -> Column { Column(title: t, rightAligned: true) }
    }

    public var columns: [Column]
    public var rows: [[String]]
    /// Row indices that get a blank line before them.
    public var breaks: Set<Int>

    public init(columns: [Column], rows: [[String]], breaks: Set<Int> = []) {
        self.columns = columns
        self.rows = rows
        self.breaks = breaks
    }

    public func render() -> String {
        var widths = columns.map { $0.title.count }
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, column) in columns.enumerated() {
                let c = i < cells.count ? cells[i] : ""
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                let last = i == columns.count - 1
                s += column.rightAligned ? pad + c : (last ? c : c + pad)
                if !last { s += "  " }
            }
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var out = line(columns.map(\.title)) + "\n"
        for (i, r) in rows.enumerated() {
            if breaks.contains(i) { out += "\n" }
            out += line(r) + "\n"
        }
        return out
    }
}
