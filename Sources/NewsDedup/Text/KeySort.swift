/// Sorting of one article's shingle keys, the inner step of tokenizing: a few hundred 32-bit
/// keys per article, a million articles a night.
enum KeySort {
    /// Sorts `keys` ascending: an LSD radix sort by bytes (the four byte histograms in one
    /// pass, a byte on which all keys agree is skipped), insertion sort below 32 keys.
    /// `scratch` is reused between calls. Same result as `keys.sort()`, without its
    /// comparisons through a closure (measured: the stdlib sort was 3% of a night's CPU).
    static func sort(_ keys: inout [UInt32], scratch: inout [UInt32]) {
        let n = keys.count
        if n < 32 {
            keys.withUnsafeMutableBufferPointer { a in
                for i in 1..<max(1, n) {
                    let x = a[i]
                    var j = i
                    while j > 0 && a[j - 1] > x { a[j] = a[j - 1]; j -= 1 }
                    a[j] = x
                }
            }
            return
        }
        if scratch.count < n { scratch = [UInt32](repeating: 0, count: n) }
        var inScratch = false
        keys.withUnsafeMutableBufferPointer { a in
            scratch.withUnsafeMutableBufferPointer { b in
                // Histograms of the four bytes.
                var counts = [Int](repeating: 0, count: 4 * 256)
                counts.withUnsafeMutableBufferPointer { c in
                    for x in a {
                        c[Int(x & 0xFF)] += 1
                        c[256 + Int((x >> 8) & 0xFF)] += 1
                        c[512 + Int((x >> 16) & 0xFF)] += 1
                        c[768 + Int(x >> 24)] += 1
                    }
                    for byte in 0..<4 {
                        let base = byte * 256, shift = UInt32(byte * 8)
                        let first = (inScratch ? b[0] : a[0])
                        if c[base + Int((first >> shift) & 0xFF)] == n { continue }   // all agree
                        var sum = 0
                        for d in 0..<256 { let k = c[base + d]; c[base + d] = sum; sum += k }
                        let (src, dst) = inScratch ? (b, a) : (a, b)
                        for q in 0..<n {
                            let x = src[q]
                            let d = base + Int((x >> shift) & 0xFF)
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

    /// Sorts `values` by their high 32 bits, stably: the same radix sort over the high four
    /// bytes (a byte on which all agree skipped), insertion sort below 32 values. Same result
    /// as a stable sort by `value >> 32`. `scratch` is reused between calls.
    static func sortByHighWord(_ values: inout [UInt64], scratch: inout [UInt64]) {
        let n = values.count
        if n < 32 {
            values.withUnsafeMutableBufferPointer { a in
                for i in 1..<max(1, n) {
                    let x = a[i], key = x >> 32
                    var j = i
                    while j > 0 && a[j - 1] >> 32 > key { a[j] = a[j - 1]; j -= 1 }
                    a[j] = x
                }
            }
            return
        }
        if scratch.count < n { scratch = [UInt64](repeating: 0, count: n) }
        var inScratch = false
        values.withUnsafeMutableBufferPointer { a in
            scratch.withUnsafeMutableBufferPointer { b in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * 256) { c in
                    c.initialize(repeating: 0)
                    for x in a {
                        c[Int((x >> 32) & 0xFF)] += 1
                        c[256 + Int((x >> 40) & 0xFF)] += 1
                        c[512 + Int((x >> 48) & 0xFF)] += 1
                        c[768 + Int(x >> 56)] += 1
                    }
                    for byte in 0..<4 {
                        let base = byte * 256, shift = UInt64(32 + byte * 8)
                        let first = (inScratch ? b[0] : a[0])
                        if c[base + Int((first >> shift) & 0xFF)] == n { continue }   // all agree
                        var sum = 0
                        for d in 0..<256 { let k = c[base + d]; c[base + d] = sum; sum += k }
                        let (src, dst) = inScratch ? (b, a) : (a, b)
                        for q in 0..<n {
                            let x = src[q]
                            let d = base + Int((x >> shift) & 0xFF)
                            dst[c[d]] = x
                            c[d] += 1
                        }
                        inScratch.toggle()
                    }
                }
            }
        }
        if inScratch {
            values.withUnsafeMutableBufferPointer { a in
                scratch.withUnsafeBufferPointer { b in
                    a.baseAddress!.update(from: b.baseAddress!, count: n)
                }
            }
        }
    }
}
