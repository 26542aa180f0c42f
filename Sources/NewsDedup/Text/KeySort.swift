/// Sorting of one article's keys, an inner step of tokenizing and of TF-IDF rows: a few
/// hundred keys per article, a million articles a night.
enum KeySort {
    /// Sorts `keys` ascending by their bytes from `fromByte` up, stably (the lower bytes are
    /// ignored: keys equal in the upper bytes keep their order; callers whose keys are distinct
    /// in the upper bytes get the plain ascending order): an
    /// LSD radix sort by bytes (the byte histograms in one pass, a byte on which all keys agree
    /// is skipped), insertion sort below 32 keys. `scratch` is reused between calls. Same result
    /// as `keys.sort()` for such keys, without its comparisons through a closure (measured:
    /// the stdlib sort was 3% of a night's CPU for the shingle keys, and 37% of the vectorize
    /// stage for the TF-IDF rows).
    static func sort<K: FixedWidthInteger & UnsignedInteger>(_ keys: inout [K], scratch: inout [K], fromByte: Int = 0) {
        let n = keys.count
        let width = K.bitWidth / 8
        if n < 32 {
            let shift = K(fromByte * 8)
            keys.withUnsafeMutableBufferPointer { a in
                for i in 1..<max(1, n) {
                    let x = a[i]
                    var j = i
                    while j > 0 && a[j - 1] >> shift > x >> shift { a[j] = a[j - 1]; j -= 1 }
                    a[j] = x
                }
            }
            return
        }
        if scratch.count < n { scratch = [K](repeating: 0, count: n) }
        var inScratch = false
        keys.withUnsafeMutableBufferPointer { a in
            scratch.withUnsafeMutableBufferPointer { b in
                // Histograms of the bytes sorted on.
                let bytes = width - fromByte
                withUnsafeTemporaryAllocation(of: Int.self, capacity: bytes * 256) { c in
                    c.initialize(repeating: 0)
                    for x in a {
                        for byte in 0..<bytes { c[byte * 256 + Int(truncatingIfNeeded: (x >> K((fromByte + byte) * 8)) & 0xFF)] += 1 }
                    }
                    for byte in 0..<bytes {
                        let base = byte * 256, shift = K((fromByte + byte) * 8)
                        let first = (inScratch ? b[0] : a[0])
                        if c[base + Int(truncatingIfNeeded: (first >> shift) & 0xFF)] == n { continue }   // all agree
                        var sum = 0
                        for d in 0..<256 { let k = c[base + d]; c[base + d] = sum; sum += k }
                        let (src, dst) = inScratch ? (b, a) : (a, b)
                        for q in 0..<n {
                            let x = src[q]
                            let d = base + Int(truncatingIfNeeded: (x >> shift) & 0xFF)
                            dst[c[d]] = x
                            c[d] += 1
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
