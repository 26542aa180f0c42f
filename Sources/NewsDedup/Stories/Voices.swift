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
    /// Each voice's first article (its row, for a single article).
    var firstMember: [Int32]
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
    /// Similarities use each voice's this-many strongest terms (0: the whole row).
    let sketchTerms: Int
    let reducedWeight: Double

    var count: Int { voices.count }

    /// Whether voice i's row has term t (binary search in the sorted row).
    func has(_ i: Int, _ t: Int32) -> Bool {
        let g = groupRow[i]
        let cols: [Int32], lo: Int, hi: Int
        if g < 0 {
            let d = Int(firstMember[i])
            (cols, lo, hi) = (terms.matrix.columnIndex, terms.matrix.rowStart[d], terms.matrix.rowStart[d + 1])
        } else {
            (cols, lo, hi) = (groupColumn, groupStart[Int(g)], groupStart[Int(g) + 1])
        }
        var a = lo, b = hi
        while a < b { let m = (a + b) / 2; if cols[m] < t { a = m + 1 } else { b = m } }
        return a < hi && cols[a] == t
    }

    init(voices: Voices, terms: TermMatrix, weight: [Double], reduced: Matrix?, reducedWeight: Double, postingTerms: Int, sketchTerms: Int) {
        self.voices = voices
        self.terms = terms
        self.weight = weight
        self.reducedWeight = reducedWeight
        let v = voices.count
        let columns = terms.matrix.columns
        let m = terms.matrix
        // Group rows (dense accumulation over the group's members).
        groupRow = [Int32](repeating: -1, count: v)
        firstMember = (0..<v).map { voices.members[voices.start[$0]] }
        // In parallel over chunks of group voices, then concatenated in voice order.
        let groupVoices = (0..<v).filter { voices.group[$0] >= 0 }
        var groupParts = Parallel.mapChunks(groupVoices.count, chunks: max(1, min(groupVoices.count, Parallel.threads * 4))) {
            range -> (ends: [Int], columns: [Int32], values: [Double]) in
            var dense = [Double](repeating: 0, count: columns)
            var used: [Int32] = []
            var ends: [Int] = [], cols: [Int32] = [], vals: [Double] = []
            for i in range.map({ groupVoices[$0] }) {
                for q in voices.start[i]..<voices.start[i + 1] {
                    let d = Int(voices.members[q])
                    for p in m.rowStart[d]..<m.rowStart[d + 1] {
                        let t = Int(m.columnIndex[p])
                        if dense[t] == 0 { used.append(Int32(t)) }
                        dense[t] += m.values[p]
                    }
                }
                used.sort()
                for t in used { cols.append(t); vals.append(dense[Int(t)]); dense[Int(t)] = 0 }
                used.removeAll(keepingCapacity: true)
                ends.append(cols.count)
            }
            return (ends, cols, vals)
        }
        // Sized once, each part freed as it is copied (no doubling, no second copy of all rows).
        let groupEntries = groupParts.reduce(0) { $0 + $1.columns.count }
        groupColumn.reserveCapacity(groupEntries)
        groupValue.reserveCapacity(groupEntries)
        groupStart.reserveCapacity(groupVoices.count + 1)
        var nextGroupVoice = 0
        for p in groupParts.indices {
            let base = groupColumn.count
            for end in groupParts[p].ends {
                groupRow[groupVoices[nextGroupVoice]] = Int32(groupStart.count - 1)
                groupStart.append(base + end)
                nextGroupVoice += 1
            }
            groupColumn.append(contentsOf: groupParts[p].columns)
            groupValue.append(contentsOf: groupParts[p].values)
            groupParts[p] = ([], [], [])
        }
        // Norms and strongest terms, in parallel over voices.
        let T = max(1, postingTerms, sketchTerms)
        self.sketchTerms = sketchTerms
        // The strongest first, ties by the smaller term: as one integer per entry, the weight's
        // bits over the complement of the term (non-negative floats order as their bits), so
        // the choice and the sort are integer ones. A negative or NaN weight (never seen from
        // TF-IDF) takes the comparison sort instead, which orders the same otherwise.
        var perChunk = Parallel.mapChunks(v, chunks: max(1, min(v, Parallel.threads * 8))) { [groupRow, groupStart, groupColumn, groupValue] range -> ([Double], [Int], [Int32], [Float]) in
            var norms: [Double] = [], counts: [Int] = [], tops: [Int32] = [], weights: [Float] = []
            // At most T terms a voice: sized once (doubling copied the lists into fresh pages).
            norms.reserveCapacity(range.count)
            counts.reserveCapacity(range.count)
            tops.reserveCapacity(range.count * T)
            weights.reserveCapacity(range.count * T)
            var scratch: [(Int32, Float)] = []
            var keys: [UInt64] = []
            for i in range {
                scratch.removeAll(keepingCapacity: true)
                keys.removeAll(keepingCapacity: true)
                var sq = 0.0
                var ordered = true
                let g = groupRow[i]
                let (cols, vals, lo, hi): ([Int32], [Double], Int, Int) = g < 0
                    ? (m.columnIndex, m.values, m.rowStart[Int(voices.members[voices.start[i]])], m.rowStart[Int(voices.members[voices.start[i]]) + 1])
                    : (groupColumn, groupValue, groupStart[Int(g)], groupStart[Int(g) + 1])
                for p in lo..<hi where weight[Int(cols[p])] > 0 {
                    let x = vals[p] * weight[Int(cols[p])]
                    sq += x * x
                    let f = Float(x)
                    if !(f >= 0) || f.sign == .minus { ordered = false }
                    keys.append(UInt64(f.bitPattern) << 32 | UInt64(UInt32.max - UInt32(bitPattern: cols[p])))
                }
                let inv = sq > 0 ? 1 / sq.squareRoot() : 0
                norms.append(inv)
                if ordered {
                    let kept = min(T, keys.count)
                    if kept == 0 { counts.append(0); continue }
                    keys.withUnsafeMutableBufferPointer { k in
                        selectLargest(k.baseAddress!, k.count, kept)
                        k[0..<kept].sort(by: >)
                    }
                    counts.append(kept)
                    for q in 0..<kept {
                        tops.append(Int32(bitPattern: UInt32.max - UInt32(truncatingIfNeeded: keys[q])))
                        weights.append(Float(Double(Float(bitPattern: UInt32(truncatingIfNeeded: keys[q] >> 32))) * inv))
                    }
                    continue
                }
                for p in lo..<hi where weight[Int(cols[p])] > 0 { scratch.append((cols[p], Float(vals[p] * weight[Int(cols[p])]))) }
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
        // Sized once, each part freed as it is copied (as the group rows above).
        let topEntries = perChunk.reduce(0) { $0 + $1.2.count }
        topTerm.reserveCapacity(topEntries)
        topWeight.reserveCapacity(topEntries)
        for c in perChunk.indices {
            let (norms, counts, tops, weights) = perChunk[c]
            perChunk[c] = ([], [], [], [])
            inverseNorm.append(contentsOf: norms)
            for c in counts { topStart.append(topStart[topStart.count - 1] + c) }
            topTerm.append(contentsOf: tops)
            topWeight.append(contentsOf: weights)
        }
        // Postings: the transpose of the strongest-term lists, filled in voice order.
        var postingCount = [Int](repeating: 0, count: columns + 1)
        for i in 0..<v {
            for p in topStart[i]..<min(topStart[i + 1], topStart[i] + postingTerms) { postingCount[Int(topTerm[p]) + 1] += 1 }
        }
        for t in 0..<columns { postingCount[t + 1] += postingCount[t] }
        postingStart = postingCount
        var fill = postingCount
        postingVoice = [Int32](repeating: 0, count: postingCount[columns])
        postingWeight = [Float](repeating: 0, count: postingCount[columns])
        for i in 0..<v {
            for p in topStart[i]..<min(topStart[i + 1], topStart[i] + postingTerms) {
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
            // In parallel over voices (each writes its own row); the reads stride over the
            // column-major vectors, one cache line a component.
            out.withUnsafeMutableBufferPointer { o in
                let shared = SharedMutableBuffer(o)
                Parallel.forEachChunk(v, minimumChunk: 1024) { range in
                    var acc = [Double](repeating: 0, count: r.columns)
                    for i in range {
                        for c in 0..<r.columns { acc[c] = 0 }
                        for q in voices.start[i]..<voices.start[i + 1] {
                            let d = Int(voices.members[q])
                            for c in 0..<r.columns { acc[c] += r.elements[d + c * r.rows] }
                        }
                        let norm = acc.reduce(0) { $0 + $1 * $1 }.squareRoot()
                        if norm > 0 { for c in 0..<r.columns { shared[i * r.columns + c] = Float(acc[c] / norm) } }
                    }
                }
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
    /// Stop taking in new voices once they cannot reach the shortlist (`run`); false: every
    /// voice met is accumulated (the reference the tests compare with).
    var prune = true

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

    /// The first voice of `windowRange(i)` that is surely within voice i's window: the voices
    /// from here on start no earlier than `window` days before voice i starts (so they cannot end
    /// too early) and, being in the range, start no later than `window` days after it ends.
    /// Only the voices before it (which may have ended too early) need a date test.
    func surelyInWindow(_ i: Int) -> Int {
        let vs = space.voices
        if i >= vs.dated { return 0 }
        return datedUpTo(Int64(vs.lo[i]) - Int64(window) - 1)
    }

    @inline(__always) func inWindow(_ i: Int, _ j: Int) -> Bool {
        let vs = space.voices
        if i >= vs.dated || j >= vs.dated { return true }
        return vs.lo[j] - vs.hi[i] <= window && vs.lo[i] - vs.hi[j] <= window
    }

    /// Raw views of the arrays the hot loops read (valid inside `withRaw`).
    struct Raw {
        let matrixStart: UnsafeBufferPointer<Int>
        let matrixColumn: UnsafeBufferPointer<Int32>
        let matrixValue: UnsafeBufferPointer<Double>
        let groupStart: UnsafeBufferPointer<Int>
        let groupColumn: UnsafeBufferPointer<Int32>
        let groupValue: UnsafeBufferPointer<Double>
        let groupRow: UnsafeBufferPointer<Int32>
        let firstMember: UnsafeBufferPointer<Int32>
        let inverseNorm: UnsafeBufferPointer<Double>
        let weight: UnsafeBufferPointer<Double>
        let reduced: UnsafeBufferPointer<Float>
        let topStart: UnsafeBufferPointer<Int>
        let topTerm: UnsafeBufferPointer<Int32>
        let topWeight: UnsafeBufferPointer<Float>

        /// Voice i's raw row: columns, values, length.
        @inline(__always) func row(_ i: Int) -> (UnsafePointer<Int32>, UnsafePointer<Double>, Int) {
            let g = Int(groupRow[i])
            if g < 0 {
                let d = Int(firstMember[i])
                let a = matrixStart[d], b = matrixStart[d + 1]
                return (matrixColumn.baseAddress! + a, matrixValue.baseAddress! + a, b - a)
            }
            let a = groupStart[g], b = groupStart[g + 1]
            return (groupColumn.baseAddress! + a, groupValue.baseAddress! + a, b - a)
        }
    }

    func withRaw<R>(_ body: (Raw) -> R) -> R {
        let m = space.terms.matrix
        // Empty arrays have no base address: give every view at least one element.
        let gc = space.groupColumn.isEmpty ? [Int32(0)] : space.groupColumn
        let gv = space.groupValue.isEmpty ? [0.0] : space.groupValue
        let mc = m.columnIndex.isEmpty ? [Int32(0)] : m.columnIndex
        let mv = m.values.isEmpty ? [0.0] : m.values
        let rv = space.reducedVoices.isEmpty ? [Float(0)] : space.reducedVoices
        let tt = space.topTerm.isEmpty ? [Int32(0)] : space.topTerm
        let tw = space.topWeight.isEmpty ? [Float(0)] : space.topWeight
        return m.rowStart.withUnsafeBufferPointer { ms in mc.withUnsafeBufferPointer { mcol in mv.withUnsafeBufferPointer { mval in
            space.groupStart.withUnsafeBufferPointer { gs in gc.withUnsafeBufferPointer { gcol in gv.withUnsafeBufferPointer { gval in
                space.groupRow.withUnsafeBufferPointer { gr in space.firstMember.withUnsafeBufferPointer { fm in
                    space.inverseNorm.withUnsafeBufferPointer { inv in space.weight.withUnsafeBufferPointer { w in
                        rv.withUnsafeBufferPointer { red in
                          space.topStart.withUnsafeBufferPointer { ts in tt.withUnsafeBufferPointer { tterm in tw.withUnsafeBufferPointer { tweight in
                            body(Raw(matrixStart: ms, matrixColumn: mcol, matrixValue: mval, groupStart: gs, groupColumn: gcol,
                                     groupValue: gval, groupRow: gr, firstMember: fm, inverseNorm: inv, weight: w, reduced: red,
                                     topStart: ts, topTerm: tterm, topWeight: tweight))
                          }}}
                        }
                    }}
                }}
            }}}
        }}}
    }

    /// Per-thread scratch for exact similarities: the query voice scattered into a dense row,
    /// and the columns it set (`used[0..<usedCount]`, for clearing).
    final class Scratch {
        let dense: UnsafeMutablePointer<Float>
        let used: UnsafeMutablePointer<Int32>
        var usedCount = 0
        let columns: Int
        init(columns: Int) {
            self.columns = max(1, columns)
            dense = .allocate(capacity: self.columns)
            dense.initialize(repeating: 0, count: self.columns)
            used = .allocate(capacity: self.columns)
        }
        deinit { dense.deallocate(); used.deallocate() }
    }

    /// Scatters voice i (scaled by its inverse norm and both sides' term factors: the gather
    /// multiplies the other voice's raw values) into the scratch row. A row's columns are
    /// distinct, so `used` never outgrows the columns (one voice is scattered at a time).
    func scatter(_ i: Int, into s: Scratch, _ raw: Raw, sketch: Bool = false) {
        let dense = s.dense, used = s.used
        var n = s.usedCount
        if sketch {
            for p in raw.topStart[i]..<raw.topStart[i + 1] { dense[Int(raw.topTerm[p])] = raw.topWeight[p]; used[n] = raw.topTerm[p]; n += 1 }
            s.usedCount = n
            return
        }
        let inv = raw.inverseNorm[i]
        let (cols, vals, count) = raw.row(i)
        for q in 0..<count {
            let t = Int(cols[q])
            let w = raw.weight[t]
            if w > 0 { dense[t] = Float(vals[q] * w * w * inv); used[n] = cols[q]; n += 1 }
        }
        s.usedCount = n
    }

    func clear(_ s: Scratch) {
        let dense = s.dense, used = s.used
        for q in 0..<s.usedCount { dense[Int(used[q])] = 0 }
        s.usedCount = 0
    }

    /// Similarity of the scattered query voice i to voice j.
    @inline(__always) func similarity(_ i: Int, _ j: Int, _ s: Scratch, _ raw: Raw, sketch: Bool = false) -> Double {
        mix(cosine(j, s, raw, sketch: sketch), reducedCosine(i, j, raw))
    }

    /// TF-IDF cosine of the scattered query voice to voice j (of their sketches when `sketch`).
    @inline(__always) func cosine(_ j: Int, _ s: Scratch, _ raw: Raw, sketch: Bool = false) -> Double {
        let dense = s.dense
        if sketch {
            var f0: Float = 0, f1: Float = 0
            var p = raw.topStart[j]
            let e = raw.topStart[j + 1]
            while p + 2 <= e {
                f0 += dense[Int(raw.topTerm[p])] * raw.topWeight[p]
                f1 += dense[Int(raw.topTerm[p + 1])] * raw.topWeight[p + 1]
                p += 2
            }
            if p < e { f0 += dense[Int(raw.topTerm[p])] * raw.topWeight[p] }
            return Double(f0 + f1)
        }
        let (cols, vals, count) = raw.row(j)
        // Four running sums break the addition chain (the gather dominates the story stage).
        var d0 = 0.0, d1 = 0.0, d2 = 0.0, d3 = 0.0
        var q = 0
        while q + 4 <= count {
            d0 += Double(dense[Int(cols[q])]) * vals[q]
            d1 += Double(dense[Int(cols[q + 1])]) * vals[q + 1]
            d2 += Double(dense[Int(cols[q + 2])]) * vals[q + 2]
            d3 += Double(dense[Int(cols[q + 3])]) * vals[q + 3]
            q += 4
        }
        while q < count { d0 += Double(dense[Int(cols[q])]) * vals[q]; q += 1 }
        return ((d0 + d1) + (d2 + d3)) * raw.inverseNorm[j]
    }

    /// Cosine of voices i and j's reduced vectors (0 when they are not used).
    @inline(__always) func reducedCosine(_ i: Int, _ j: Int, _ raw: Raw) -> Float {
        let c = space.components
        if space.reducedWeight == 0 || c == 0 { return 0 }
        var r: Float = 0
        let a = raw.reduced.baseAddress! + i * c, b = raw.reduced.baseAddress! + j * c
        for q in 0..<c { r += a[q] * b[q] }
        return r
    }

    /// The similarity: the TF-IDF cosine mixed with the reduced cosine `r`.
    @inline(__always) func mix(_ dot: Double, _ r: Float) -> Double {
        let w = space.reducedWeight
        if w == 0 || space.components == 0 { return dot }
        return (1 - w) * dot + w * Double(r)
    }

    func run() -> NeighbourGraph {
        let v = space.count
        let vs = space.voices
        let columns = space.terms.matrix.columns
        // Each term's largest posting weight: a voice's product through the term is at most
        // the query's weight times this.
        var postingMax = [Float](repeating: 0, count: max(1, columns))
        for t in 0..<columns {
            var m: Float = 0
            for q in space.postingStart[t]..<space.postingStart[t + 1] { m = max(m, space.postingWeight[q]) }
            postingMax[t] = m
        }
        let prune = self.prune && shortlist > 0
        // Components of the reduced vectors the similarities read (0: none).
        let components = space.reducedWeight == 0 ? 0 : space.components
        let chunks = withRaw { raw in
          space.postingStart.withUnsafeBufferPointer { pStart in
          (space.postingVoice.isEmpty ? [Int32(0)] : space.postingVoice).withUnsafeBufferPointer { pVoice in
          (space.postingWeight.isEmpty ? [Float(0)] : space.postingWeight).withUnsafeBufferPointer { pWeight in
          Parallel.mapChunks(v, chunks: max(1, min(v, Parallel.threads * 8))) { range -> ([Int], [Int32], [Float], Int) in
            var counts: [Int] = [], nbrs: [Int32] = [], sims: [Float] = []
            var candidates = 0
            // Partial dot products by voice, and the voices they were started for (each voice at
            // most once: the products of normalised positive weights are positive, so a sum is 0
            // only until its first term), which then become their ranking keys.
            let partial = UnsafeMutablePointer<Float>.allocate(capacity: max(1, v))
            partial.initialize(repeating: 0, count: max(1, v))
            defer { partial.deallocate() }
            // One slot more than voices: `addMarked` writes the next slot before it knows
            // whether the voice is new.
            let touched = UnsafeMutablePointer<UInt64>.allocate(capacity: v + 1)
            defer { touched.deallocate() }
            // With `prune`: the voices accumulated, as bits (a small array that stays in cache,
            // where `partial` is read at random), cleared after each voice.
            let words = (v + 63) >> 6
            let member = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, words))
            member.initialize(repeating: 0, count: max(1, words))
            defer { member.deallocate() }
            // Per index term: its windowed posting positions (a, m, b, u, e; a < 0: skipped) and
            // the bound of the products still to come after it.
            var spans = [Int](repeating: 0, count: 5 * max(1, indexTerms))
            var rest = [Double](repeating: 0, count: max(1, indexTerms))
            // Shortlisted voices with their sketch similarity and reduced cosine.
            var scored: [(Int32, Double, Float)] = []
            let scratch = Scratch(columns: columns)
            // The chunk's voices by strongest term (then voice): voices of one story tend to
            // follow each other, and share most of their candidates, whose sketches, reduced
            // vectors and rows are then still in cache. Each voice's list is computed alone, so
            // the order changes nothing but the order they are stored in; `listAt` puts them back.
            let order = range.sorted { a, b in
                let ta = space.topStart[a] < space.topStart[a + 1] ? space.topTerm[space.topStart[a]] : -1
                let tb = space.topStart[b] < space.topStart[b + 1] ? space.topTerm[space.topStart[b]] : -1
                return ta != tb ? ta < tb : a < b
            }
            var listAt = [Int](repeating: 0, count: range.count)
            for i in order {
                listAt[i - range.lowerBound] = nbrs.count
                let dated = windowRange(i)
                let sure = surelyInWindow(i)
                let loI = i < vs.dated ? vs.lo[i] : 0
                var touchedCount = 0
                // The reference (`prune` off): a voice is new while its sum is 0.
                @inline(__always) func add(_ q: Int, _ wi: Float) {
                    let j = Int(pVoice[q])
                    if partial[j] == 0 { touched[touchedCount] = UInt64(j); touchedCount += 1 }
                    partial[j] += wi * pWeight[q]
                }
                // Pruning: a voice is new while its bit is clear; its sum starts as its first
                // product (0 + x is x: the same floats), so `partial` needs no clearing after.
                // Both accumulations select rather than branch on the bit (a branch per entry
                // that the bits' pattern makes unpredictable): a new voice's stale sum is read
                // and dropped, a voice not met keeps its stale sum, which is never ranked.
                @inline(__always) func addMarked(_ q: Int, _ wi: Float) {
                    let j = Int(pVoice[q])
                    let word = j >> 6, bit: UInt64 = 1 << UInt64(j & 63)
                    let x = wi * pWeight[q]
                    let old = member[word]
                    let isNew = old & bit == 0
                    member[word] = old | bit
                    touched[touchedCount] = UInt64(j)
                    touchedCount &+= isNew ? 1 : 0
                    let p = partial[j]
                    partial[j] = (isNew ? 0 : p) + x
                }
                @inline(__always) func addKnown(_ q: Int, _ wi: Float) {
                    let j = Int(pVoice[q])
                    let known = member[j >> 6] & (1 << UInt64(j & 63)) != 0
                    let p = partial[j]
                    partial[j] = known ? p + wi * pWeight[q] : p
                }
                let first = space.topStart[i], terms = min(space.topStart[i + 1], first + indexTerms) - first
                for k in 0..<terms {
                    let t = Int(space.topTerm[first + k])
                    let s = pStart[t], e = pStart[t + 1]
                    // Positions of the window's dated voices (those needing a date test first)
                    // and of the undated tail in this posting list.
                    let a = lowerBound(pVoice, s, e, Int32(dated.lowerBound))
                    let m = gallop(pVoice, a, e, Int32(sure))
                    let b = gallop(pVoice, m, e, Int32(dated.upperBound))
                    let u = b == e || pVoice[e - 1] < Int32(vs.dated) ? e : lowerBound(pVoice, b, e, Int32(vs.dated))
                    let skipped = (b - a) + (e - u) > maxPosting
                    spans[5 * k] = skipped ? -1 : a
                    spans[5 * k + 1] = m; spans[5 * k + 2] = b; spans[5 * k + 3] = u; spans[5 * k + 4] = e
                    rest[k] = skipped ? 0 : Double(space.topWeight[first + k] * postingMax[t])
                }
                // rest[k]: the most the terms after k add to any one voice's sum (products are
                // rounded up by at most 2^-24 each, the sum of at most 11 of them by less than
                // 2^-20: a relative slack of 2^-16 covers both).
                var after = 0.0
                for k in stride(from: terms - 1, through: 0, by: -1) {
                    let own = rest[k]
                    rest[k] = after * (1 + 0x1p-16)
                    after += own
                }
                // Pruned: the shortlist's place is out of reach of every voice not met yet, so
                // the sums go on for the voices met only (in the same order: the same floats).
                // `prunedAt`: the bound then passed by at least `shortlist` sums.
                var pruned = false
                var prunedAt = 0.0
                for k in 0..<terms {
                    let a = spans[5 * k]
                    if a < 0 { continue }
                    let m = spans[5 * k + 1], b = spans[5 * k + 2], u = spans[5 * k + 3], e = spans[5 * k + 4]
                    let wi = space.topWeight[first + k]
                    if pruned {
                        for q in a..<m where loI - vs.hi[Int(pVoice[q])] <= window { addKnown(q, wi) }
                        for q in m..<b where Int(pVoice[q]) != i { addKnown(q, wi) }
                        for q in u..<e where Int(pVoice[q]) != i { addKnown(q, wi) }
                        continue
                    }
                    if !prune {
                        for q in a..<m where loI - vs.hi[Int(pVoice[q])] <= window { add(q, wi) }
                        for q in m..<b where Int(pVoice[q]) != i { add(q, wi) }
                        for q in u..<e where Int(pVoice[q]) != i { add(q, wi) }
                        continue
                    }
                    for q in a..<m where loI - vs.hi[Int(pVoice[q])] <= window { addMarked(q, wi) }
                    for q in m..<b where Int(pVoice[q]) != i { addMarked(q, wi) }
                    for q in u..<e where Int(pVoice[q]) != i { addMarked(q, wi) }
                    // The shortlist's last score only grows (positive products): once at least
                    // `shortlist` voices exceed what the remaining terms can give a new voice,
                    // no new voice can enter the shortlist (strictly below, so no tie either).
                    // The test reads the first voices met only (those of the strongest terms, the
                    // likeliest to be above): at a million articles a voice meets about a thousand,
                    // and a test over all of them after each term cost a tenth of the search.
                    // Pruning or not changes no list, only the work (the test against the reference).
                    if k + 1 < terms && touchedCount >= shortlist {
                        let bound = rest[k]
                        let looked = min(touchedCount, 4 * shortlist)
                        var above = 0, q = 0
                        while q < looked && above < shortlist && looked - q + above >= shortlist {
                            if Double(partial[Int(touched[q])]) > bound { above += 1 }
                            q += 1
                        }
                        if above >= shortlist { pruned = true; prunedAt = bound }
                    }
                }
                candidates += touchedCount
                // The voices ranked: all met ones; once pruned, those above `prunedAt` only (at
                // least `shortlist` of them, and sums only grow: the best `shortlist` are among them).
                var rankable = 0
                if prune {
                    for q in 0..<touchedCount {
                        let j = Int(touched[q])
                        member[j >> 6] = 0
                        if !pruned || Double(partial[j]) > prunedAt { touched[rankable] = rankingKey(j, partial[j]); rankable += 1 }
                    }
                } else {
                    for q in 0..<touchedCount {
                        let j = Int(touched[q])
                        touched[q] = rankingKey(j, partial[j])
                        partial[j] = 0
                    }
                    rankable = touchedCount
                }
                let ranked = min(rankable, shortlist)
                selectLargest(touched, rankable, ranked)
                scored.removeAll(keepingCapacity: true)
                let sketch = space.sketchTerms > 0
                if ranked > 0 {
                    scatter(i, into: scratch, raw, sketch: sketch)
                    // The candidates' sketches and reduced vectors lie anywhere in arrays far
                    // larger than the cache (at a million articles): ask for them `ahead`
                    // candidates early, and for where a sketch starts twice as early.
                    let ahead = 4
                    @inline(__always) func fetchStart(_ q: Int) {
                        if q < ranked { prefetch(raw.topStart.baseAddress! + rankedVoice(touched[q])) }
                    }
                    @inline(__always) func fetch(_ q: Int) {
                        guard q < ranked else { return }
                        let j = rankedVoice(touched[q])
                        if sketch {
                            let a = raw.topStart[j], n = raw.topStart[j + 1] - a
                            prefetch(raw.topTerm.baseAddress! + a, count: n)
                            prefetch(raw.topWeight.baseAddress! + a, count: n)
                        }
                        if components > 0 { prefetch(raw.reduced.baseAddress! + j * components, count: components) }
                    }
                    for q in 0..<2 * ahead { fetchStart(q) }
                    for q in 0..<ahead { fetch(q) }
                    for q in 0..<ranked {
                        fetchStart(q + 2 * ahead)
                        fetch(q + ahead)
                        let j = rankedVoice(touched[q])
                        let r = reducedCosine(i, j, raw)
                        let s = mix(cosine(j, scratch, raw, sketch: sketch), r)
                        if s > 0 { scored.append((Int32(j), s, r)) }
                    }
                    clear(scratch)
                }
                if sketch && !scored.isEmpty {
                    // The sketches chose the neighbours (the best `keep`, in any order); their
                    // similarities are computed exactly (the reduced cosines are the same).
                    selectBestScored(&scored, keep)
                    // The kept voices' whole rows lie anywhere in gigabytes at a million
                    // articles: ask for each two rows before it is read.
                    @inline(__always) func fetchRow(_ q: Int) {
                        guard q < scored.count else { return }
                        let (cols, vals, count) = raw.row(Int(scored[q].0))
                        prefetch(cols, count: count)
                        prefetch(vals, count: count)
                    }
                    fetchRow(0); fetchRow(1)
                    scatter(i, into: scratch, raw)
                    for q in scored.indices {
                        fetchRow(q + 2)
                        scored[q].1 = mix(cosine(Int(scored[q].0), scratch, raw), scored[q].2)
                    }
                    clear(scratch)
                    scored.removeAll { $0.1 <= 0 }
                }
                scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                let kept = min(keep, scored.count)
                counts.append(kept)
                for q in 0..<kept { nbrs.append(scored[q].0); sims.append(Float(scored[q].1)) }
            }
            // Back to voice order.
            var inOrder = [Int](repeating: 0, count: range.count)
            for (q, i) in order.enumerated() { inOrder[i - range.lowerBound] = counts[q] }
            var byVoice: [Int32] = [], simByVoice: [Float] = []
            byVoice.reserveCapacity(nbrs.count)
            simByVoice.reserveCapacity(sims.count)
            for r in 0..<range.count {
                byVoice.append(contentsOf: nbrs[listAt[r]..<listAt[r] + inOrder[r]])
                simByVoice.append(contentsOf: sims[listAt[r]..<listAt[r] + inOrder[r]])
            }
            return (inOrder, byVoice, simByVoice, candidates)
          }}}}
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
        let results = withRaw { raw in Parallel.mapChunks(sampled) { range -> ([Double], [Double]) in
            var sims: [Double] = [], populations: [Double] = []
            let scratch = Scratch(columns: columns)
            for s in range {
                let i = Int((Int64(s) * Int64(v)) / Int64(sampled))
                let dated = windowRange(i)
                let undated = v - vs.dated
                let total = dated.count + undated
                populations.append(Double(max(0, total - 1)))
                guard total > 1 else { continue }
                var rng = SplitMix64(seed: UInt64(i) &* 0x9E37_79B9_7F4A_7C15 ^ 0x5EED)
                scatter(i, into: scratch, raw)
                for _ in 0..<perVoice {
                    let r = Int(rng.next() % UInt64(total))
                    let j = r < dated.count ? dated.lowerBound + r : vs.dated + (r - dated.count)
                    if j == i || !inWindow(i, j) || near(i, j) || near(j, i) { continue }
                    sims.append(self.similarity(i, j, scratch, raw))
                }
                clear(scratch)
            }
            return (sims, populations)
        } }
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

/// Voice j's candidate ranking key for partial dot product `score` (positive): keys order as
/// the scores, ties by the smaller voice first, as one integer comparison. The bits of
/// non-negative floats order as their values.
@inline(__always) func rankingKey(_ j: Int, _ score: Float) -> UInt64 {
    UInt64(score.bitPattern) << 32 | UInt64(UInt32.max - UInt32(j))
}

/// The voice of a ranking key.
@inline(__always) func rankedVoice(_ key: UInt64) -> Int {
    Int(UInt32.max - UInt32(truncatingIfNeeded: key))
}

/// Moves the `k` largest of the distinct keys `a[0..<n]` to `a[0..<k]`, in no particular order
/// (quickselect; the set, hence everything computed from it, does not depend on the pivots).
func selectLargest(_ a: UnsafeMutablePointer<UInt64>, _ n: Int, _ k: Int) {
    guard k > 0, k < n else { return }
    var lo = 0, hi = n - 1
    while lo < hi {
        // Median of three as the pivot, Hoare partition: larger keys to the left.
        let x = a[lo], y = a[(lo + hi) >> 1], z = a[hi]
        let pivot = max(min(x, y), min(max(x, y), z))
        var i = lo, j = hi
        while i <= j {
            while a[i] > pivot { i += 1 }
            while a[j] < pivot { j -= 1 }
            if i <= j { let t = a[i]; a[i] = a[j]; a[j] = t; i += 1; j -= 1 }
        }
        if k - 1 <= j { hi = j } else if k - 1 >= i { lo = i } else { return }
    }
}

/// First position in `a[lo..<hi]` (sorted ascending) whose value is at least `x`.
@inline(__always) func lowerBound(_ a: UnsafeBufferPointer<Int32>, _ lo: Int, _ hi: Int, _ x: Int32) -> Int {
    var l = lo, h = hi
    while l < h { let m = (l + h) >> 1; if a[m] < x { l = m + 1 } else { h = m } }
    return l
}

/// `lowerBound` for a position likely near `lo` (exponential search from `lo`): O(log distance),
/// reading the list forwards from where the last search ended rather than from its middle.
@inline(__always) func gallop(_ a: UnsafeBufferPointer<Int32>, _ lo: Int, _ hi: Int, _ x: Int32) -> Int {
    if lo >= hi || a[lo] >= x { return lo }
    // a[lo + step / 2] < x throughout.
    var step = 1
    while lo + step < hi && a[lo + step] < x { step <<= 1 }
    return lowerBound(a, lo + step / 2 + 1, min(hi, lo + step), x)
}

/// Why `Adjacency` leaves an edge out.
enum DroppedEdge: Int, CaseIterable {
    /// Two headlines of one template (`HeadlineTemplates.sameTemplate`).
    case sameTemplate
    /// Both voices write names and share none (`VoiceNames.mayLink`).
    case noSharedName
}

/// The undirected neighbour graph: an edge wherever either voice keeps the other among its
/// `neighbours`; each voice's incident edges, strongest first (ties by smaller neighbour).
struct Adjacency {
    var start: [Int]
    var neighbour: [Int32]
    var similarity: [Float]
    var edgeCount: Int

    /// `drop(a, b)` (a < b) removes an edge when it gives a reason; `dropped[reason.rawValue]`
    /// counts them. It is called from several threads at once, so it must only read.
    var dropped = [Int](repeating: 0, count: DroppedEdge.allCases.count)

    init(graph: NeighbourGraph, voices v: Int, neighbours: Int, drop: (Int, Int) -> DroppedEdge? = { _, _ in nil }) {
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
        // The kept edges by lower end, in parallel over chunks of lower ends (the drop tests
        // compare headlines and names, the bulk of the work), merged in chunk order.
        let parts = Parallel.mapChunks(v, chunks: max(1, min(v, Parallel.threads * 8))) { range -> (edges: [Edge], dropped: [Int]) in
            Adjacency.keptEdges(lowerEnds: range, lowerCount: lowerCount, upper: upper, fromLower: fromLower, sim: sim, drop: drop)
        }
        var degree = [Int](repeating: 0, count: v + 1)
        var edges: [Edge] = []
        edges.reserveCapacity(parts.reduce(0) { $0 + $1.edges.count })
        for part in parts {
            for e in part.edges { degree[Int(e.a) + 1] += 1; degree[Int(e.b) + 1] += 1 }
            edges.append(contentsOf: part.edges)
            for r in dropped.indices { dropped[r] += part.dropped[r] }
        }
        edgeCount = edges.count
        for i in 0..<v { degree[i + 1] += degree[i] }
        start = degree
        var at = degree
        neighbour = [Int32](repeating: 0, count: 2 * edges.count)
        similarity = [Float](repeating: 0, count: 2 * edges.count)
        for e in edges {
            neighbour[at[Int(e.a)]] = e.b; similarity[at[Int(e.a)]] = e.similarity; at[Int(e.a)] += 1
            neighbour[at[Int(e.b)]] = e.a; similarity[at[Int(e.b)]] = e.similarity; at[Int(e.b)] += 1
        }
        Adjacency.sortRows(start: start, neighbour: &neighbour, similarity: &similarity)
    }

    struct Edge {
        var a: Int32
        var b: Int32
        var similarity: Float
    }

    /// The edges of lower ends `lowerEnds`, deduplicated (the lower end's own similarity first)
    /// and without those that `drop` removes, with the count of each reason.
    private static func keptEdges(lowerEnds: Range<Int>, lowerCount: [Int], upper: [Int32], fromLower: [Bool], sim: [Float],
                                  drop: (Int, Int) -> DroppedEdge?) -> (edges: [Edge], dropped: [Int]) {
        var edges: [Edge] = []
        var dropped = [Int](repeating: 0, count: DroppedEdge.allCases.count)
        var bucket: [(Int32, Bool, Float)] = []
        for a in lowerEnds {
            bucket.removeAll(keepingCapacity: true)
            for q in lowerCount[a]..<lowerCount[a + 1] { bucket.append((upper[q], fromLower[q], sim[q])) }
            bucket.sort { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1 && !$1.1) }
            var last: Int32 = -1
            for (b, _, s) in bucket where b != last {
                last = b
                if let reason = drop(a, Int(b)) { dropped[reason.rawValue] += 1; continue }
                edges.append(Edge(a: Int32(a), b: b, similarity: s))
            }
        }
        return (edges, dropped)
    }

    /// Orders each voice's edges strongest first (ties by smaller neighbour), in parallel over voices.
    private static func sortRows(start: [Int], neighbour: inout [Int32], similarity: inout [Float]) {
        let v = start.count - 1
        neighbour.withUnsafeMutableBufferPointer { nb in
            similarity.withUnsafeMutableBufferPointer { sb in
                let neighbour = SharedMutableBuffer(nb), similarity = SharedMutableBuffer(sb)
                Parallel.forEachChunk(v, minimumChunk: 1024) { range in
                    var row: [(Int32, Float)] = []
                    for i in range {
                        row.removeAll(keepingCapacity: true)
                        for p in start[i]..<start[i + 1] { row.append((neighbour[p], similarity[p])) }
                        row.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
                        for (q, (j, s)) in row.enumerated() { neighbour[start[i] + q] = j; similarity[start[i] + q] = s }
                    }
                }
            }
        }
    }
}

/// Each voice's names: the union of its members' (`ArticleNames`), ascending.
struct VoiceNames {
    var start: [Int] = [0]
    var ids: [Int32] = []

    init(voices: Voices, names: ArticleNames) {
        var scratch: [Int32] = []
        start.reserveCapacity(voices.count + 1)
        for i in 0..<voices.count {
            scratch.removeAll(keepingCapacity: true)
            for q in voices.start[i]..<voices.start[i + 1] { scratch.append(contentsOf: names.names(of: Int(voices.members[q]))) }
            if voices.start[i + 1] - voices.start[i] > 1 { scratch.sort() }
            var previous: Int32? = nil
            for x in scratch where x != previous { ids.append(x); previous = x }
            start.append(ids.count)
        }
    }

    /// False when both voices write names and share none.
    func mayLink(_ a: Int, _ b: Int) -> Bool {
        let x = ids[start[a]..<start[a + 1]], y = ids[start[b]..<start[b + 1]]
        return x.isEmpty || y.isEmpty || ArticleNames.intersect(x, y)
    }
}

/// Keeps the best `k` of `a` (by similarity, descending, ties by the smaller voice), in no
/// particular order (`selectFirst`), and drops the rest.
func selectBestScored(_ a: inout [(Int32, Double, Float)], _ k: Int) {
    guard k > 0, k < a.count else { return }
    selectFirst(&a, k) { x, y in x.1 != y.1 ? x.1 > y.1 : x.0 < y.0 }
    a.removeLast(a.count - k)
}
