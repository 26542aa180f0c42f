import LinearAlgebra

/// One-permutation hashing (Li, Owen and Zhang 2012) with rotation densification
/// (Shrivastava and Li 2014): each kept shingle key falls into one of `bins` bins by its top
/// bits and the bin keeps the smallest value (the low 32 bits of SplitMix64 of the key); an empty bin borrows the value of the
/// next non-empty bin to its right, offset by the distance. Two signatures agree in a bin with
/// probability close to the Jaccard similarity of the two shingle sets.
public struct Signatures: Sendable {
    public let bins: Int
    /// `bins` values per article, article after article.
    public var values: [UInt32]

    public static func compute(kept: KeptShingles, bins: Int) -> Signatures {
        precondition(bins > 0 && bins <= 256 && bins & (bins - 1) == 0, "bins must be a power of two up to 256")
        let n = kept.documentCount
        let shift = UInt32(32 - bins.trailingZeroBitCount)
        var values = [UInt32](repeating: 0, count: n * bins)
        values.withUnsafeMutableBufferPointer { buffer in
            let out = SharedMutableBuffer(buffer)
            Parallel.forEachChunk(n, minimumChunk: 64) { range in
                var sig = [UInt32](repeating: 0, count: bins)
                var filled = [Bool](repeating: false, count: bins)
                for d in range {
                    for b in 0..<bins { sig[b] = UInt32.max; filled[b] = false }
                    for h in kept.shingles(of: d) {
                        let bin = bins == 1 ? 0 : Int(h >> shift)
                        let v = UInt32(truncatingIfNeeded: ShingleHash.mix(UInt64(h)))
                        if v <= sig[bin] { sig[bin] = v; filled[bin] = true }
                    }
                    if filled.contains(true) {
                        for b in 0..<bins where !filled[b] {
                            var j = b, distance: UInt32 = 0
                            repeat { j = (j + 1) & (bins - 1); distance += 1 } while !filled[j]
                            sig[b] = sig[j] &+ distance &* 0x9E37_79B9
                        }
                    }
                    for b in 0..<bins { out[d * bins + b] = sig[b] }
                }
            }
        }
        return Signatures(bins: bins, values: values)
    }
}
