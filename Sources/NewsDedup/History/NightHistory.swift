import Foundation
import GRDB
import LinearAlgebra

/// Where and as which night a run keeps its history (docs/nightly.md).
public struct HistoryOptions: Sendable, Equatable {
    /// The state folder holding `history.sqlite` and the lock file.
    public var stateFolder: String
    /// The night this run is; nil: derived from the input (`NightHistory.deriveNight`).
    public var night: Day?

    public init(stateFolder: String, night: Day? = nil) {
        self.stateFolder = stateFolder
        self.night = night
    }
}

/// One duplicate group whose canonical came from an earlier night.
struct CrossNightGroup: Sendable {
    /// Index in `PipelineState.duplicates.groups` (after `NightHistory.apply`).
    var group: Int
    var canonical: HistoryStore.PastArticle
    /// Evidence of each tonight member against the earlier canonical, parallel to the group's members.
    var evidence: [PairEvidence]
}

/// One of tonight's stories that continues an earlier one.
struct StoryContinuation: Sendable {
    var cluster: Int
    var id: String
    var firstNight: String
    var previousNight: String
    /// `copy` (a member copies an article of the earlier story) or `centroid`.
    var via: String
    var similarity: Double
    var previous: HistoryStore.PastStory
}

/// What tonight's run learnt from the history, and what it will store.
struct NightLinks: Sendable {
    var night: String
    var earlierNights: [String]
    var cutoff: String
    var groups: [CrossNightGroup]
    var stories: [StoryContinuation]
    var lookups: [String: Int]
    /// Rows to commit for tonight.
    var articles: [ArticleRow]
    var storyRows: [StoryRow]

    struct ArticleRow: Sendable {
        var id: String, title: String, source: String?, date: String?
        var groupID: String?, canonicalID: String?, canonicalNight: String?
        var storyID: String
        var shingles: [UInt32]
        var terms: [(String, Double)]
        var bandKeys: [UInt64]
    }

    struct StoryRow: Sendable {
        var id: String, firstNight: String, firstDate: String?, lastDate: String?, size: Int, headline: String
        var terms: [(String, Double)]
    }
}

/// The history step: links tonight's articles and stories to earlier nights through the state
/// database, rewrites tonight's group and story ids accordingly, and commits tonight's rows.
/// Cost: linear in tonight's articles plus indexed look-ups (band keys, story terms); earlier
/// nights are never recomputed.
struct NightHistory {
    let store: HistoryStore
    let configuration: Configuration
    let night: Day

    /// The night of a run without `--night`: the most common article date (ties: the later),
    /// so that a few stray or far-future dates cannot move it; today's UTC date when no article
    /// has a date.
    static func deriveNight(_ articles: [Article], today: Date = Date()) -> Day {
        var count: [Int32: Int] = [:]
        for a in articles { if let d = a.date { count[d.daysSinceEpoch, default: 0] += 1 } }
        if let best = count.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }) {
            return Day(daysSinceEpoch: best.key)
        }
        return Day(daysSinceEpoch: Int32((today.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    static func saltedID(_ prefix: String, _ founder: String, night: String) -> String {
        prefix + ShingleHash.hex(ShingleHash.mix(ShingleHash.fnv1a((founder + "@" + night).utf8))).prefix(12)
    }

    // MARK: - Tonight's compact features

    struct Features {
        var shingles: [[UInt32]]
        var terms: [[(String, Double)]]
        var bandKeys: [[UInt64]]
    }

    /// Strongest `k` entries by weight (ties by term), renormalised to unit length.
    static func top(_ entries: [(String, Double)], _ k: Int) -> [(String, Double)] {
        let best = entries.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.prefix(k)
        let norm = best.reduce(0) { $0 + $1.1 * $1.1 }.squareRoot()
        return norm > 0 ? best.map { ($0.0, $0.1 / norm) } : []
    }

    static func dot(_ a: [(String, Double)], _ b: [(String, Double)]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        let lookup = Dictionary(b, uniquingKeysWith: { x, _ in x })
        // Summed in a's order (sorted by weight, then term): deterministic.
        return a.reduce(0) { $0 + $1.1 * (lookup[$1.0] ?? 0) }
    }

    static func intersection(_ a: [UInt32], _ b: [UInt32]) -> Int {
        var i = 0, j = 0, n = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { n += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return n
    }

    func features(_ state: PipelineState) -> Features {
        let n = state.corpus.articles.count
        let copies = configuration.copies
        let bins = copies.signatureBins
        let lsh = LSHParameters.derive(bins: bins, targetJaccard: copies.targetJaccard, recall: copies.candidateRecall)
        let signatures = Signatures.compute(kept: state.kept, bins: bins)
        let kept = state.kept, terms = state.terms, k = configuration.history.articleTerms
        let chunks = Parallel.mapChunks(n) { range -> [([UInt32], [(String, Double)], [UInt64])] in
            range.map { d in
                var s = kept.shingles(of: d).map { UInt32(truncatingIfNeeded: $0) }
                s.sort()
                var unique: [UInt32] = []
                unique.reserveCapacity(s.count)
                for x in s where unique.last != x { unique.append(x) }
                var keys: [UInt64] = []
                if kept.shingles(of: d).count >= copies.minSharedShingles {
                    for band in 0..<lsh.bands {
                        let first = d * bins + band * lsh.rows
                        keys.append(LSHIndex.bandKey(signatures.values[first..<(first + lsh.rows)], band: band))
                    }
                }
                let m = terms.matrix
                var row: [(String, Double)] = []
                if d < m.rows {
                    for p in m.rowStart[d]..<m.rowStart[d + 1] { row.append((terms.vocabulary[Int(m.columnIndex[p])], m.values[p])) }
                }
                return (unique, NightHistory.top(row, k), keys)
            }
        }
        var f = Features(shingles: [], terms: [], bandKeys: [])
        for chunk in chunks {
            for (s, t, b) in chunk { f.shingles.append(s); f.terms.append(t); f.bandKeys.append(b) }
        }
        return f
    }

    // MARK: - Linking

    /// Looks tonight up in the history, rewrites group and story ids in `state`, and returns the
    /// links and the rows to commit. Reads only nights in [night - retentionDays, night).
    func link(_ state: inout PipelineState) throws -> NightLinks {
        let nightText = night.iso
        let cutoff = Day(daysSinceEpoch: night.daysSinceEpoch - Int32(configuration.history.retentionDays)).iso
        let articles = state.corpus.articles
        let n = articles.count
        let f = features(state)
        let detector = CopyDetector(configuration.copies)
        var lookups: [String: Int] = [:]
        let earlier = try store.queue.read { db in
            try String.fetchAll(db, sql: "SELECT night FROM night WHERE night < ? AND night >= ? ORDER BY night",
                                arguments: [nightText, cutoff])
        }

        // 1. Candidate (tonight article, earlier article) pairs sharing an LSH band key.
        var pairs: [(Int, Int64)] = []
        var past: [Int64: HistoryStore.PastArticle] = [:]
        var canonicalCache: [String: HistoryStore.PastArticle?] = [:]
        var pastStoryIDs = Set<String>()
        var pastArticleIDs = Set<String>()
        try store.queue.inDatabase { db in try db.inTransaction(.deferred) {
            // One transaction for the temporary tables, rolled back: nothing of the state changes.
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS tonight_key (key INTEGER NOT NULL, doc INTEGER NOT NULL); DELETE FROM tonight_key;")
            // All of tonight's keys in one statement (a JSON array of [key, article] pairs read by
            // SQLite's json_each), not one insert per key.
            var pairsJSON = "["
            pairsJSON.reserveCapacity(n * 128 * 26)
            // Sorted by key, so that the join walks the band index in order.
            var tonightKeys: [(Int64, Int32)] = []
            tonightKeys.reserveCapacity(n * 128)
            for d in 0..<n { for key in f.bandKeys[d] { tonightKeys.append((Int64(bitPattern: key), Int32(d))) } }
            tonightKeys.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            var first = true
            for (key, d) in tonightKeys {
                if !first { pairsJSON += "," }
                first = false
                pairsJSON += "["
                pairsJSON += String(key)
                pairsJSON += ","
                pairsJSON += String(d)
                pairsJSON += "]"
            }
            pairsJSON += "]"
            try db.execute(sql: """
                INSERT INTO tonight_key (key, doc)
                SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
                """, arguments: [pairsJSON])
            let rows = try Row.fetchCursor(db, sql: """
                SELECT t.key AS key, t.doc AS doc, b.aid AS aid
                FROM tonight_key t CROSS JOIN band b ON b.key = t.key CROSS JOIN article a ON a.aid = b.aid
                WHERE a.night < ? AND a.night >= ?
                ORDER BY t.key, t.doc, b.aid
                """, arguments: [nightText, cutoff])
            // Group by key: a bucket holding more earlier articles than maxBucketSize is common text.
            var currentKey: Int64? = nil
            var docs: [Int] = [], aids: [Int64] = []
            var found = Set<UInt64>()
            var oversized = 0
            func flush() {
                // Rows come sorted by (doc, aid) within a key.
                var uniqueAids = aids
                if uniqueAids.count > 1 { uniqueAids = Array(Set(aids)).sorted() }
                if uniqueAids.count > configuration.copies.maxBucketSize { oversized += 1 } else {
                    var last = -1
                    for d in docs where d != last {
                        last = d
                        for a in uniqueAids { found.insert(UInt64(d) << 40 | UInt64(a)) }
                    }
                }
                docs.removeAll(keepingCapacity: true); aids.removeAll(keepingCapacity: true)
            }
            while let row = try rows.next() {
                let key: Int64 = row[0]
                if key != currentKey { if currentKey != nil { flush() }; currentKey = key }
                docs.append(row[1]); aids.append(row[2])
            }
            if currentKey != nil { flush() }
            try db.execute(sql: "DROP TABLE tonight_key")
            pairs = found.sorted().map { (Int($0 >> 40), Int64($0 & 0xFF_FFFF_FFFF)) }
            lookups["candidatePairs"] = pairs.count
            lookups["oversizedBuckets"] = oversized
            let fetch = try db.makeStatement(sql: "SELECT \(HistoryStore.articleColumns) FROM article WHERE aid = ?")
            for aid in Set(pairs.map(\.1)).sorted() {
                if let row = try Row.fetchOne(fetch, arguments: [aid]) { past[aid] = HistoryStore.pastArticle(row) }
            }
            // Ids already used by earlier nights (tonight must not reuse one for something else).
            let storyExists = try db.makeStatement(sql: "SELECT 1 FROM story WHERE story_id = ? AND night < ? AND night >= ? LIMIT 1")
            for c in state.stories.clusters where try Int.fetchOne(storyExists, arguments: [c.id, nightText, cutoff]) != nil {
                pastStoryIDs.insert(c.id)
            }
            let idExists = try db.makeStatement(sql: "SELECT 1 FROM article WHERE id = ? AND night < ? AND night >= ? LIMIT 1")
            for g in state.duplicates.groups {
                let cid = articles[g.canonical].id
                if try Int.fetchOne(idExists, arguments: [cid, nightText, cutoff]) != nil { pastArticleIDs.insert(cid) }
            }
            for c in state.stories.clusters {
                let fid = articles[c.members[0]].id
                if try Int.fetchOne(idExists, arguments: [fid, nightText, cutoff]) != nil { pastArticleIDs.insert(fid) }
            }
            return .rollback
        } }
        func canonical(of p: HistoryStore.PastArticle) throws -> HistoryStore.PastArticle {
            guard p.groupID != nil, let cid = p.canonicalID, let cn = p.canonicalNight, !(cid == p.id && cn == p.night) else { return p }
            let key = cn + "\u{1F}" + cid
            if let cached = canonicalCache[key] { return cached ?? p }
            let found = try store.queue.read { db in
                try Row.fetchOne(db, sql: "SELECT \(HistoryStore.articleColumns) FROM article WHERE night = ? AND id = ? AND night >= ?",
                                 arguments: [cn, cid, cutoff]).map(HistoryStore.pastArticle)
            }
            canonicalCache[key] = .some(found)
            // Pruned by retention: the matched member stands in for it.
            return found ?? p
        }
        var termLookup: [Int64: [String: Double]] = [:]
        func evidence(_ d: Int, _ p: HistoryStore.PastArticle, full: Bool = false) -> PairEvidence {
            let shared = NightHistory.intersection(f.shingles[d], p.shingles)
            // The cosine only matters once the shingles pass (the rule needs all three).
            var cosine = 0.0
            if full || shared >= configuration.copies.minSharedShingles {
                let lookup = termLookup[p.aid] ?? Dictionary(p.terms, uniquingKeysWith: { x, _ in x })
                termLookup[p.aid] = lookup
                cosine = f.terms[d].reduce(0) { $0 + $1.1 * (lookup[$1.0] ?? 0) }
            }
            return PairEvidence(shared: shared, sizeA: f.shingles[d].count, sizeB: p.shingles.count, cosine: cosine)
        }

        // 2. Verify; resolve each match to its group's canonical (verified against it too, so
        //    nothing chains through a partial copy).
        struct Link { var groupID: String; var canonical: HistoryStore.PastArticle; var matched: HistoryStore.PastArticle }
        var links = [[Link]](repeating: [], count: n)
        var verified = 0
        for (d, aid) in pairs {
            guard let p = past[aid] else { continue }
            guard detector.isCopy(evidence(d, p)) else { continue }
            verified += 1
            let c = try canonical(of: p)
            if c.aid != p.aid && !detector.isCopy(evidence(d, c)) { continue }
            let gid = p.groupID ?? CopyDetector.groupID(canonicalID: p.id)
            links[d].append(Link(groupID: gid, canonical: c, matched: p))
        }
        lookups["verifiedPairs"] = verified
        func earlierFirst(_ a: Link, _ b: Link) -> Bool {
            let ka = (a.canonical.night, a.canonical.date ?? "~", a.canonical.id), kb = (b.canonical.night, b.canonical.date ?? "~", b.canonical.id)
            if ka != kb { return ka < kb }
            return a.groupID < b.groupID
        }

        // 3. Units (tonight's groups, and articles outside them) join the earliest earlier group
        //    any member copies; units joining one earlier group become one group.
        var rank = [Int](repeating: 0, count: n)
        for (r, d) in state.canonicalOrder.enumerated() { rank[d] = r }
        let dup = state.duplicates
        var units: [[Int]] = dup.groups.map(\.members)
        for d in 0..<n where dup.groupOfArticle[d] < 0 && !links[d].isEmpty { units.append([d]) }
        var joined: [String: (canonical: HistoryStore.PastArticle, units: [Int])] = [:]
        var unitGroup = [String?](repeating: nil, count: units.count)
        for (u, members) in units.enumerated() {
            guard let best = members.flatMap({ links[$0] }).min(by: earlierFirst) else { continue }
            unitGroup[u] = best.groupID
            joined[best.groupID, default: (best.canonical, [])].units.append(u)
        }
        // Rebuild the groups: tonight's groups in their order (a joined group at its first
        // unit's place), then groups formed only of articles outside tonight's groups, by rank.
        var newGroups: [DuplicateGroup] = []
        var crossGroups: [CrossNightGroup] = []
        var placed = Set<String>()
        func makeJoined(_ gid: String) {
            guard placed.insert(gid).inserted, let entry = joined[gid] else { return }
            let members = entry.units.flatMap { units[$0] }.sorted { rank[$0] < rank[$1] }
            let ev = members.map { evidence($0, entry.canonical, full: true) }
            crossGroups.append(CrossNightGroup(group: newGroups.count, canonical: entry.canonical, evidence: ev))
            newGroups.append(DuplicateGroup(id: gid, canonical: members[0], members: members, evidence: ev))
        }
        for (gi, g) in dup.groups.enumerated() {
            if let gid = unitGroup[gi] { makeJoined(gid); continue }
            var g = g
            let cid = articles[g.canonical].id
            if pastArticleIDs.contains(cid) { g.id = NightHistory.saltedID("dup-", cid, night: nightText) }
            newGroups.append(g)
        }
        let singles = (dup.groups.count..<units.count).filter { unitGroup[$0] != nil }.sorted { rank[units[$0][0]] < rank[units[$1][0]] }
        for u in singles { makeJoined(unitGroup[u]!) }
        var groupOf = [Int32](repeating: -1, count: n)
        for (gi, g) in newGroups.enumerated() { for m in g.members { groupOf[m] = Int32(gi) } }
        state.duplicates.groups = newGroups
        state.duplicates.groupOfArticle = groupOf
        for ci in state.stories.clusters.indices {
            state.stories.clusters[ci].duplicateGroups = Array(Set(state.stories.clusters[ci].members.compactMap {
                groupOf[$0] >= 0 ? Int(groupOf[$0]) : nil })).sorted()
        }
        lookups["crossNightGroups"] = crossGroups.count

        // 4. Stories: tonight's story continues an earlier one when a member copies one of its
        //    articles, or when their centroids are close enough within the date window.
        let clusters = state.stories.clusters
        let storyTerms: [[(String, Double)]] = clusters.map { c in
            let centroid = NightHistory.centroid(of: c.members, terms: state.terms)
            return NightHistory.top(centroid.map { (state.terms.vocabulary[Int($0.0)], $0.1) }, configuration.history.storyTerms)
        }
        func dateRange(_ c: StoryCluster) -> (String?, String?) {
            let dates = c.members.compactMap { articles[$0].date }
            return (dates.min()?.iso, dates.max()?.iso)
        }
        struct Candidate { var cluster: Int; var story: String; var score: Double; var via: String }
        var candidates: [Candidate] = []
        for (ci, c) in clusters.enumerated() {
            var count: [String: Int] = [:]
            for m in c.members { for l in links[m] { count[l.matched.storyID, default: 0] += 1 } }
            for (sid, k) in count { candidates.append(Candidate(cluster: ci, story: sid, score: 2 + Double(k) / Double(c.members.count + k), via: "copy")) }
        }
        var latest: [String: HistoryStore.PastStory] = [:]
        try store.queue.inDatabase { db in try db.inTransaction(.deferred) {
            // One transaction for the temporary tables, rolled back: nothing of the state changes.
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS tonight_term (story INTEGER NOT NULL, term TEXT NOT NULL, weight REAL NOT NULL); DELETE FROM tonight_term;")
            let triples: [[JSONValue]] = storyTerms.enumerated().flatMap { ci, t in t.map { [.int(ci), .string($0.0), .double($0.1)] } }
            try db.execute(sql: """
                INSERT INTO tonight_term (story, term, weight)
                SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?)
                """, arguments: [String(decoding: try JSONEncoder().encode(triples), as: UTF8.self)])
            // Cosines of the cut centroids over shared terms, summed by SQLite (in the same order
            // for the same database and input: deterministic), kept from the bar up.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT t.story AS story, s.story_id AS story_id, s.night AS night, SUM(t.weight * s.weight) AS score
                FROM tonight_term t CROSS JOIN story_term s ON s.term = t.term AND s.night < ? AND s.night >= ?
                GROUP BY t.story, s.story_id, s.night
                HAVING score >= ?
                ORDER BY t.story, s.story_id, s.night
                """, arguments: [nightText, cutoff, configuration.history.storyMinCosine])
            var matches: [(Int, String, String, Double)] = []
            while let row = try rows.next() { matches.append((row[0], row[1], row[2], row[3])) }
            try db.execute(sql: "DROP TABLE tonight_term")
            lookups["storyMatches"] = matches.count
            let snapshot = try db.makeStatement(sql: """
                SELECT story_id, night, first_night, first_date, last_date, size FROM story
                WHERE story_id = ? AND night < ? AND night >= ? ORDER BY night DESC LIMIT 1
                """)
            func latestSnapshot(_ sid: String) throws -> HistoryStore.PastStory? {
                if let s = latest[sid] { return s }
                guard let row = try Row.fetchOne(snapshot, arguments: [sid, nightText, cutoff]) else { return nil }
                let s = HistoryStore.PastStory(id: row["story_id"], night: row["night"], firstNight: row["first_night"],
                                               firstDate: row["first_date"], lastDate: row["last_date"], size: row["size"])
                latest[sid] = s
                return s
            }
            for (ci, sid, sn, score) in matches {
                guard let snap = try latestSnapshot(sid), snap.night == sn else { continue }   // only the latest snapshot counts
                candidates.append(Candidate(cluster: ci, story: sid, score: score, via: "centroid"))
            }
            for c in candidates where c.via == "copy" { _ = try latestSnapshot(c.story) }
            return .rollback
        } }
        // Date window: the earlier story's last date (or night) within windowDays of tonight's first.
        let window = Int32(configuration.stories.windowDays)
        candidates = candidates.filter { cand in
            guard let snap = latest[cand.story] else { return false }
            let tonightFirst = dateRange(clusters[cand.cluster]).0.flatMap { Day(iso: $0) } ?? night
            let pastLast = snap.lastDate.flatMap { Day(iso: $0) } ?? Day(iso: snap.night) ?? night
            return cand.via == "copy" || tonightFirst.daysSinceEpoch - pastLast.daysSinceEpoch <= window
        }
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.cluster != b.cluster { return a.cluster < b.cluster }
            return a.story < b.story
        }
        var continued: [Int: StoryContinuation] = [:]
        var used = Set<String>()
        for cand in candidates where continued[cand.cluster] == nil && !used.contains(cand.story) {
            let snap = latest[cand.story]!
            used.insert(cand.story)
            continued[cand.cluster] = StoryContinuation(cluster: cand.cluster, id: cand.story, firstNight: snap.firstNight,
                                                        previousNight: snap.night, via: cand.via,
                                                        similarity: cand.via == "copy" ? 1 : cand.score, previous: snap)
        }
        for ci in clusters.indices {
            if let c = continued[ci] { state.stories.clusters[ci].id = c.id; continue }
            let id = clusters[ci].id
            if pastStoryIDs.contains(id) || used.contains(id) || pastArticleIDs.contains(articles[clusters[ci].members[0]].id) {
                state.stories.clusters[ci].id = NightHistory.saltedID("story-", articles[clusters[ci].members[0]].id, night: nightText)
            }
        }
        lookups["continuedStories"] = continued.count

        // 5. Tonight's rows.
        var rows: [NightLinks.ArticleRow] = []
        rows.reserveCapacity(n)
        let crossByGroup = Dictionary(uniqueKeysWithValues: crossGroups.map { ($0.group, $0) })
        for d in 0..<n {
            let a = articles[d]
            let g = groupOf[d]
            var groupID: String?, cid: String?, cnight: String?
            if g >= 0 {
                let group = state.duplicates.groups[Int(g)]
                groupID = group.id
                if let cross = crossByGroup[Int(g)] { cid = cross.canonical.id; cnight = cross.canonical.night } else {
                    cid = articles[group.canonical].id; cnight = nightText
                }
            }
            let ci = Int(state.stories.clusterOfArticle[d])
            rows.append(.init(id: a.id, title: a.title, source: a.source, date: a.date?.iso, groupID: groupID,
                              canonicalID: cid, canonicalNight: cnight, storyID: state.stories.clusters[ci].id,
                              shingles: f.shingles[d], terms: f.terms[d], bandKeys: f.bandKeys[d]))
        }
        var storyRows: [NightLinks.StoryRow] = []
        for (ci, c) in state.stories.clusters.enumerated() {
            var (first, last) = dateRange(c)
            var firstNight = nightText, size = c.members.count
            if let cont = continued[ci] {
                firstNight = cont.firstNight
                size += cont.previous.size
                if let p = cont.previous.firstDate, first == nil || p < first! { first = p }
                if let p = cont.previous.lastDate, last == nil || p > last! { last = p }
            }
            storyRows.append(.init(id: c.id, firstNight: firstNight, firstDate: first, lastDate: last, size: size,
                                   headline: articles[c.headline].title, terms: storyTerms[ci]))
        }
        return NightLinks(night: nightText, earlierNights: earlier, cutoff: cutoff, groups: crossGroups,
                          stories: continued.keys.sorted().map { continued[$0]! }, lookups: lookups,
                          articles: rows, storyRows: storyRows)
    }

    /// A JSON scalar, for handing many rows to SQLite in one statement.
    enum JSONValue: Encodable {
        case int(Int), string(String), double(Double)
        func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case let .int(i): try c.encode(i)
            case let .string(s): try c.encode(s)
            case let .double(d): try c.encode(d)
            }
        }
    }

    // MARK: - Commit

    /// Replaces tonight's rows and prunes nights before the retention cutoff, in one transaction.
    /// Returns the nights pruned.
    @discardableResult
    func commit(_ links: NightLinks) throws -> [String] {
        try store.queue.write { db in
            let pruned = try String.fetchAll(db, sql: "SELECT night FROM night WHERE night < ? ORDER BY night", arguments: [links.cutoff])
            for (op, value) in [("=", links.night), ("<", links.cutoff)] {
                try db.execute(sql: "DELETE FROM band WHERE aid IN (SELECT aid FROM article WHERE night \(op) ?)", arguments: [value])
                try db.execute(sql: "DELETE FROM article WHERE night \(op) ?", arguments: [value])
                try db.execute(sql: "DELETE FROM story_term WHERE night \(op) ?", arguments: [value])
                try db.execute(sql: "DELETE FROM story WHERE night \(op) ?", arguments: [value])
                try db.execute(sql: "DELETE FROM night WHERE night \(op) ?", arguments: [value])
            }
            let insertArticle = try db.makeStatement(sql: """
                INSERT INTO article (night, id, title, source, date, group_id, canonical_id, canonical_night, story_id, shingles, terms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertBand = try db.makeStatement(sql: "INSERT OR IGNORE INTO band (key, aid) VALUES (?, ?)")
            var bands: [(Int64, Int64)] = []
            bands.reserveCapacity(links.articles.count * 128)
            for (i, a) in links.articles.enumerated() {
                try insertArticle.execute(arguments: [links.night, a.id, a.title, a.source, a.date, a.groupID, a.canonicalID,
                                                      a.canonicalNight, a.storyID, HistoryStore.encodeShingles(a.shingles),
                                                      HistoryStore.encodeTerms(a.terms)])
                let aid = db.lastInsertedRowID
                for key in a.bandKeys { bands.append((Int64(bitPattern: key), aid)) }
                if i == links.articles.count / 2 { TestHooks.reached("commit") }
            }
            // In key order: the band B-tree fills from left to right instead of at random places.
            bands.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            for (key, aid) in bands { try insertBand.execute(arguments: [key, aid]) }
            if links.articles.isEmpty { TestHooks.reached("commit") }
            let insertStory = try db.makeStatement(sql: """
                INSERT INTO story (story_id, night, first_night, first_date, last_date, size, headline) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            let insertTerm = try db.makeStatement(sql: "INSERT OR IGNORE INTO story_term (term, night, story_id, weight) VALUES (?, ?, ?, ?)")
            for s in links.storyRows {
                try insertStory.execute(arguments: [s.id, links.night, s.firstNight, s.firstDate, s.lastDate, s.size, s.headline])
                for (term, w) in s.terms { try insertTerm.execute(arguments: [term, links.night, s.id, w]) }
            }
            try db.execute(sql: "INSERT INTO night (night, articles, stories, groups) VALUES (?, ?, ?, ?)",
                           arguments: [links.night, links.articles.count, links.storyRows.count,
                                       Set(links.articles.compactMap(\.groupID)).count])
            return pruned
        }
    }

    /// The unit-length mean of `members`' TF-IDF rows, as (column, weight) sorted by column.
    static func centroid(of members: [Int], terms: TermMatrix) -> [(Int32, Double)] {
        var acc: [Int32: Double] = [:]
        for m in members {
            for p in terms.matrix.rowStart[m]..<terms.matrix.rowStart[m + 1] {
                acc[terms.matrix.columnIndex[p], default: 0] += terms.matrix.values[p]
            }
        }
        var vec = acc.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let norm = vec.reduce(0) { $0 + $1.1 * $1.1 }.squareRoot()
        if norm > 0 { for i in vec.indices { vec[i].1 /= norm } }
        return vec
    }
}
