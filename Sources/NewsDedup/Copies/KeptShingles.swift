import LinearAlgebra

/// The shingles that count as evidence of copying, after boilerplate suppression.
///
/// A shingle is set aside when it is
/// - **common**: found in more than `maxShingleDocuments` articles (stock phrases, templates:
///   a copied story is republished a few dozen times at most), or
/// - **an outlet's boilerplate**: found in at least `boilerplateSourceArticles` articles of one
///   source, or in 1% of that source's articles if more (wire copies travel across outlets;
///   one outlet repeating the same words across its own output is its footer, byline or
///   template). Articles without a source take no part in this rule.
public struct KeptShingles: Sendable {
    public var start: [Int]
    public var hashes: [UInt64]
    /// Suppressed shingle hashes (sorted) and why.
    public var commonShingles: [UInt64]
    public var boilerplateShingles: [UInt64]

    public var documentCount: Int { start.count - 1 }

    public func shingles(of d: Int) -> ArraySlice<UInt64> { hashes[start[d]..<start[d + 1]] }

    public enum Suppression: String, Sendable { case common, boilerplate }

    public func suppression(of h: UInt64) -> Suppression? {
        if KeptShingles.sortedContains(boilerplateShingles, h) { return .boilerplate }
        if KeptShingles.sortedContains(commonShingles, h) { return .common }
        return nil
    }

    static func sortedContains(_ a: [UInt64], _ x: UInt64) -> Bool {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < a.count && a[lo] == x
    }

    public static func select(analyzed: AnalyzedCorpus, sources: [String?], configuration: CopyConfiguration) -> KeptShingles {
        let n = analyzed.documentCount
        // Document frequency of every shingle (each article's shingles are unique already):
        // sorted halves in parallel, then one merging count.
        let repeated = frequentShingles(analyzed.shingles, minimumCount: configuration.boilerplateSourceArticles)
        let common = repeated.filter { $0.count > configuration.maxShingleDocuments }.map(\.hash)
        // Outlet boilerplate: only shingles in enough articles overall can be in enough
        // articles of one source, so per-source counts are kept for those alone.
        var sourceID: [String: UInt32] = [:]
        var docSource = [UInt32](repeating: UInt32.max, count: n)
        for d in 0..<n {
            if let s = sources[d] {
                if let id = sourceID[s] { docSource[d] = id } else {
                    let id = UInt32(sourceID.count)
                    sourceID[s] = id
                    docSource[d] = id
                }
            }
        }
        var sourceSize = [Int](repeating: 0, count: sourceID.count)
        for s in docSource where s != UInt32.max { sourceSize[Int(s)] += 1 }
        let limit = sourceSize.map {
            max(configuration.boilerplateSourceArticles, Int((configuration.boilerplateSourceFraction * Double($0)).rounded(.up)))
        }
        var candidate = [UInt64: Int32](minimumCapacity: repeated.count)
        for (k, r) in repeated.enumerated() { candidate[r.hash] = Int32(k) }
        var perSource: [UInt64: Int] = [:]   // (candidate index << 32 | source) -> articles
        for d in 0..<n where docSource[d] != UInt32.max {
            for h in analyzed.shingles(of: d) {
                if let k = candidate[h] { perSource[UInt64(UInt32(k)) << 32 | UInt64(docSource[d]), default: 0] += 1 }
            }
        }
        var boilerplateSet = Set<UInt64>()
        for (key, count) in perSource where count >= limit[Int(key & 0xFFFF_FFFF)] {
            boilerplateSet.insert(repeated[Int(key >> 32)].hash)
        }
        let boilerplate = boilerplateSet.sorted()
        // Keep the rest, article by article, in parallel.
        let suppressed = Set(common).union(boilerplateSet)
        let parts = Parallel.mapChunks(n) { range -> ([Int], [UInt64]) in
            var counts: [Int] = []
            var hashes: [UInt64] = []
            for d in range {
                for h in analyzed.shingles(of: d) where !suppressed.contains(h) { hashes.append(h) }
                counts.append(hashes.count)
            }
            return (counts, hashes)
        }
        var start = [0]
        start.reserveCapacity(n + 1)
        var hashes: [UInt64] = []
        hashes.reserveCapacity(analyzed.shingles.count)
        for (counts, part) in parts {
            let base = hashes.count
            start.append(contentsOf: counts.map { $0 + base })
            hashes.append(contentsOf: part)
        }
        return KeptShingles(start: start, hashes: hashes, commonShingles: common, boilerplateShingles: boilerplate)
    }

    /// Shingles found at least `minimumCount` times, with their counts, ascending by hash.
    static func frequentShingles(_ all: [UInt64], minimumCount: Int) -> [(hash: UInt64, count: Int)] {
        let halves = Parallel.mapChunks(all.count, chunks: 2) { range -> [UInt64] in Array(all[range]).sorted() }
        var out: [(hash: UInt64, count: Int)] = []
        var a = 0, b = 0
        let x = halves.first ?? [], y = halves.count > 1 ? halves[1] : []
        var current: UInt64 = 0, count = 0
        while a < x.count || b < y.count {
            let h: UInt64
            if b == y.count || (a < x.count && x[a] <= y[b]) { h = x[a]; a += 1 } else { h = y[b]; b += 1 }
            if count > 0 && h == current { count += 1; continue }
            if count >= minimumCount { out.append((current, count)) }
            current = h
            count = 1
        }
        if count >= minimumCount { out.append((current, count)) }
        return out
    }
}
