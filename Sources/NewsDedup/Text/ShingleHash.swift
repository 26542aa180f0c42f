/// The fixed 64-bit hash used for shingles: FNV-1a 64 over the UTF-8 bytes of the shingle's
/// tokens joined by single spaces, then the SplitMix64 finalizer to spread the bits.
/// It never changes between processes, machines or versions (unlike Swift's `Hasher`), so
/// signatures can be persisted and compared across runs.
public enum ShingleHash {
    public static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// FNV-1a 64 of `bytes`, continuing from `state`.
    @inline(__always)
    public static func fnv1a<S: Sequence>(_ bytes: S, state: UInt64 = offsetBasis) -> UInt64 where S.Element == UInt8 {
        var h = state
        for b in bytes { h = (h ^ UInt64(b)) &* prime }
        return h
    }

    /// SplitMix64's output function.
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The hash of one shingle given as its tokens.
    public static func hash<C: Collection>(tokens: C) -> UInt64 where C.Element == String {
        var h = offsetBasis
        var first = true
        for t in tokens {
            if !first { h = (h ^ 0x20) &* prime }
            h = fnv1a(t.utf8, state: h)
            first = false
        }
        return mix(h)
    }

    /// The 32-bit key a shingle is stored and compared by: the hash's top 32 bits. Two
    /// articles' sets of ~500 keys share a key by chance with probability ~6e-5.
    @inline(__always)
    public static func key(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash >> 32) }

    /// Hex form for JSON and logs.
    public static func hex(_ h: UInt64) -> String {
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
