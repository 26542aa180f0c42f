import Foundation
import LinearAlgebra

/// Groups independently written articles about one event.
///
/// 1. Voices: each duplicate group is one voice (the normalised mean of its members' TF-IDF
///    rows), every other article is its own voice, so copies cannot outvote coverage.
/// 2. Candidates: an inverted index finds the voices containing one of a voice's strongest
///    terms; exact cosine for those; the best `neighbours` per voice are kept, within the date
///    window. Each voice's local scale is its mean cosine to its 5 nearest voices.
/// 3. Sparse average linkage on locally scaled similarity (CSLS): clusters merge, best pair
///    first, while they are closer to each other than their members are to their usual
///    neighbours (pairs outside the graph count as cosine 0).
/// Cost: O(n * indexTerms * posting) for candidates, O(edges log edges) for merging; no n x n.
public struct StoryClusterer: Sendable {
    public var configuration: StoryConfiguration

    public init(_ configuration: StoryConfiguration) {
        self.configuration = configuration
    }

    /// `reduced`: the articles' SVD vectors (articles x components), mixed into the similarity
    /// with `configuration.reducedWeight`.
    public func cluster(articles: [Article], terms: TermMatrix, duplicates: DuplicateGroups,
                        canonicalRank: [Int], reduced: Matrix? = nil) -> StoryClusters {
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
        let w = reduced == nil ? 0 : min(1, max(0, configuration.reducedWeight))
        let reducedVoices: [[Double]] = w == 0 ? [] : voiceMembers.map { members in
            let r = reduced!
            var acc = [Double](repeating: 0, count: r.columns)
            for m in members { for c in 0..<r.columns { acc[c] += r.elements[m + c * r.rows] } }
            let norm = acc.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? acc.map { $0 / norm } : acc
        }
        func similarity(_ i: Int, _ j: Int) -> Double {
            let s = StoryClusterer.dot(vectors[i], vectors[j])
            if w == 0 { return s }
            var r = 0.0
            for c in 0..<reducedVoices[i].count { r += reducedVoices[i][c] * reducedVoices[j][c] }
            return (1 - w) * s + w * r
        }
        let voiceDates: [(Int32, Int32)?] = voiceMembers.map { members in
            let days = members.compactMap { articles[$0].date?.daysSinceEpoch }
            return days.isEmpty ? nil : (days.min()!, days.max()!)
        }

        // 2. Candidates through an inverted index, as a search engine ranks documents: the
        //    voices sharing one of a voice's strongest terms accumulate the partial dot product
        //    over those terms; only the best `candidates` of them get an exact similarity.
        //    Terms in more than `maxPosting` voices are skipped.
        var postings: [Int32: [(Int32, Float)]] = [:]
        for (i, vec) in vectors.enumerated() { for (t, w) in vec { postings[t, default: []].append((Int32(i), Float(w))) } }
        let strongest: [[(Int32, Double)]] = vectors.map { vec in
            Array(vec.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(configuration.indexTerms))
        }
        let window = Int32(configuration.windowDays)
        let k = max(1, configuration.localScaleNeighbours)
        let shortlist = max(configuration.candidates, configuration.neighbours, k)
        let neighbourChunks = Parallel.mapChunks(v) { range -> ([[(Int32, Double)]], Int) in
            var out: [[(Int32, Double)]] = []
            var candidates = 0
            var partial = [Float](repeating: 0, count: v)
            var touched: [Int32] = []
            for i in range {
                for (t, wi) in strongest[i] {
                    guard let list = postings[t], list.count <= configuration.maxPosting else { continue }
                    for (j, wj) in list where Int(j) != i {
                        if partial[Int(j)] == 0 { touched.append(j) }
                        partial[Int(j)] += Float(wi) * wj
                    }
                }
                candidates += touched.count
                var ranked = touched.map { ($0, partial[Int($0)]) }
                for j in touched { partial[Int(j)] = 0 }
                touched.removeAll(keepingCapacity: true)
                if ranked.count > shortlist {
                    StoryClusterer.selectBest(&ranked, shortlist)
                    ranked.removeLast(ranked.count - shortlist)
                }
                var scored: [(Int32, Double)] = []
                for (j, _) in ranked {
                    if let a = voiceDates[i], let b = voiceDates[Int(j)] {
                        if b.0 - a.1 > window || a.0 - b.1 > window { continue }
                    }
                    let s = similarity(i, Int(j))
                    if s > 0 { scored.append((j, s)) }
                }
                scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                out.append(Array(scored.prefix(max(configuration.neighbours, k))))
            }
            return (out, candidates)
        }
        var neighbours: [[(Int32, Double)]] = []
        neighbours.reserveCapacity(v)
        for (chunk, c) in neighbourChunks { neighbours.append(contentsOf: chunk); stats.candidatePairs += c }
        // Local scale (CSLS, Conneau et al. 2018): each voice's mean cosine to its k nearest voices.
        let scale: [Double] = neighbours.map { list in list.prefix(k).reduce(0) { $0 + $1.1 } / Double(k) }
        var edgeMap: [UInt64: Double] = [:]
        for (i, list) in neighbours.enumerated() {
            for (j, s) in list.prefix(configuration.neighbours) {
                edgeMap[UInt64(UInt32(min(i, Int(j)))) << 32 | UInt64(UInt32(max(i, Int(j))))] = s
            }
        }
        stats.edges = edgeMap.count

        // 3. Sparse average linkage on locally scaled similarity.
        let (labels, merges) = averageLinkage(voiceCount: v, edges: edgeMap, scale: scale)
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

    /// Sparse average linkage on locally scaled similarity: two clusters A and B merge, best
    /// pair first, while the mean CSLS over their cross pairs,
    /// `2 * meanCos(A, B) - level(A) - level(B)`, is at least `threshold` (level: the mean local
    /// scale, or for a large story its scaled internal cohesion; see `level`): they are
    /// closer to each other than their voices are to their usual neighbours, so hubs (generic
    /// pieces close to everything) need more to merge. Pairs outside the neighbour graph count
    /// as cosine 0; mean cosines below `minCosine` never merge (an isolated article's low scale
    /// must not make a weak pair look close). Deterministic: ties go to smaller labels.
    func averageLinkage(voiceCount v: Int, edges: [UInt64: Double], scale: [Double]) -> ([Int], Int) {
        let threshold = configuration.threshold, floor = configuration.minCosine
        var size = [Double](repeating: 1, count: v)
        var scaleSum = scale
        var version = [Int](repeating: 0, count: v)
        var parent = Array(0..<v)
        var alive = [Bool](repeating: true, count: v)
        var links = [[Int: Double]](repeating: [:], count: v)   // cluster -> (cluster -> summed cosine)
        for key in edges.keys.sorted() {
            let s = edges[key]!
            let a = Int(key >> 32), b = Int(key & 0xFFFF_FFFF)
            links[a][b, default: 0] += s
            links[b][a, default: 0] += s
        }
        var internalSum = [Double](repeating: 0, count: v)
        let largeStory = Double(max(2, configuration.largeStoryVoices))
        let cohesionFactor = configuration.cohesionFactor
        /// The level a cluster's voices are expected to reach with a true partner: the mean
        /// local scale of its voices; for a story of `largeStoryVoices` or more, a share of its
        /// own mean internal cosine instead (in a large story every voice's nearest neighbours
        /// are its own story-mates, so local scales overstate what the rest of the story reaches).
        func level(_ c: Int) -> Double {
            if size[c] < largeStory { return scaleSum[c] / size[c] }
            return cohesionFactor * internalSum[c] / (size[c] * (size[c] - 1) / 2)
        }
        func score(_ a: Int, _ b: Int, _ sum: Double) -> Double {
            let meanCosine = sum / (size[a] * size[b])
            if meanCosine < floor { return -.infinity }
            return 2 * meanCosine - level(a) - level(b)
        }
        struct Entry { var score: Double; var a: Int; var b: Int; var va: Int; var vb: Int }
        var heap = Heap<Entry>(by: { x, y in x.score != y.score ? x.score > y.score : (x.a != y.a ? x.a < y.a : x.b < y.b) })
        for a in 0..<v {
            for b in links[a].keys.sorted() where a < b {
                let sc = score(a, b, links[a][b]!)
                if sc >= threshold { heap.push(Entry(score: sc, a: a, b: b, va: 0, vb: 0)) }
            }
        }
        var merges = 0
        while let e = heap.pop() {
            guard alive[e.a], alive[e.b], version[e.a] == e.va, version[e.b] == e.vb else { continue }
            let (a, b) = (e.a, e.b)   // merge b into a (a < b)
            merges += 1
            alive[b] = false
            parent[b] = a
            internalSum[a] += internalSum[b] + (links[a][b] ?? 0)
            size[a] += size[b]
            scaleSum[a] += scaleSum[b]
            version[a] += 1
            links[a][b] = nil
            for (c, sc) in links[b] where c != a {
                links[c][b] = nil
                let total = (links[a][c] ?? 0) + sc
                links[a][c] = total
                links[c][a] = total
            }
            links[b] = [:]
            for c in links[a].keys.sorted() {
                let sc = score(a, c, links[a][c]!)
                if sc >= threshold {
                    heap.push(a < c ? Entry(score: sc, a: a, b: c, va: version[a], vb: version[c])
                                    : Entry(score: sc, a: c, b: a, va: version[c], vb: version[a]))
                }
            }
        }
        func root(_ x: Int) -> Int { var r = x; while parent[r] != r { r = parent[r] }; return r }
        return ((0..<v).map(root), merges)
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

    /// Moves the `k` best entries (highest score, ties by smaller id: a total order, so the
    /// chosen set is deterministic) to the front, in expected linear time (quickselect).
    static func selectBest(_ a: inout [(Int32, Float)], _ k: Int) {
        func before(_ x: (Int32, Float), _ y: (Int32, Float)) -> Bool { x.1 != y.1 ? x.1 > y.1 : x.0 < y.0 }
        var lo = 0, hi = a.count - 1
        var rng = SplitMix64(seed: UInt64(a.count))
        while lo < hi {
            let pivot = a[lo + Int(rng.next() % UInt64(hi - lo + 1))]
            var i = lo, j = hi
            while i <= j {
                while before(a[i], pivot) { i += 1 }
                while before(pivot, a[j]) { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k - 1 <= j { hi = j } else if k - 1 >= i { lo = i } else { return }
        }
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
