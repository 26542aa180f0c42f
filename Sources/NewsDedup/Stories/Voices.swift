import Foundation
import LinearAlgebra

/// The voices of the story stage: each duplicate group is one voice, every other article is a
/// voice of its own. Voices are ordered by their first date (undated voices last), then by the
/// canonical rank of their first member, so that a date window is a contiguous range of voices.
struct Voices {
    /// `members[start[v]..<start[v + 1]]`: voice v's articles, in canonical order.
    var start: [Int]
    var members: [Int32]
    /// Index into `DuplicateGroups.groups`, or -1 for a single article.
    var group: [Int32]
    /// First and last day of the voice's dated members (days since the epoch).
    var lo: [Int32]
    var hi: [Int32]
    /// Voices `0..<dated` have dates, sorted by `lo`; the rest are undated.
    var dated: Int
    /// The largest `hi - lo` of a voice.
    var maxSpan: Int32

    var count: Int { start.count - 1 }

    init(articles: [Article], duplicates: DuplicateGroups, canonicalRank: [Int]) {
        let n = articles.count
        var byRank = [Int](repeating: 0, count: n)
        for d in 0..<n { byRank[canonicalRank[d]] = d }
        var lists: [(members: [Int32], group: Int32)] = []
        var seen = [Bool](repeating: false, count: duplicates.groups.count)
        for d in byRank {
            let g = duplicates.groupOfArticle[d]
            if g < 0 {
                lists.append(([Int32(d)], -1))
            } else if !seen[Int(g)] {
                seen[Int(g)] = true
                let m = duplicates.groups[Int(g)].members.sorted { canonicalRank[$0] < canonicalRank[$1] }
                lists.append((m.map { Int32($0) }, g))
            }
        }
        func days(_ m: [Int32]) -> (Int32, Int32)? {
            var lo = Int32.max, hi = Int32.min
            for a in m { if let d = articles[Int(a)].date?.daysSinceEpoch { lo = min(lo, d); hi = max(hi, d) } }
            return lo == Int32.max ? nil : (lo, hi)
        }
        let ranges = lists.map { days($0.members) }
        // Canonical order is date first, so this is normally the order already; sort to be sure.
        let order = lists.indices.sorted { a, b in
            let la = ranges[a]?.0 ?? Int32.max, lb = ranges[b]?.0 ?? Int32.max
            if la != lb { return la < lb }
            return canonicalRank[Int(lists[a].members[0])] < canonicalRank[Int(lists[b].members[0])]
        }
        start = [0]
        start.reserveCapacity(lists.count + 1)
        members = []
        members.reserveCapacity(n)
        group = []
        lo = []
        hi = []
        dated = 0
        maxSpan = 0
        for i in order {
            members.append(contentsOf: lists[i].members)
            start.append(members.count)
            group.append(lists[i].group)
            if let r = ranges[i] {
                lo.append(r.0); hi.append(r.1)
                dated += 1
                maxSpan = max(maxSpan, r.1 - r.0)
            } else {
                lo.append(Int32.max); hi.append(Int32.min)
            }
        }
    }
}

/// Voice vectors and the inverted index over their strongest terms.
///
/// A single article's voice vector is its TF-IDF row (not copied); a group's is the sum of its
/// members' rows. Term weights are scaled by `weight` (outlet vocabulary fades) and every voice
/// carries the inverse norm of its scaled row, so that similarities are cosines of the scaled vectors.
struct VoiceSpace {
    let voices: Voices
    let terms: TermMatrix
    /// Per-term factor on TF-IDF weights (outlet vocabulary fades); 0 leaves a term out.
    let weight: [Double]
    /// Summed rows of group voices: `groupStart[r]..<groupStart[r + 1]`.
    var groupStart: [Int] = [0]
    var groupColumn: [Int32] = []
    var groupValue: [Double] = []
    /// Voice -> row in the group arrays, or -1 (a single article: its TF-IDF row).
    var groupRow: [Int32]
    var inverseNorm: [Double]
    /// The voice's strongest kept terms, strongest first, with their normalised weights.
    var topStart: [Int]
    var topTerm: [Int32]
    var topWeight: [Float]
    /// Postings: for each term, the voices listing it among their strongest terms, in voice order.
    var postingStart: [Int]
    var postingVoice: [Int32]
    var postingWeight: [Float]
    /// Normalised reduced (SVD) voice vectors, row-major, `components` per voice; empty when unused.
    var reducedVoices: [Float]
    var components: Int
    let reducedWeight: Double

    var count: Int { voices.count }

    init(voices: Voices, terms: TermMatrix, weight: [Double], reduced: Matrix?, reducedWeight: Double, postingTerms: Int) {
        self.voices = voices
        self.terms = terms
        self.weight = weight
        self.reducedWeight = reducedWeight
        let v = voices.count
        let columns = terms.matrix.columns
        let m = terms.matrix
        // Group rows (dense accumulation over the group's members).
        groupRow = [Int32](repeating: -1, count: v)
        var dense = [Double](repeating: 0, count: columns)
        var used: [Int32] = []
        for i in 0..<v where voices.group[i] >= 0 {
            for q in voices.start[i]..<voices.start[i + 1] {
                let d = Int(voices.members[q])
                for p in m.rowStart[d]..<m.rowStart[d + 1] {
                    let t = Int(m.columnIndex[p])
                    if dense[t] == 0 { used.append(Int32(t)) }
                    dense[t] += m.values[p]
                }
            }
            used.sort()
            for t in used { groupColumn.append(t); groupValue.append(dense[Int(t)]); dense[Int(t)] = 0 }
            used.removeAll(keepingCapacity: true)
            groupRow[i] = Int32(groupStart.count - 1)
            groupStart.append(groupColumn.count)
        }
        // Norms and strongest terms, in parallel over voices.
        let T = max(1, postingTerms)
        let perChunk = Parallel.mapChunks(v) { [groupRow, groupStart, groupColumn, groupValue] range -> ([Double], [Int], [Int32], [Float]) in
            var norms: [Double] = [], counts: [Int] = [], tops: [Int32] = [], weights: [Float] = []
            var scratch: [(Int32, Float)] = []
            for i in range {
                scratch.removeAll(keepingCapacity: true)
                var sq = 0.0
                let g = groupRow[i]
                let (cols, vals, lo, hi): ([Int32], [Double], Int, Int) = g < 0
                    ? (m.columnIndex, m.values, m.rowStart[Int(voices.members[voices.start[i]])], m.rowStart[Int(voices.members[voices.start[i]]) + 1])
                    : (groupColumn, groupValue, groupStart[Int(g)], groupStart[Int(g) + 1])
                for p in lo..<hi where weight[Int(cols[p])] > 0 {
                    let x = vals[p] * weight[Int(cols[p])]
                    sq += x * x
                    scratch.append((cols[p], Float(x)))
                }
                let inv = sq > 0 ? 1 / sq.squareRoot() : 0
                norms.append(inv)
                if scratch.count > T { StoryClusterer.selectBest(&scratch, T); scratch.removeLast(scratch.count - T) }
                scratch.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                counts.append(scratch.count)
                for (t, w) in scratch { tops.append(t); weights.append(Float(Double(w) * inv)) }
            }
            return (norms, counts, tops, weights)
        }
        inverseNorm = []
        inverseNorm.reserveCapacity(v)
        topStart = [0]
        topStart.reserveCapacity(v + 1)
        topTerm = []
        topWeight = []
        for (norms, counts, tops, weights) in perChunk {
            inverseNorm.append(contentsOf: norms)
            for c in counts { topStart.append(topStart[topStart.count - 1] + c) }
            topTerm.append(contentsOf: tops)
            topWeight.append(contentsOf: weights)
        }
        // Postings: the transpose of the strongest-term lists, filled in voice order.
        var postingCount = [Int](repeating: 0, count: columns + 1)
        for t in topTerm { postingCount[Int(t) + 1] += 1 }
        for t in 0..<columns { postingCount[t + 1] += postingCount[t] }
        postingStart = postingCount
        var fill = postingCount
        postingVoice = [Int32](repeating: 0, count: topTerm.count)
        postingWeight = [Float](repeating: 0, count: topTerm.count)
        for i in 0..<v {
            for p in topStart[i]..<topStart[i + 1] {
                let t = Int(topTerm[p])
                postingVoice[fill[t]] = Int32(i)
                postingWeight[fill[t]] = topWeight[p]
                fill[t] += 1
            }
        }
        // Reduced voice vectors.
        if let r = reduced, reducedWeight > 0, r.rows == voices.members.count {
            components = r.columns
            var out = [Float](repeating: 0, count: v * r.columns)
            var acc = [Double](repeating: 0, count: r.columns)
            for i in 0..<v {
                for c in 0..<r.columns { acc[c] = 0 }
                for q in voices.start[i]..<voices.start[i + 1] {
                    let d = Int(voices.members[q])
                    for c in 0..<r.columns { acc[c] += r.elements[d + c * r.rows] }
                }
                let norm = acc.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { for c in 0..<r.columns { out[i * r.columns + c] = Float(acc[c] / norm) } }
            }
            reducedVoices = out
        } else {
            components = 0
            reducedVoices = []
        }
    }
}

/// The neighbour lists of all voices: `neighbour[start[i]..<start[i + 1]]`, most similar first.
struct NeighbourGraph {
    var start: [Int]
    var neighbour: [Int32]
    var similarity: [Float]
    var candidatePairs: Int
}

struct Background {
    var mean: Double
    var deviation: Double
    /// Mean number of other voices in a voice's date window.
    var windowVoices: Double
}

/// Candidate generation and exact similarities.
struct NeighbourSearch {
    let space: VoiceSpace
    let window: Int32
    let indexTerms: Int
    let maxPosting: Int
    let shortlist: Int
    let keep: Int

    /// The voices whose first day is at most `day` (dated voices are sorted by first day).
    private func datedUpTo(_ day: Int64) -> Int {
        let lo = space.voices.lo
        var a = 0, b = space.voices.dated
        while a < b { let mid = (a + b) / 2; if Int64(lo[mid]) <= day { a = mid + 1 } else { b = mid } }
        return a
    }

    /// The dated voices that can be within the window of voice i: `range`; undated voices are
    /// always within it. For an undated voice every voice is.
    func windowRange(_ i: Int) -> Range<Int> {
        let vs = space.voices
        if i >= vs.dated { return 0..<vs.dated }
        let first = datedUpTo(Int64(vs.lo[i]) - Int64(window) - Int64(vs.maxSpan) - 1)
        let last = datedUpTo(Int64(vs.hi[i]) + Int64(window))
        return first..<last
    }

    @inline(__always) func inWindow(_ i: Int, _ j: Int) -> Bool {
        let vs = space.voices
        if i >= vs.dated || j >= vs.dated { return true }
        return vs.lo[j] - vs.hi[i] <= window && vs.lo[i] - vs.hi[j] <= window
    }

    /// Per-thread scratch for exact similarities: the query voice scattered into a dense row.
    struct Scratch {
        var dense: [Float]
        var used: [Int32] = []
        init(columns: Int) { dense = [Float](repeating: 0, count: columns) }
    }

    func scatter(_ i: Int, into s: inout Scratch) {
        let inv = space.inverseNorm[i]
        forEachEntry(i) { t, x in
            // Both sides' term factors go into the scattered row: the gather multiplies raw values.
            let w = space.weight[Int(t)]
            if w > 0 { s.dense[Int(t)] = Float(x * w * w * inv); s.used.append(t) }
        }
    }

    func clear(_ s: inout Scratch) {
        for t in s.used { s.dense[Int(t)] = 0 }
        s.used.removeAll(keepingCapacity: true)
    }

    @inline(__always) func forEachEntry(_ i: Int, _ body: (Int32, Double) -> Void) {
        let g = space.groupRow[i]
        if g < 0 {
            let m = space.terms.matrix
            let d = Int(space.voices.members[space.voices.start[i]])
            for p in m.rowStart[d]..<m.rowStart[d + 1] { body(m.columnIndex[p], m.values[p]) }
        } else {
            for p in space.groupStart[Int(g)]..<space.groupStart[Int(g) + 1] { body(space.groupColumn[p], space.groupValue[p]) }
        }
    }

    /// Similarity of the scattered query voice i to voice j.
    func similarity(_ i: Int, _ j: Int, _ s: Scratch) -> Double {
        var dot = 0.0
        forEachEntry(j) { t, x in dot += Double(s.dense[Int(t)]) * x }
        dot *= space.inverseNorm[j]
        let w = space.reducedWeight
        if w == 0 || space.components == 0 { return dot }
        var r: Float = 0
        let c = space.components
        for q in 0..<c { r += space.reducedVoices[i * c + q] * space.reducedVoices[j * c + q] }
        return (1 - w) * dot + w * Double(r)
    }

    func run() -> NeighbourGraph {
        let v = space.count
        let vs = space.voices
        let columns = space.terms.matrix.columns
        let chunks = Parallel.mapChunks(v, chunks: max(1, min(v, Parallel.threads * 8))) { range -> ([Int], [Int32], [Float], Int) in
            var counts: [Int] = [], nbrs: [Int32] = [], sims: [Float] = []
            var candidates = 0
            var partial = [Float](repeating: 0, count: v)
            var touched: [Int32] = []
            var ranked: [(Int32, Float)] = []
            var scored: [(Int32, Double)] = []
            var scratch = Scratch(columns: columns)
            for i in range {
                let dated = windowRange(i)
                for p in space.topStart[i]..<min(space.topStart[i + 1], space.topStart[i] + indexTerms) {
                    let t = Int(space.topTerm[p])
                    let wi = space.topWeight[p]
                    let s = space.postingStart[t], e = space.postingStart[t + 1]
                    // Positions of the window's dated voices and of the undated tail in this posting list.
                    let a = lowerBound(space.postingVoice, s, e, Int32(dated.lowerBound))
                    let b = lowerBound(space.postingVoice, a, e, Int32(dated.upperBound))
                    let u = lowerBound(space.postingVoice, b, e, Int32(vs.dated))
                    if (b - a) + (e - u) > maxPosting { continue }
                    for q in a..<b {
                        let j = Int(space.postingVoice[q])
                        if j == i || !inWindow(i, j) { continue }
                        if partial[j] == 0 { touched.append(Int32(j)) }
                        partial[j] += wi * space.postingWeight[q]
                    }
                    for q in u..<e {
                        let j = Int(space.postingVoice[q])
                        if j == i { continue }
                        if partial[j] == 0 { touched.append(Int32(j)) }
                        partial[j] += wi * space.postingWeight[q]
                    }
                }
                candidates += touched.count
                ranked.removeAll(keepingCapacity: true)
                for j in touched { ranked.append((j, partial[Int(j)])); partial[Int(j)] = 0 }
                touched.removeAll(keepingCapacity: true)
                if ranked.count > shortlist {
                    StoryClusterer.selectBest(&ranked, shortlist)
                    ranked.removeLast(ranked.count - shortlist)
                }
                scored.removeAll(keepingCapacity: true)
                if !ranked.isEmpty {
                    scatter(i, into: &scratch)
                    for (j, _) in ranked {
                        let s = self.similarity(i, Int(j), scratch)
                        if s > 0 { scored.append((j, s)) }
                    }
                    clear(&scratch)
                }
                scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                let kept = min(keep, scored.count)
                counts.append(kept)
                for q in 0..<kept { nbrs.append(scored[q].0); sims.append(Float(scored[q].1)) }
            }
            return (counts, nbrs, sims, candidates)
        }
        var start = [0]
        start.reserveCapacity(v + 1)
        var neighbour: [Int32] = [], similarity: [Float] = []
        var candidates = 0
        for (counts, nbrs, sims, c) in chunks {
            for k in counts { start.append(start[start.count - 1] + k) }
            neighbour.append(contentsOf: nbrs)
            similarity.append(contentsOf: sims)
            candidates += c
        }
        return NeighbourGraph(start: start, neighbour: neighbour, similarity: similarity, candidatePairs: candidates)
    }

    /// Similarities of random voice pairs within the date window (deterministic: the pairs
    /// depend only on the voice count and the sample size), as an estimate of the background.
    /// A voice's `nearest` first neighbours (its local-scale neighbours, candidates for its own
    /// story) are left out, so that the estimate is of unrelated pairs even in a small corpus.
    func background(pairs: Int, graph: NeighbourGraph, nearest: Int) -> Background? {
        func near(_ i: Int, _ j: Int) -> Bool {
            for p in graph.start[i]..<min(graph.start[i + 1], graph.start[i] + nearest) where Int(graph.neighbour[p]) == j { return true }
            return false
        }
        let v = space.count
        guard v >= 2 else { return nil }
        let perVoice = 4
        let sampled = max(1, min(v, pairs / perVoice))
        let columns = space.terms.matrix.columns
        let vs = space.voices
        let results = Parallel.mapChunks(sampled) { range -> ([Double], [Double]) in
            var sims: [Double] = [], populations: [Double] = []
            var scratch = Scratch(columns: columns)
            for s in range {
                let i = Int((Int64(s) * Int64(v)) / Int64(sampled))
                let dated = windowRange(i)
                let undated = v - vs.dated
                let total = dated.count + undated
                populations.append(Double(max(0, total - 1)))
                guard total > 1 else { continue }
                var rng = SplitMix64(seed: UInt64(i) &* 0x9E37_79B9_7F4A_7C15 ^ 0x5EED)
                scatter(i, into: &scratch)
                for _ in 0..<perVoice {
                    let r = Int(rng.next() % UInt64(total))
                    let j = r < dated.count ? dated.lowerBound + r : vs.dated + (r - dated.count)
                    if j == i || !inWindow(i, j) || near(i, j) || near(j, i) { continue }
                    sims.append(self.similarity(i, j, scratch))
                }
                clear(&scratch)
            }
            return (sims, populations)
        }
        var sum = 0.0, count = 0.0, population = 0.0, voices = 0.0
        for (sims, pops) in results {
            for s in sims { sum += s; count += 1 }
            for p in pops { population += p; voices += 1 }
        }
        guard count >= 2 else { return nil }
        let mean = sum / count
        var sq = 0.0
        for (sims, _) in results { for s in sims { sq += (s - mean) * (s - mean) } }
        return Background(mean: mean, deviation: (sq / (count - 1)).squareRoot(), windowVoices: population / voices)
    }
}

/// First position in `a[lo..<hi]` (sorted ascending) whose value is at least `x`.
@inline(__always) func lowerBound(_ a: [Int32], _ lo: Int, _ hi: Int, _ x: Int32) -> Int {
    var l = lo, h = hi
    while l < h { let m = (l + h) >> 1; if a[m] < x { l = m + 1 } else { h = m } }
    return l
}

/// The undirected neighbour graph: an edge wherever either voice keeps the other among its
/// `neighbours`; each voice's incident edges, strongest first (ties by smaller neighbour).
struct Adjacency {
    var start: [Int]
    var neighbour: [Int32]
    var similarity: [Float]
    var edgeCount: Int

    init(graph: NeighbourGraph, voices v: Int, neighbours: Int) {
        // Directed edges bucketed by their lower end (counting sort), then deduplicated: when both
        // ends keep each other, the similarity computed from the lower end is used.
        var lowerCount = [Int](repeating: 0, count: v + 1)
        for i in 0..<v {
            for p in graph.start[i]..<min(graph.start[i + 1], graph.start[i] + neighbours) {
                lowerCount[min(i, Int(graph.neighbour[p])) + 1] += 1
            }
        }
        for i in 0..<v { lowerCount[i + 1] += lowerCount[i] }
        var fill = lowerCount
        let total = lowerCount[v]
        var upper = [Int32](repeating: 0, count: total)
        var sim = [Float](repeating: 0, count: total)
        var fromLower = [Bool](repeating: false, count: total)
        for i in 0..<v {
            for p in graph.start[i]..<min(graph.start[i + 1], graph.start[i] + neighbours) {
                let j = Int(graph.neighbour[p])
                let a = min(i, j)
                upper[fill[a]] = Int32(max(i, j))
                sim[fill[a]] = graph.similarity[p]
                fromLower[fill[a]] = i < j
                fill[a] += 1
            }
        }
        var degree = [Int](repeating: 0, count: v + 1)
        var edges: [(Int32, Int32, Float)] = []
        edges.reserveCapacity(total)
        var bucket: [(Int32, Bool, Float)] = []
        for a in 0..<v {
            bucket.removeAll(keepingCapacity: true)
            for q in lowerCount[a]..<lowerCount[a + 1] { bucket.append((upper[q], fromLower[q], sim[q])) }
            bucket.sort { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1 && !$1.1) }
            var last: Int32 = -1
            for (b, _, s) in bucket where b != last {
                last = b
                edges.append((Int32(a), b, s))
                degree[a + 1] += 1
                degree[Int(b) + 1] += 1
            }
        }
        edgeCount = edges.count
        for i in 0..<v { degree[i + 1] += degree[i] }
        start = degree
        var at = degree
        neighbour = [Int32](repeating: 0, count: 2 * edges.count)
        similarity = [Float](repeating: 0, count: 2 * edges.count)
        for (a, b, s) in edges {
            neighbour[at[Int(a)]] = b; similarity[at[Int(a)]] = s; at[Int(a)] += 1
            neighbour[at[Int(b)]] = a; similarity[at[Int(b)]] = s; at[Int(b)] += 1
        }
        var row: [(Int32, Float)] = []
        for i in 0..<v {
            row.removeAll(keepingCapacity: true)
            for p in start[i]..<start[i + 1] { row.append((neighbour[p], similarity[p])) }
            row.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            for (q, (j, s)) in row.enumerated() { neighbour[start[i] + q] = j; similarity[start[i] + q] = s }
        }
    }
}
