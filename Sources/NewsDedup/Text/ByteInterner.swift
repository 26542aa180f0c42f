/// Byte strings numbered in order of first appearance: their bytes in one arena, found through
/// an open-addressing table on a hash the caller gives (no `String` or `Hasher` per lookup).
/// Merges the chunks' vocabularies (`TextAnalyzer.terms`, with hashes the chunks computed in
/// parallel) and numbers the report's word keys (`WordKeys`).
struct ByteInterner {
    /// The distinct keys' bytes one after another: key `n` ends at `ends[n]` and starts where
    /// key `n - 1` ends (0 for the first).
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var hashes: [UInt64] = []
    /// Key number + 1 per slot, 0 when empty; at most half full.
    private var slots = [Int32](repeating: 0, count: 256)

    var count: Int { ends.count }

    /// The number of the key with these bytes and this hash (the same bytes must always come
    /// with the same hash), a new one when unseen.
    mutating func id(of key: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int32 {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while slots[s] != 0 {
            let n = Int(slots[s]) - 1
            if hashes[n] == h && bytes(of: n).elementsEqual(key) { return Int32(n) }
            s = (s + 1) & mask
        }
        let n = ends.count
        bytes.append(contentsOf: key)
        ends.append(bytes.count)
        hashes.append(h)
        slots[s] = Int32(n + 1)
        if 2 * ends.count > slots.count { grow() }
        return Int32(n)
    }

    /// The number of the key with these bytes and this hash, nil when it is not in the table.
    func find(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int32? {
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while slots[s] != 0 {
            let n = Int(slots[s]) - 1
            if hashes[n] == h && bytes(of: n).elementsEqual(key) { return Int32(n) }
            s = (s + 1) & mask
        }
        return nil
    }

    /// Key `n` as text.
    func string(_ n: Int) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[(n == 0 ? 0 : ends[n - 1])..<ends[n]]), as: UTF8.self) }
    }

    private func bytes(of n: Int) -> ArraySlice<UInt8> { bytes[(n == 0 ? 0 : ends[n - 1])..<ends[n]] }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: 2 * slots.count)
        let mask = slots.count - 1
        for (n, h) in hashes.enumerated() {
            var s = Int(truncatingIfNeeded: h) & mask
            while slots[s] != 0 { s = (s + 1) & mask }
            slots[s] = Int32(n + 1)
        }
    }
}
