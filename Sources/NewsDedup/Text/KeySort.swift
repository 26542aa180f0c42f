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
