/// Sorting of one article's keys, an inner step of tokenizing and of TF-IDF rows: a few
/// hundred keys per article, a million articles a night.
enum KeySort {
    /// `sort(&keys, scratch:)` for 32-bit keys spread evenly (an article's shingle keys: a few
    /// hundred hashes): one counting pass by the keys' top `bits` into `scratch` (the least
    /// with 2^bits >= n, at least 8: one to two buckets a key), then an insertion sort back
    /// into `keys`, which moves a key only past the larger keys of its own bucket (rarely
    /// any). Two passes over the keys instead of the LSD sort's four scatters, 4 x 256
    /// counters and its histogram of four bytes per key. When a bucket holds more than `maxBucket` keys (skewed keys), the
    /// insertion sort could be slow: the LSD sort is used instead. Same result as
    /// `keys.sort()` either way.
    static func sortUniform(_ keys: inout [UInt32], scratch: inout [UInt32]) {
        let n = keys.count
        if n < 32 || n > 1 << maxBits { sort(&keys, scratch: &scratch); return }
        if scratch.count < n { scratch = [UInt32](repeating: 0, count: n) }
        let bits = max(8, min(maxBits, (n - 1).bitWidth - (n - 1).leadingZeroBitCount))
        let buckets = 1 << bits, shift = UInt32(32 - bits)
        let uniform = keys.withUnsafeMutableBufferPointer { keyBuffer in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                let a = keyBuffer.baseAddress!, b = scratchBuffer.baseAddress!
                return withUnsafeTemporaryAllocation(of: Int32.self, capacity: buckets) { counts -> Bool in
                    let c = counts.baseAddress!
                    c.initialize(repeating: 0, count: buckets)
                    for q in 0..<n { c[Int(a[q] &>> shift)] &+= 1 }
                    var sum: Int32 = 0, largest: Int32 = 0
                    for d in 0..<buckets { let k = c[d]; c[d] = sum; sum &+= k; largest = max(largest, k) }
                    if largest > maxBucket { return false }
                    for q in 0..<n {
                        let x = a[q]
                        let d = Int(x &>> shift)
                        let at = c[d]
                        b[Int(at)] = x
                        c[d] = at &+ 1
                    }
                    // Back into `keys`, each key moved down past the larger ones before it
                    // (only its bucket's: every earlier bucket's keys are smaller).
                    for i in 0..<n {
                        let x = b[i]
                        var j = i
                        while j > 0 && a[j - 1] > x { a[j] = a[j - 1]; j -= 1 }
                        a[j] = x
                    }
                    return true
                }
            }
        }
        if !uniform { sort(&keys, scratch: &scratch) }
    }

    /// `sortUniform`'s most buckets (2^13: 32 KiB of counts) and so its most keys; beyond, the
    /// LSD sort.
    static let maxBits = 13
    /// The largest bucket `sortUniform` insertion-sorts (evenly spread keys: under one key
    /// a bucket on average, so a few hundred keys never come near it).
    static let maxBucket: Int32 = 16

    /// Sorts `keys` ascending by their bytes from `fromByte` up, stably (the lower bytes are
    /// ignored: keys equal in the upper bytes keep their order; callers whose keys are distinct
    /// in the upper bytes get the plain ascending order): an
    /// LSD radix sort by bytes (the byte histograms in one pass, a byte on which all keys agree
    /// is skipped), insertion sort below 32 keys. `scratch` is reused between calls. Same result
    /// as `keys.sort()` for such keys, without its comparisons through a closure (measured:
    /// the stdlib sort was 3% of a night's CPU for the shingle keys, and 37% of the vectorize
    /// stage for the TF-IDF rows).
    /// Raw pointers, masking shifts (`&>>`) and wrapping counts: no overflow or shift-range
    /// checks per key (they were most of the histogram loop), and the four histograms of the
    /// callers' keys (four bytes sorted on, both of them) filled in one unrolled loop.
    static func sort<K: FixedWidthInteger & UnsignedInteger>(_ keys: inout [K], scratch: inout [K], fromByte: Int = 0) {
        let n = keys.count
        let width = K.bitWidth / 8
        if n < 32 {
            let shift = K(fromByte * 8)
            keys.withUnsafeMutableBufferPointer { a in
                for i in 1..<max(1, n) {
                    let x = a[i]
                    let xk = x &>> shift
                    var j = i
                    while j > 0 && a[j - 1] &>> shift > xk { a[j] = a[j - 1]; j -= 1 }
                    a[j] = x
                }
            }
            return
        }
        // The histograms count in Int32 (wrapping, unchecked): callers sort one article's or
        // one row's keys, far below this bound.
        precondition(n <= Int(Int32.max), "KeySort.sort: \(n) keys; the counts are 32-bit")
        if scratch.count < n { scratch = [K](repeating: 0, count: n) }
        var inScratch = false
        keys.withUnsafeMutableBufferPointer { keyBuffer in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                let a = keyBuffer.baseAddress!, b = scratchBuffer.baseAddress!
                // Histograms of the bytes sorted on.
                let bytes = width - fromByte
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: bytes * 256) { counts in
                    let c = counts.baseAddress!
                    c.initialize(repeating: 0, count: bytes * 256)
                    if bytes == 4 {
                        let shift = K(fromByte * 8)
                        for q in 0..<n {
                            let y = UInt32(truncatingIfNeeded: a[q] &>> shift)
                            c[Int(y & 0xFF)] &+= 1
                            c[256 + Int((y &>> 8) & 0xFF)] &+= 1
                            c[512 + Int((y &>> 16) & 0xFF)] &+= 1
                            c[768 + Int(y &>> 24)] &+= 1
                        }
                    } else {
                        for q in 0..<n {
                            let x = a[q]
                            for byte in 0..<bytes {
                                c[byte * 256 + Int(truncatingIfNeeded: (x &>> K((fromByte + byte) * 8)) & 0xFF)] &+= 1
                            }
                        }
                    }
                    for byte in 0..<bytes {
                        let h = c + byte * 256, shift = K((fromByte + byte) * 8)
                        let first = (inScratch ? b[0] : a[0])
                        if Int(h[Int(truncatingIfNeeded: (first &>> shift) & 0xFF)]) == n { continue }   // all agree
                        var sum: Int32 = 0
                        for d in 0..<256 { let k = h[d]; h[d] = sum; sum &+= k }
                        let (src, dst) = inScratch ? (b, a) : (a, b)
                        for q in 0..<n {
                            let x = src[q]
                            let d = Int(truncatingIfNeeded: (x &>> shift) & 0xFF)
                            let at = h[d]
                            dst[Int(at)] = x
                            h[d] = at &+ 1
                        }
                        inScratch.toggle()
                    }
                }
            }
        }
        if inScratch {
            keys.withUnsafeMutableBufferPointer { a in
                scratch.withUnsafeBufferPointer { b in
                    a.baseAddress!.update(from: b.baseAddress!, count: n)
                }
            }
        }
    }
}
