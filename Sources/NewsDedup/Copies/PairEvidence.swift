/// The exact measures of one pair of articles, over their kept shingles and TF-IDF rows.
public struct PairEvidence: Sendable, Equatable {
    public var shared: Int
    public var sizeA: Int
    public var sizeB: Int
    public var cosine: Double

    public var jaccard: Double {
        let union = sizeA + sizeB - shared
        return union > 0 ? Double(shared) / Double(union) : 0
    }

    /// Shared shingles over the smaller article's shingles: near 1 when one is a trimmed copy
    /// of the other, whatever was appended to the longer one.
    public var containment: Double {
        let m = min(sizeA, sizeB)
        return m > 0 ? Double(shared) / Double(m) : 0
    }

    /// The same pair measured the other way round (`measure(b, a)` for `measure(a, b)`: the
    /// shared count and the cosine, a sum of products in column order, do not depend on it).
    var swapped: PairEvidence { PairEvidence(shared: shared, sizeA: sizeB, sizeB: sizeA, cosine: cosine) }

    public static func intersectionCount(_ a: ArraySlice<UInt32>, _ b: ArraySlice<UInt32>) -> Int {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in intersectionCount(a, b) } }
    }

    /// The count of two sorted sets' common values, over raw views (no bounds checks in the merge).
    @inline(__always)
    static func intersectionCount(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>) -> Int {
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        var i = 0, j = 0, count = 0
        let na = a.count, nb = b.count
        while i < na && j < nb {
            let x = pa[i], y = pb[j]
            if x == y { count += 1; i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return count
    }

    /// `intersectionCount(a, b)` when it is at least `required`; otherwise some count below
    /// `required` (the merge stops once the sets' remaining values cannot reach it).
    @inline(__always)
    static func intersectionCount(_ a: UnsafeBufferPointer<UInt32>, _ b: UnsafeBufferPointer<UInt32>, atLeast required: Int) -> Int {
        guard let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
        var i = 0, j = 0, count = 0
        let na = a.count, nb = b.count
        while i < na && j < nb {
            let x = pa[i], y = pb[j]
            if x == y {
                count += 1; i += 1; j += 1
            } else {
                if x < y { i += 1 } else { j += 1 }
                if count + min(na - i, nb - j) < required { break }
            }
        }
        return count
    }

    /// The fewest shared shingles with which a pair whose smaller set has `smaller` shingles
    /// reaches `containment` (the same test as `self.containment >= containment`, in integers).
    static func sharedNeeded(smaller: Int, containment: Double) -> Int {
        guard smaller > 0 else { return Int.max }
        var c = max(0, Int((containment * Double(smaller)).rounded(.up)))
        while c > 0 && Double(c - 1) / Double(smaller) >= containment { c -= 1 }
        while Double(c) / Double(smaller) < containment { c += 1 }
        return c
    }

    public static func measure(_ a: Int, _ b: Int, kept: KeptShingles, terms: TermMatrix) -> PairEvidence {
        let sa = kept.shingles(of: a), sb = kept.shingles(of: b)
        return PairEvidence(shared: intersectionCount(sa, sb), sizeA: sa.count, sizeB: sb.count,
                            cosine: terms.cosine(a, b))
    }
}
