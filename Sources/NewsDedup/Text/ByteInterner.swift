/// Byte strings numbered in order of first appearance: their bytes in one arena, found through
/// an open-addressing table on a hash the caller gives (no `String` or `Hasher` per lookup).
/// Merges the chunks' vocabularies (`TextAnalyzer.terms`, with hashes the chunks computed in
/// parallel) and numbers the report's word keys (`WordKeys`).
struct ByteInterner {
    /// The distinct keys' bytes one after another: key `n` ends at `ends[n]` and starts where
    /// key `n - 1` ends (0 for the first).
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    /// Per slot: the low 32 bits of the key's hash (high word; they also place it) and key
    /// number + 1 (low word), 0 when empty; at most half full. A probe compares hashes in the
    /// slot itself and reads a key's bytes only when they match.
    private var slots = [UInt64](repeating: 0, count: 256)

    var count: Int { ends.count }

    /// The number of the key with these bytes and this hash (the same bytes must always come
    /// with the same hash), a new one when unseen.
    mutating func id(of key: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int32 {
        if let found = find(key, hash: h) { return found }
        let tag = UInt64(UInt32(truncatingIfNeeded: h))
        let n = ends.count
        bytes.append(contentsOf: key)
        ends.append(bytes.count)
        let mask = slots.count - 1
        var s = Int(tag) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = tag << 32 | UInt64(n + 1)
        if 2 * ends.count > slots.count { grow() }
        return Int32(n)
    }

    /// The number of the key with these bytes and this hash, nil when it is not in the table.
    func find(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int32? {
        let tag = UInt64(UInt32(truncatingIfNeeded: h))
        return slots.withUnsafeBufferPointer { table in
            let mask = table.count - 1
            var s = Int(tag) & mask
            while true {
                let slot = table[s]
                if slot == 0 { return nil }
                if slot >> 32 == tag {
                    let n = Int(UInt32(truncatingIfNeeded: slot)) - 1
                    if equal(n, key) { return Int32(n) }
                }
                s = (s + 1) & mask
            }
        }
    }

    /// Each key's place in the byte order of the keys (lexicographic over unsigned bytes, a
    /// prefix before its extensions): keys ordered by their first 8 bytes as a big-endian word
    /// (zero-padded: a shorter key never comes out after a longer one that agrees with it
    /// there), the rest compared only when those are equal.
    func byteOrderRanks() -> [Int32] {
        let n = ends.count
        var order = (0..<n).map { Int32($0) }
        bytes.withUnsafeBufferPointer { b in
            ends.withUnsafeBufferPointer { e in
                var prefix = [UInt64](repeating: 0, count: n)
                for i in 0..<n {
                    let lo = i == 0 ? 0 : e[i - 1], hi = e[i]
                    var p: UInt64 = 0
                    for j in 0..<8 { p = p << 8 | (lo + j < hi ? UInt64(b[lo + j]) : 0) }
                    prefix[i] = p
                }
                prefix.withUnsafeBufferPointer { pre in
                    order.sort { x, y in
                        let px = pre[Int(x)], py = pre[Int(y)]
                        if px != py { return px < py }
                        let xl = x == 0 ? 0 : e[Int(x) - 1], xh = e[Int(x)]
                        let yl = y == 0 ? 0 : e[Int(y) - 1], yh = e[Int(y)]
                        var i = 8
                        while xl + i < xh && yl + i < yh {
                            if b[xl + i] != b[yl + i] { return b[xl + i] < b[yl + i] }
                            i += 1
                        }
                        return xh - xl < yh - yl
                    }
                }
            }
        }
        var rank = [Int32](repeating: 0, count: n)
        for (r, k) in order.enumerated() { rank[Int(k)] = Int32(r) }
        return rank
    }

    /// Key `n` as text.
    func string(_ n: Int) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[(n == 0 ? 0 : ends[n - 1])..<ends[n]]), as: UTF8.self) }
    }

    /// Whether key `n` has these bytes (compared in place).
    private func equal(_ n: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let lo = n == 0 ? 0 : ends[n - 1], hi = ends[n]
        if hi - lo != key.count { return false }
        return bytes.withUnsafeBufferPointer { b in
            for i in 0..<key.count where b[lo + i] != key[i] { return false }
            return true
        }
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: 2 * old.count)
        let mask = slots.count - 1
        for slot in old where slot != 0 {
            var s = Int(slot >> 32) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = slot
        }
    }
}
