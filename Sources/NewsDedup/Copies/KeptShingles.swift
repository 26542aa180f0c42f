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
        // Document frequency of every shingle (each article's shingles are unique already).
        var all = analyzed.shingles
        all.sort()
        var common: [UInt64] = []
        var i = 0
        while i < all.count {
            var j = i + 1
            while j < all.count && all[j] == all[i] { j += 1 }
            if j - i > configuration.maxShingleDocuments { common.append(all[i]) }
            i = j
        }
        all = []
        // Per-source frequency: sort (shingle, source) pairs.
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
        var pairs: [(UInt64, UInt32)] = []
        for d in 0..<n where docSource[d] != UInt32.max {
            for h in analyzed.shingles(of: d) { pairs.append((h, docSource[d])) }
        }
        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var boilerplate: [UInt64] = []
        i = 0
        while i < pairs.count {
            var j = i + 1
            while j < pairs.count && pairs[j] == pairs[i] { j += 1 }
            if j - i >= limit[Int(pairs[i].1)], boilerplate.last != pairs[i].0 {
                boilerplate.append(pairs[i].0)
            }
            i = j
        }
        pairs = []
        // Keep the rest, article by article.
        let suppressed = Array(Set(common).union(boilerplate)).sorted()
        var start = [0]
        start.reserveCapacity(n + 1)
        var hashes: [UInt64] = []
        hashes.reserveCapacity(analyzed.shingles.count)
        for d in 0..<n {
            for h in analyzed.shingles(of: d) where !sortedContains(suppressed, h) { hashes.append(h) }
            start.append(hashes.count)
        }
        return KeptShingles(start: start, hashes: hashes, commonShingles: common,
                            boilerplateShingles: boilerplate)
    }
}
