import LinearAlgebra

/// Candidate pairs from LSH banding of `Signatures`: articles whose signatures agree on all
/// rows of at least one band. Bands are processed one at a time (sort by band key), so memory
/// stays linear in the number of articles.
public enum LSHIndex {
    public struct Result: Sendable {
        /// Candidate pairs (a < b), sorted and unique.
        public var pairs: [(Int32, Int32)]
        /// Buckets skipped for being larger than `maxBucketSize`.
        public var oversizedBuckets: Int
    }

    public static func candidates(_ signatures: Signatures, documentCount n: Int, parameters: LSHParameters,
                                  maxBucketSize: Int, isEmpty: (Int) -> Bool) -> Result {
        let bins = signatures.bins
        let perBand = Parallel.mapChunks(parameters.bands, chunks: min(parameters.bands, Parallel.threads * 2)) { bandRange -> ([UInt64], Int) in
            var packed: [UInt64] = []
            var oversized = 0
            var keys: [(UInt64, Int32)] = []
            keys.reserveCapacity(n)
            for band in bandRange {
                keys.removeAll(keepingCapacity: true)
                let first = band * parameters.rows
                for d in 0..<n where !isEmpty(d) {
                    keys.append((bandKey(signatures.values[(d * bins + first)..<(d * bins + first + parameters.rows)], band: band), Int32(d)))
                }
                keys.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                var i = 0
                while i < keys.count {
                    var j = i + 1
                    while j < keys.count && keys[j].0 == keys[i].0 { j += 1 }
                    if j - i > maxBucketSize { oversized += 1 } else if j - i > 1 {
                        for a in i..<j {
                            for b in (a + 1)..<j {
                                packed.append(UInt64(UInt32(keys[a].1)) << 32 | UInt64(UInt32(keys[b].1)))
                            }
                        }
                    }
                    i = j
                }
                packed.sort()
                packed = uniqueSorted(packed)
            }
            return (packed, oversized)
        }
        var all: [UInt64] = []
        var oversized = 0
        for (p, o) in perBand { all.append(contentsOf: p); oversized += o }
        all.sort()
        all = uniqueSorted(all)
        return Result(pairs: all.map { (Int32(truncatingIfNeeded: $0 >> 32), Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF)) },
                      oversizedBuckets: oversized)
    }

    /// The bucket key of one band: FNV-1a over the band's signature values, seeded with the
    /// band number (so equal values in different bands fall in different buckets). Fixed
    /// across processes: the history database stores these keys (History/).
    @inline(__always)
    public static func bandKey(_ rows: ArraySlice<UInt32>, band: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 &+ UInt64(band)
        for v in rows { h = (h ^ UInt64(v)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    static func uniqueSorted(_ a: [UInt64]) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(a.count)
        for x in a where out.last != x { out.append(x) }
        return out
    }
}
