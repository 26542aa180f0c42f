import Foundation
import LinearAlgebra

/// Finds wire copies: kept shingles -> one-permutation signatures -> LSH candidates ->
/// exact verification -> groups in which every pair of members is verified.
public struct CopyDetector: Sendable {
    public var configuration: CopyConfiguration

    public init(_ configuration: CopyConfiguration) {
        self.configuration = configuration
    }

    /// The decision rule (docs/copies.md): enough shared kept shingles, and the shorter
    /// article mostly contained in the longer one.
    public func isCopy(_ e: PairEvidence) -> Bool {
        e.shared >= configuration.minSharedShingles && e.containment >= configuration.minContainment
            && e.cosine >= configuration.minCosine
    }

    /// `order`: `canonicalOrder(articles, analyzed:)` if the caller has it already (the pipeline
    /// ranks stories by it too); computed here when nil.
    public func detect(articles: [Article], analyzed: AnalyzedCorpus, kept: KeptShingles, terms: TermMatrix,
                       order canonical: [Int]? = nil) -> DuplicateGroups {
        let n = articles.count
        var stats = CopyStats()
        stats.shingles = analyzed.shingleStart.last ?? 0
        stats.keptShingles = kept.hashes.count
        stats.commonShingles = kept.commonShingles.count
        stats.boilerplateShingles = kept.boilerplateShingles.count

        let lsh = LSHParameters.derive(bins: configuration.signatureBins, targetJaccard: configuration.targetJaccard,
                                       recall: configuration.candidateRecall)
        stats.bands = lsh.bands
        stats.rows = lsh.rows
        let signatures = Signatures.compute(kept: kept, bins: configuration.signatureBins)
        let minShared = configuration.minSharedShingles
        let candidates = LSHIndex.candidates(signatures, documentCount: n, parameters: lsh,
                                             maxBucketSize: configuration.maxBucketSize,
                                             isEmpty: { kept.start[$0 + 1] - kept.start[$0] < minShared })
        stats.candidatePairs = candidates.pairs.count
        stats.oversizedBuckets = candidates.oversizedBuckets

        // Exact verification of every candidate, in parallel: several chunks a thread, as pairs
        // differ in cost (one half of the list could take longer than the other, leaving a core
        // idle); the chunks' lists are joined in order.
        let pairs = candidates.pairs
        let verifiedChunks = Parallel.mapChunks(pairs.count, chunks: Parallel.threads * 8) { range -> [(Int32, Int32, PairEvidence)] in
            verify(pairs[range], kept: kept, terms: terms)
        }
        let verified = verifiedChunks.flatMap { $0 }
        stats.verifiedPairs = verified.count
        if let path = ProcessInfo.processInfo.environment["NEWSDEDUP_DUMP_PAIRS"] {
            dumpPairs(pairs, articles: articles, kept: kept, terms: terms, to: path)
        }

        // Grouping without chaining: the article verified against the most others (ties:
        // canonical order) is the hub of a group; its free verified neighbours join, strongest
        // containment first, each only if it also overlaps every member already in (verified,
        // or sharing at least `minSharedShingles` kept shingles). Every member is verified
        // against the hub, and two articles that each share a different part of a third are
        // never joined through it.
        var neighbours = [[(Int32, Double)]](repeating: [], count: n)
        // Verified pairs (smaller index first) and their evidence, measured that way round.
        var verifiedPairs = [UInt64: PairEvidence]()
        verifiedPairs.reserveCapacity(verified.count)
        for (a, b, e) in verified {
            neighbours[Int(a)].append((b, e.containment))
            neighbours[Int(b)].append((a, e.containment))
            verifiedPairs[UInt64(UInt32(min(a, b))) << 32 | UInt64(UInt32(max(a, b)))] = a < b ? e : e.swapped
        }
        /// Two members of one group: verified copies of each other, or at least sharing the
        /// minimum evidence (two differently trimmed copies of one original overlap in the
        /// middle; two articles that each share a different part of a third do not).
        func overlaps(_ x: Int, _ y: Int) -> Bool {
            if verifiedPairs[UInt64(UInt32(min(x, y))) << 32 | UInt64(UInt32(max(x, y)))] != nil { return true }
            return PairEvidence.intersectionCount(kept.shingles(of: x), kept.shingles(of: y)) >= minShared
        }
        let order = canonical ?? CopyDetector.canonicalOrder(articles, analyzed: analyzed)
        precondition(order.count == n, "detect: canonical order of \(order.count) articles for \(n)")
        var rank = [Int](repeating: 0, count: n)
        for (r, d) in order.enumerated() { rank[d] = r }
        let degree = neighbours.map(\.count)
        var hubs: [Int] = (0..<n).filter { degree[$0] > 0 }
        hubs.sort { (a: Int, b: Int) -> Bool in
            if degree[a] != degree[b] { return degree[a] > degree[b] }
            return rank[a] < rank[b]
        }
        var groupOf = [Int32](repeating: -1, count: n)
        var groups: [DuplicateGroup] = []
        for hub in hubs where groupOf[hub] < 0 {
            var free = neighbours[hub].filter { groupOf[Int($0.0)] < 0 }
            if free.isEmpty { continue }
            free.sort { $0.1 != $1.1 ? $0.1 > $1.1 : rank[Int($0.0)] < rank[Int($1.0)] }
            var members = [hub]
            for (candidate, _) in free where members.allSatisfy({ overlaps($0, Int(candidate)) }) {
                members.append(Int(candidate))
            }
            if members.count < 2 { continue }
            members.sort { rank[$0] < rank[$1] }
            let canonical = members[0]
            let gi = Int32(groups.count)
            for m in members { groupOf[m] = gi }
            groups.append(DuplicateGroup(id: CopyDetector.groupID(canonicalID: articles[canonical].id),
                                         canonical: canonical, members: members, evidence: []))
        }
        // Each member's evidence against its canonical, in parallel over groups.
        let evidence = Parallel.mapChunks(groups.count, chunks: max(1, min(groups.count, Parallel.threads * 4))) { range in
            range.map { g -> [PairEvidence] in
                let canonical = groups[g].canonical
                return groups[g].members.map { m in
                    if m == canonical {
                        let size = kept.shingles(of: m).count
                        return PairEvidence(shared: size, sizeA: size, sizeB: size, cosine: 1)
                    }
                    // A pair verified already is not measured again (the measures are symmetric).
                    if let e = verifiedPairs[UInt64(UInt32(min(canonical, m))) << 32 | UInt64(UInt32(max(canonical, m)))] {
                        return canonical < m ? e : e.swapped
                    }
                    return PairEvidence.measure(canonical, m, kept: kept, terms: terms)
                }
            }
        }.flatMap { $0 }
        for g in groups.indices { groups[g].evidence = evidence[g] }
        // Output order: by canonical order of the canonical article.
        groups.sort { rank[$0.canonical] < rank[$1.canonical] }
        for (gi, g) in groups.enumerated() { for m in g.members { groupOf[m] = Int32(gi) } }
        stats.groups = groups.count
        stats.articlesInGroups = groups.reduce(0) { $0 + $1.members.count }
        return DuplicateGroups(groups: groups, groupOfArticle: groupOf, stats: stats)
    }

    /// The candidate pairs that are copies (`isCopy`), with their evidence. The cosine is
    /// computed only for pairs that pass the shingle tests (the others fail whatever it is).
    func verify(_ pairs: ArraySlice<(Int32, Int32)>, kept: KeptShingles, terms: TermMatrix) -> [(Int32, Int32, PairEvidence)] {
        var out: [(Int32, Int32, PairEvidence)] = []
        let minShared = configuration.minSharedShingles, minContainment = configuration.minContainment
        kept.start.withUnsafeBufferPointer { start in
            (kept.hashes.isEmpty ? [0] : kept.hashes).withUnsafeBufferPointer { hashes in
                // The second article of a pair is anywhere in a shingle array far larger than the
                // cache (the first repeats: pairs are sorted): its set is asked for `ahead` pairs early.
                let ahead = 4
                @inline(__always) func fetch(_ q: Int) {
                    guard q < pairs.count else { return }
                    let d = Int(pairs[pairs.startIndex + q].1)
                    prefetch(hashes.baseAddress! + start[d], count: start[d + 1] - start[d])
                }
                for q in 0..<ahead { fetch(q) }
                for (q, (a, b)) in pairs.enumerated() {
                    fetch(q + ahead)
                    let sa = UnsafeBufferPointer(rebasing: hashes[start[Int(a)]..<start[Int(a) + 1]])
                    let sb = UnsafeBufferPointer(rebasing: hashes[start[Int(b)]..<start[Int(b) + 1]])
                    // The shingle tests (`shared >= minShared`, `containment >= minContainment`) as
                    // one count; most candidates fail them, and their merge stops once they cannot pass.
                    let needed = max(minShared, PairEvidence.sharedNeeded(smaller: min(sa.count, sb.count), containment: minContainment))
                    let shared = PairEvidence.intersectionCount(sa, sb, atLeast: needed)
                    guard shared >= needed else { continue }
                    var e = PairEvidence(shared: shared, sizeA: sa.count, sizeB: sb.count, cosine: 0)
                    e.cosine = terms.cosine(Int(a), Int(b))
                    if isCopy(e) { out.append((a, b, e)) }
                }
            }
        }
        return out
    }

    /// Earliest date first (undated after dated), then longest body, then smallest id.
    public static func canonicalOrder(_ articles: [Article], analyzed: AnalyzedCorpus) -> [Int] {
        (0..<articles.count).sorted { a, b in
            let da = articles[a].date?.daysSinceEpoch ?? Int32.max
            let db = articles[b].date?.daysSinceEpoch ?? Int32.max
            if da != db { return da < db }
            let la = analyzed.tokenCounts[a], lb = analyzed.tokenCounts[b]
            if la != lb { return la > lb }
            return articles[a].id.utf8.lexicographicallyPrecedes(articles[b].id.utf8)
        }
    }

    /// `dup-` and the first 12 hex digits of the shingle hash of the canonical id's UTF-8.
    public static func groupID(canonicalID: String) -> String {
        "dup-" + ShingleHash.hex(ShingleHash.mix(ShingleHash.fnv1a(canonicalID.utf8))).prefix(12)
    }

    private func dumpPairs(_ pairs: [(Int32, Int32)], articles: [Article], kept: KeptShingles, terms: TermMatrix, to path: String) {
        var lines = "a\tb\tshared\tsizeA\tsizeB\tcontainment\tjaccard\tcosine\n"
        for (a, b) in pairs {
            let e = PairEvidence.measure(Int(a), Int(b), kept: kept, terms: terms)
            if e.shared < 2 { continue }
            lines += "\(articles[Int(a)].id)\t\(articles[Int(b)].id)\t\(e.shared)\t\(e.sizeA)\t\(e.sizeB)\t\(e.containment)\t\(e.jaccard)\t\(e.cosine)\n"
        }
        try? lines.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
