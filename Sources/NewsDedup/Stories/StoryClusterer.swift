import Foundation
import LinearAlgebra

/// Groups independently written articles about one event. See docs/stories.md.
///
/// 1. Voices: each duplicate group is one voice (the sum of its members' TF-IDF rows), every
///    other article is its own voice, so copies cannot outvote coverage. Terms found in one
///    outlet's articles only are left out (they say who wrote a piece, not what happened).
/// 2. Candidates: an inverted index lists each voice under its `postingTerms` strongest terms,
///    in date order, so a voice scans only the postings inside its date window; the voices
///    sharing one of its `indexTerms` strongest terms accumulate a partial dot product (no new
///    voice taken in once none can reach the shortlist: MaxScore pruning), the best
///    `candidates` get an exact similarity, the best `neighbours` are kept.
/// 3. Sparse average linkage on locally scaled similarity (CSLS), with a merge floor derived
///    from the background similarity of random pairs in the window.
/// Cost: O(voices x indexTerms x windowed posting length) for candidates, O(edges log edges)
/// for merging; memory O(voices x (postingTerms + neighbours)); no n x n structure anywhere.
public struct StoryClusterer: Sendable {
    public var configuration: StoryConfiguration

    public init(_ configuration: StoryConfiguration) {
        self.configuration = configuration
    }

    /// `reduced`: the articles' SVD vectors (articles x components), mixed into the similarity
    /// with `configuration.reducedWeight`.
    /// `names`: each article's names (`AnalyzedCorpus.names`), for the shared-name rule
    /// (`configuration.sharedNames`); nil turns the rule off.
    public func cluster(articles: [Article], terms: TermMatrix, duplicates: DuplicateGroups,
                        canonicalRank: [Int], reduced: Matrix? = nil, names: ArticleNames? = nil) -> StoryClusters {
        let n = articles.count
        var stats = StoryStats()
        let voices = Voices(articles: articles, duplicates: duplicates, canonicalRank: canonicalRank)
        let v = voices.count
        stats.voices = v
        let weight = configuration.fadeOutletTerms ? StoryClusterer.outletWeights(articles: articles, terms: terms)
                                                          : [Double](repeating: 1, count: terms.matrix.columns)
        let space = VoiceSpace(voices: voices, terms: terms, weight: weight, reduced: reduced,
                               reducedWeight: reduced == nil ? 0 : min(1, max(0, configuration.reducedWeight)),
                               postingTerms: max(configuration.postingTerms, configuration.indexTerms),
                               sketchTerms: max(0, configuration.sketchTerms))
        let k = max(1, configuration.localScaleNeighbours)
        let search = NeighbourSearch(space: space, window: Int32(max(0, configuration.windowDays)),
                                     indexTerms: configuration.indexTerms, maxPosting: configuration.maxPosting,
                                     shortlist: max(configuration.candidates, configuration.neighbours, k),
                                     keep: max(configuration.neighbours, k))
        let graph = search.run()
        stats.candidatePairs = graph.candidatePairs
        let background = configuration.backgroundPairs > 0 ? search.background(pairs: configuration.backgroundPairs, graph: graph, nearest: k) : nil
        stats.backgroundMean = background?.mean ?? 0
        stats.backgroundDeviation = background?.deviation ?? 0
        stats.windowVoices = background?.windowVoices ?? 0

        // Local scale (CSLS, Conneau et al. 2018): each voice's mean similarity to its k nearest.
        var scale = [Double](repeating: 0, count: v)
        for i in 0..<v {
            var s = 0.0
            for p in graph.start[i]..<min(graph.start[i + 1], graph.start[i] + k) { s += Double(graph.similarity[p]) }
            scale[i] = s / Double(k)
        }
        let headlines = HeadlineTemplates(titles: space.firstMember.map { articles[Int($0)].title }, vocabulary: terms.vocabulary)
        // Voices that each write names but share none report different events.
        let voiceNames = configuration.sharedNames ? names.flatMap { $0.documentCount == n ? VoiceNames(voices: voices, names: $0) : nil } : nil
        // One closure for all drop tests (`space.has` written in the test would copy the space per edge).
        let mentions: (Int, Int32) -> Bool = space.has
        let adjacency = Adjacency(graph: graph, voices: v, neighbours: configuration.neighbours, drop: { a, b in
            if headlines.sameTemplate(a, b, mentions: mentions) { return .sameTemplate }
            if let voiceNames, !voiceNames.mayLink(a, b) { return .noSharedName }
            return nil
        })
        stats.edges = adjacency.edgeCount
        stats.templatePairs = adjacency.dropped[DroppedEdge.sameTemplate.rawValue]
        stats.unsharedNamePairs = adjacency.dropped[DroppedEdge.noSharedName.rawValue]

        // The chance level: what the best of a voice's m window comparisons reaches among
        // unrelated pairs (the expected maximum of m draws from the background, Gumbel
        // approximation for a normal background). A merge of clusters A and B compares a mean
        // over |A||B| pairs, whose chance excess shrinks as 1/sqrt(|A||B|).
        var floor = Floor(minimum: configuration.minCosine, mean: 0, chance: 0)
        if let b = background {
            let m = max(3, b.windowVoices)
            let s = (2 * log(m)).squareRoot()
            let location = s - (log(log(m)) + log(4 * Double.pi)) / (2 * s)
            floor = Floor(minimum: configuration.minCosine, mean: b.mean, chance: b.mean + b.deviation * (location + 0.5772156649 / s))
        }
        stats.floor = floor.chance
        let (labels, merges) = averageLinkage(adjacency: adjacency, scale: scale, floor: floor)
        stats.merges = merges

        let clusters = assemble(labels: labels, voices: voices, articles: articles, terms: terms,
                                duplicates: duplicates, canonicalRank: canonicalRank)
        var clusterOf = [Int32](repeating: -1, count: n)
        for (ci, c) in clusters.enumerated() { for m in c.members { clusterOf[m] = Int32(ci) } }
        stats.clusters = clusters.count
        stats.multiArticleClusters = clusters.filter { $0.members.count > 1 }.count
        return StoryClusters(clusters: clusters, clusterOfArticle: clusterOf, stats: stats)
    }

    /// Term weights for story similarity: 1 for a term found in articles of at least two
    /// outlets; for a term confined to one outlet, the probability that its articles all fall
    /// in one outlet by chance (`sum over outlets of C(n_o, df) / C(n, df)`), so that outlet
    /// vocabulary (footers, house templates) fades in a corpus of many outlets while a corpus of
    /// one outlet keeps every term. An article without a source is an outlet of its own.
    /// O(nonzeros), in parallel over articles.
    static func outletWeights(articles: [Article], terms: TermMatrix) -> [Double] {
        let columns = terms.matrix.columns
        var ids: [String: Int32] = [:]
        var outlet = [Int32](repeating: 0, count: articles.count)
        var outletSize: [Int] = []
        for (i, a) in articles.enumerated() {
            if let s = a.source, !s.isEmpty {
                if let id = ids[s] { outlet[i] = id; outletSize[Int(id)] += 1 } else {
                    let id = Int32(ids.count); ids[s] = id; outlet[i] = id; outletSize.append(1)
                }
            } else {
                outlet[i] = -1 - Int32(truncatingIfNeeded: i)
            }
        }
        let none = Int32.min, many = Int32.max
        let m = terms.matrix
        let parts = Parallel.mapChunks(articles.count) { range -> ([Int32], [Int32]) in
            var first = [Int32](repeating: none, count: columns)
            var df = [Int32](repeating: 0, count: columns)
            for d in range {
                let o = outlet[d]
                for p in m.rowStart[d]..<m.rowStart[d + 1] {
                    let t = Int(m.columnIndex[p])
                    df[t] += 1
                    if first[t] == none { first[t] = o } else if first[t] != o { first[t] = many }
                }
            }
            return (first, df)
        }
        var first = [Int32](repeating: none, count: columns)
        var df = [Int](repeating: 0, count: columns)
        for (part, counts) in parts {
            for t in 0..<columns where part[t] != none {
                df[t] += Int(counts[t])
                if first[t] == none { first[t] = part[t] } else if first[t] != part[t] { first[t] = many }
            }
        }
        // Chance that df articles drawn without replacement all come from one outlet.
        let n = articles.count
        var chance: [Double] = [1, 1]
        func chanceOf(_ d: Int) -> Double {
            while chance.count <= d {
                let k = chance.count
                var p = 0.0
                for size in outletSize where size >= k {
                    var q = 1.0
                    for j in 0..<k { q *= Double(size - j) / Double(n - j) }
                    p += q
                }
                chance.append(p)
            }
            return chance[d]
        }
        return (0..<columns).map { t in
            if first[t] == many || first[t] == none { return 1 }
            if first[t] < 0 { return 1 }   // one article without a source
            return chanceOf(df[t])
        }
    }

    struct Floor {
        var minimum: Double
        var mean: Double
        /// The chance level of one pair; 0 when not derived.
        var chance: Double
        func at(pairs: Double) -> Double {
            guard chance > mean else { return minimum }
            return max(minimum, mean + (chance - mean) / pairs.squareRoot())
        }
    }

    /// Sparse average linkage on locally scaled similarity: two clusters A and B merge, best
    /// pair first, while `2 * meanSim(A, B) - level(A) - level(B)` is at least `threshold` and
    /// `meanSim(A, B)` reaches the floor. Pairs outside the neighbour graph count as 0.
    /// Level: a small cluster's mean local scale; from `largeStoryVoices` voices on, the lower
    /// of `cohesionFactor` x its mean internal similarity and the midpoint between that cohesion
    /// and its voices' similarity to their nearest outsiders. Deterministic: ties go to
    /// smaller labels, and a merged cluster keeps the smaller label.
    func averageLinkage(adjacency adj: Adjacency, scale: [Double], floor: Floor) -> ([Int32], Int) {
        let v = scale.count
        let threshold = configuration.threshold
        var c = LinkageClusters(adjacency: adj, scale: scale, floor: floor, k: max(1, configuration.localScaleNeighbours),
                                largeStory: Double(max(2, configuration.largeStoryVoices)),
                                cohesionFactor: configuration.cohesionFactor)
        var version = [UInt32](repeating: 0, count: v)
        var next = [Int32](repeating: -1, count: v), tail = [Int32](0..<Int32(v))
        var links: [[Link]] = (0..<v).map { i in
            (adj.start[i]..<adj.start[i + 1]).map { Link(cluster: adj.neighbour[$0], sum: Double(adj.similarity[$0])) }
                .sorted { $0.cluster < $1.cluster }
        }
        var heap = MergeHeap()
        for a in 0..<v {
            for l in links[a] where Int(l.cluster) > a {
                let sc = c.score(a, Int(l.cluster), l.sum)
                if sc >= threshold { heap.items.append(.init(score: sc, a: Int32(a), b: l.cluster, va: 0, vb: 0)) }
            }
        }
        heap.heapify()
        var merges = 0
        var stamp = [Int32](repeating: -1, count: v)
        var touched: [Int32] = []
        while let e = heap.pop() {
            let a = Int(e.a), b = Int(e.b)
            guard c.parent[a] == e.a, c.parent[b] == e.b, version[a] == e.va, version[b] == e.vb else { continue }
            merges += 1
            // Merge b into a (a < b).
            var cross = 0.0
            for l in links[a] where c.find(l.cluster) == e.b { cross += l.sum }
            c.parent[b] = e.a
            c.internalSum[a] += c.internalSum[b] + cross
            c.size[a] += c.size[b]
            c.scaleSum[a] += c.scaleSum[b]
            version[a] &+= 1
            // Outside levels change for the smaller side's voices and their neighbours on the other side.
            let small = c.size[b] <= c.size[a] - c.size[b] ? e.b : e.a
            touched.removeAll(keepingCapacity: true)
            var x = small
            while x >= 0 {
                if stamp[Int(x)] != Int32(merges) { stamp[Int(x)] = Int32(merges); touched.append(x) }
                for p in adj.start[Int(x)]..<adj.start[Int(x) + 1] {
                    let y = adj.neighbour[p]
                    if stamp[Int(y)] != Int32(merges) && c.find(y) == e.a { stamp[Int(y)] = Int32(merges); touched.append(y) }
                }
                x = next[Int(x)]
            }
            // Splice b's member list after a's.
            next[Int(tail[a])] = e.b
            tail[a] = tail[b]
            c.outsideSum[a] += c.outsideSum[b]
            for y in touched {
                let o = c.recomputeOutside(Int(y), root: e.a)
                c.outsideSum[a] += o - c.outside[Int(y)]
                c.outside[Int(y)] = o
            }
            // Rebuild a's links: both lists, relabelled to current roots, internal ones dropped.
            var merged = links[a]
            merged.append(contentsOf: links[b])
            links[b] = []
            for i in merged.indices { merged[i].cluster = c.find(merged[i].cluster) }
            merged.sort { $0.cluster < $1.cluster }
            var out: [Link] = []
            out.reserveCapacity(merged.count)
            for l in merged where l.cluster != e.a {
                if let last = out.last, last.cluster == l.cluster { out[out.count - 1].sum += l.sum } else { out.append(l) }
            }
            links[a] = out
            for l in out {
                let o = Int(l.cluster)
                let sc = c.score(a, o, l.sum)
                if sc >= threshold {
                    heap.push(a < o ? .init(score: sc, a: Int32(a), b: Int32(o), va: version[a], vb: version[o])
                                    : .init(score: sc, a: Int32(o), b: Int32(a), va: version[o], vb: version[a]))
                }
            }
        }
        return ((0..<Int32(v)).map { c.find($0) }, merges)
    }

    /// Moves the `k` best entries (highest score, ties by smaller id: a total order, so the
    /// chosen set is deterministic) to the front, in expected linear time (`selectFirst`).
    static func selectBest(_ a: inout [(Int32, Float)], _ k: Int) {
        selectFirst(&a, k) { x, y in x.1 != y.1 ? x.1 > y.1 : x.0 < y.0 }
    }

    static func dot(_ a: [(Int32, Double)], _ b: [(Int32, Double)]) -> Double {
        var i = 0, j = 0, s = 0.0
        while i < a.count && j < b.count {
            if a[i].0 == b[j].0 { s += a[i].1 * b[j].1; i += 1; j += 1 } else if a[i].0 < b[j].0 { i += 1 } else { j += 1 }
        }
        return s
    }
}

/// The clusters of `averageLinkage`: union-find over voices, and per root its size and sums.
/// A struct with methods rather than locals captured by nested functions: those are boxed, and
/// every access to a boxed array paid a dynamic exclusivity check.
struct LinkageClusters {
    let adj: Adjacency
    let floor: StoryClusterer.Floor
    let k: Int
    let largeStory: Double
    let cohesionFactor: Double
    var parent: [Int32]
    var size: [Double]
    var scaleSum: [Double]
    var internalSum: [Double]
    /// Per voice: its outside level (`recomputeOutside`); per root: their sum.
    var outside: [Double] = []
    var outsideSum: [Double] = []

    init(adjacency: Adjacency, scale: [Double], floor: StoryClusterer.Floor, k: Int, largeStory: Double, cohesionFactor: Double) {
        let v = scale.count
        adj = adjacency
        self.floor = floor
        self.k = k
        self.largeStory = largeStory
        self.cohesionFactor = cohesionFactor
        parent = [Int32](0..<Int32(v))
        size = [Double](repeating: 1, count: v)
        scaleSum = scale
        internalSum = [Double](repeating: 0, count: v)
        var initial: [Double] = []
        initial.reserveCapacity(v)
        for i in 0..<v { initial.append(recomputeOutside(i, root: Int32(i))) }
        outside = initial
        outsideSum = initial
    }

    mutating func find(_ x: Int32) -> Int32 {
        var r = x
        while parent[Int(r)] != r { r = parent[Int(r)] }
        var y = x
        while parent[Int(y)] != r { let p = parent[Int(y)]; parent[Int(y)] = r; y = p }
        return r
    }

    /// A voice's outside level: its mean similarity to its k nearest voices outside its cluster.
    mutating func recomputeOutside(_ i: Int, root: Int32) -> Double {
        var s = 0.0, got = 0
        for p in adj.start[i]..<adj.start[i + 1] where got < k {
            if find(adj.neighbour[p]) != root { s += Double(adj.similarity[p]); got += 1 }
        }
        return s / Double(k)
    }

    func level(_ c: Int) -> Double {
        if size[c] < largeStory { return scaleSum[c] / size[c] }
        let cohesion = internalSum[c] / (size[c] * (size[c] - 1) / 2)
        return min(cohesionFactor * cohesion, (cohesion + outsideSum[c] / size[c]) / 2)
    }

    func score(_ a: Int, _ b: Int, _ sum: Double) -> Double {
        let pairs = size[a] * size[b]
        let mean = sum / pairs
        if mean < floor.at(pairs: pairs) { return -.infinity }
        return 2 * mean - level(a) - level(b)
    }
}

struct Link {
    var cluster: Int32
    var sum: Double
}

/// A max-heap of candidate merges (best score first; ties by smaller labels).
struct MergeHeap {
    struct Entry {
        var score: Double
        var a: Int32
        var b: Int32
        var va: UInt32
        var vb: UInt32
        @inline(__always) func before(_ o: Entry) -> Bool {
            score != o.score ? score > o.score : (a != o.a ? a < o.a : b < o.b)
        }
    }
    var items: [Entry] = []

    mutating func heapify() {
        if items.count < 2 { return }
        for i in stride(from: items.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    mutating func push(_ x: Entry) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if items[i].before(items[p]) { items.swapAt(i, p); i = p } else { break }
        }
    }

    mutating func pop() -> Entry? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        siftDown(0)
        return top
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = items.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && items[l].before(items[m]) { m = l }
            if r < n && items[r].before(items[m]) { m = r }
            if m == i { return }
            items.swapAt(i, m)
            i = m
        }
    }
}

/// Moves the `k` entries that come first in the total order `before` to the front of `a`, in
/// no particular order, in expected linear time (quickselect with pivots drawn from a generator
/// seeded by the count; the chosen set does not depend on them, the order being total).
@inline(__always)
func selectFirst<T>(_ a: inout [T], _ k: Int, by before: (T, T) -> Bool) {
    guard k > 0, k < a.count else { return }
    var rng = SplitMix64(seed: UInt64(a.count))
    a.withUnsafeMutableBufferPointer { b in
        var lo = 0, hi = b.count - 1
        while lo < hi {
            let pivot = b[lo + Int(rng.next() % UInt64(hi - lo + 1))]
            var i = lo, j = hi
            while i <= j {
                while before(b[i], pivot) { i += 1 }
                while before(pivot, b[j]) { j -= 1 }
                if i <= j { b.swapAt(i, j); i += 1; j -= 1 }
            }
            if k - 1 <= j { hi = j } else if k - 1 >= i { lo = i } else { return }
        }
    }
}
