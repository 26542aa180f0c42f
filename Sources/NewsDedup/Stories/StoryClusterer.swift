import Foundation
import LinearAlgebra

/// Groups independently written articles about one event.
///
/// 1. Voices: each duplicate group is one voice (the normalised mean of its members' TF-IDF
///    rows), every other article is its own voice, so copies cannot outvote coverage.
/// 2. Candidates: an inverted index over each voice's strongest terms; exact cosine for the
///    voices sharing one; the best `neighbours` per voice are kept, within the date window.
/// 3. Sparse average linkage: clusters merge, best pair first, while the mean similarity over
///    all their cross pairs (pairs outside the graph count as 0) stays above the threshold.
/// Cost: O(n * indexTerms * posting) for candidates, O(edges log edges) for merging; no n x n.
public struct StoryClusterer: Sendable {
    public var configuration: StoryConfiguration

    public init(_ configuration: StoryConfiguration) {
        self.configuration = configuration
    }

    public func cluster(articles: [Article], terms: TermMatrix, duplicates: DuplicateGroups,
                        canonicalRank: [Int]) -> StoryClusters {
        let n = articles.count
        var stats = StoryStats()
        // 1. Voices.
        var voiceMembers: [[Int]] = []
        var seenGroup = Set<Int32>()
        let ordered = (0..<n).sorted { canonicalRank[$0] < canonicalRank[$1] }
        for d in ordered {
            let g = duplicates.groupOfArticle[d]
            if g < 0 { voiceMembers.append([d]) } else if seenGroup.insert(g).inserted {
                voiceMembers.append(duplicates.groups[Int(g)].members)
            }
        }
        let v = voiceMembers.count
        stats.voices = v
        let vectors = voiceMembers.map { centroid(of: $0, terms: terms) }
        let voiceDates: [(Int32, Int32)?] = voiceMembers.map { members in
            let days = members.compactMap { articles[$0].date?.daysSinceEpoch }
            return days.isEmpty ? nil : (days.min()!, days.max()!)
        }

        // 2. Candidates through an inverted index of strongest terms.
        var postings: [Int32: [Int32]] = [:]
        let strongest: [[Int32]] = vectors.map { vec in
            vec.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(configuration.indexTerms).map(\.0)
        }
        for (i, ts) in strongest.enumerated() { for t in ts { postings[t, default: []].append(Int32(i)) } }
        let window = Int32(configuration.windowDays)
        let edgeChunks = Parallel.mapChunks(v) { range -> ([(Int32, Int32, Double)], Int) in
            var out: [(Int32, Int32, Double)] = []
            var candidates = 0
            var seen = Set<Int32>()
            for i in range {
                seen.removeAll(keepingCapacity: true)
                for t in strongest[i] {
                    guard let list = postings[t], list.count <= configuration.maxPosting else { continue }
                    for j in list where Int(j) != i { seen.insert(j) }
                }
                candidates += seen.count
                var scored: [(Int32, Double)] = []
                for j in seen {
                    if let a = voiceDates[i], let b = voiceDates[Int(j)] {
                        if b.0 - a.1 > window || a.0 - b.1 > window { continue }
                    }
                    let s = StoryClusterer.dot(vectors[i], vectors[Int(j)])
                    if s > 0 { scored.append((j, s)) }
                }
                scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                for (j, s) in scored.prefix(configuration.neighbours) {
                    out.append((Int32(min(i, Int(j))), Int32(max(i, Int(j))), s))
                }
            }
            return (out, candidates)
        }
        var edgeMap: [UInt64: Double] = [:]
        for (chunk, c) in edgeChunks {
            stats.candidatePairs += c
            for (a, b, s) in chunk { edgeMap[UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))] = s }
        }
        stats.edges = edgeMap.count

        // 3. Sparse average linkage.
        let (labels, merges) = averageLinkage(voiceCount: v, edges: edgeMap, weights: voiceMembers.map { _ in 1 },
                                              threshold: configuration.threshold)
        stats.merges = merges

        // Assemble clusters of articles.
        var byLabel: [Int: [Int]] = [:]
        for i in 0..<v { byLabel[labels[i], default: []].append(contentsOf: voiceMembers[i]) }
        var clusters: [StoryCluster] = []
        for (_, members) in byLabel {
            let sorted = members.sorted { canonicalRank[$0] < canonicalRank[$1] }
            clusters.append(makeCluster(sorted, articles: articles, terms: terms, duplicates: duplicates))
        }
        clusters.sort { a, b in
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            return canonicalRank[a.members[0]] < canonicalRank[b.members[0]]
        }
        var clusterOf = [Int32](repeating: -1, count: n)
        for (ci, c) in clusters.enumerated() { for m in c.members { clusterOf[m] = Int32(ci) } }
        stats.clusters = clusters.count
        stats.multiArticleClusters = clusters.filter { $0.members.count > 1 }.count
        return StoryClusters(clusters: clusters, clusterOfArticle: clusterOf, stats: stats)
    }

    /// Merges the pair of clusters with the highest average similarity first; deterministic
    /// (ties by smaller label pair). Returns a label per voice and the number of merges.
    func averageLinkage(voiceCount v: Int, edges: [UInt64: Double], weights: [Int], threshold: Double) -> ([Int], Int) {
        var size = [Double](repeating: 1, count: v)
        var links = [[Int: Double]](repeating: [:], count: v)   // cluster -> (cluster -> summed similarity)
        for (key, s) in edges {
            let a = Int(key >> 32), b = Int(key & 0xFFFF_FFFF)
            links[a][b, default: 0] += s
            links[b][a, default: 0] += s
        }
        var parent = Array(0..<v)
        var alive = [Bool](repeating: true, count: v)
        var heap = Heap<(Double, Int, Int)>(by: { a, b in a.0 != b.0 ? a.0 > b.0 : (a.1 != b.1 ? a.1 < b.1 : a.2 < b.2) })
        for a in 0..<v { for (b, s) in links[a] where a < b && s / (size[a] * size[b]) >= threshold { heap.push((s, a, b)) } }
        var merges = 0
        while let (avg, a, b) = heap.pop() {
            guard alive[a], alive[b], let s = links[a][b] else { continue }
            let current = s / (size[a] * size[b])
            if abs(current - avg) > 1e-12 { continue }   // stale entry
            if current < threshold { continue }
            // Merge b into a.
            merges += 1
            alive[b] = false
            parent[b] = a
            size[a] += size[b]
            links[a][b] = nil
            for (c, sc) in links[b] where c != a {
                links[c][b] = nil
                let total = (links[a][c] ?? 0) + sc
                links[a][c] = total
                links[c][a] = total
            }
            links[b] = [:]
            for (c, sc) in links[a] {
                let avg = sc / (size[a] * size[c])
                if avg >= threshold { heap.push((avg, min(a, c), max(a, c))) }
            }
        }
        func root(_ x: Int) -> Int { var r = x; while parent[r] != r { r = parent[r] }; return r }
        return ((0..<v).map(root), merges)
        // Note: heap entries store the average; stale ones are skipped by recomputation.
    }

    func centroid(of members: [Int], terms: TermMatrix) -> [(Int32, Double)] {
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

    static func dot(_ a: [(Int32, Double)], _ b: [(Int32, Double)]) -> Double {
        var i = 0, j = 0, s = 0.0
        while i < a.count && j < b.count {
            if a[i].0 == b[j].0 { s += a[i].1 * b[j].1; i += 1; j += 1 } else if a[i].0 < b[j].0 { i += 1 } else { j += 1 }
        }
        return s
    }

    func makeCluster(_ members: [Int], articles: [Article], terms: TermMatrix, duplicates: DuplicateGroups) -> StoryCluster {
        let c = centroid(of: members, terms: terms)
        var similarity: [Double] = []
        for m in members {
            let row = (terms.matrix.rowStart[m]..<terms.matrix.rowStart[m + 1]).map { (terms.matrix.columnIndex[$0], terms.matrix.values[$0]) }
            similarity.append(StoryClusterer.dot(row, c))
        }
        // Headline: the member nearest the centroid, canonicals of duplicate groups preferred.
        var best = 0
        func key(_ i: Int) -> (Int, Double) {
            let m = members[i]
            let g = duplicates.groupOfArticle[m]
            let isCopy = g >= 0 && duplicates.groups[Int(g)].canonical != m
            return (isCopy ? 0 : 1, similarity[i])
        }
        for i in members.indices.dropFirst() {
            let (ka, sa) = key(i), (kb, sb) = key(best)
            if ka > kb || (ka == kb && sa > sb + 1e-12) { best = i }
        }
        let top = c.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(configuration.topTerms)
            .map { (term: terms.vocabulary[Int($0.0)], weight: $0.1) }
        let groups = Set(members.compactMap { duplicates.groupOfArticle[$0] >= 0 ? Int(duplicates.groupOfArticle[$0]) : nil }).sorted()
        // Id: from the founding member (first in canonical order), so a story keeps it as it grows.
        let id = "story-" + ShingleHash.hex(ShingleHash.mix(ShingleHash.fnv1a(articles[members[0]].id.utf8))).prefix(12)
        return StoryCluster(id: String(id), members: members, headline: members[best], similarity: similarity,
                            topTerms: top, duplicateGroups: groups)
    }
}
