import LinearAlgebra

/// Candidate pairs from LSH banding of `Signatures`: articles whose signatures agree on all
/// rows of at least one band. Bands are grouped one at a time (sort by band key), so memory
/// stays linear in the number of articles; their keys are computed 8 bands at a time (an
/// article's rows for 8 bands of 2 rows fill one cache line).
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
            var fresh: [UInt64] = []
            var merged: [UInt64] = []
            var oversized = 0
            var keys: [(UInt64, Int32)] = []
            var grouped: [(UInt64, Int32)] = []
            var slots: [Int] = []
            keys.reserveCapacity(n)
            // The keys of `group` bands at a time, band after band: an article's rows for those
            // bands are adjacent (one or two cache lines), so its signature is read once per group
            // rather than once per band (a band alone read 8 bytes of each article's 1 KB: a cache
            // miss per article and band).
            let rows = parameters.rows
            let group = max(1, min(bandRange.count, 64 / max(1, rows * MemoryLayout<UInt32>.size)))
            let present = (0..<n).filter { !isEmpty($0) }
            var groupKeys = [UInt64](repeating: 0, count: group * present.count)
            var groupFirst = -1
            for band in bandRange {
                if groupFirst < 0 || band >= groupFirst + group {
                    groupFirst = band
                    let bands = min(group, bandRange.upperBound - band)
                    signatures.values.withUnsafeBufferPointer { v in
                        groupKeys.withUnsafeMutableBufferPointer { out in
                            // Articles are 1 KB apart, a stride the hardware does not follow
                            // across pages: the rows of the article `ahead` places on are
                            // prefetched (a hint), both lines they may straddle.
                            let ahead = 16, span = bands * rows - 1
                            for (q, d) in present.enumerated() {
                                if q + ahead < present.count {
                                    let next = v.baseAddress! + present[q + ahead] * bins + band * rows
                                    prefetch(next)
                                    prefetch(next + span)
                                }
                                let row = v.baseAddress! + d * bins + band * rows
                                for g in 0..<bands {
                                    out[g * present.count + q] = bandKey(UnsafeBufferPointer(start: row + g * rows, count: rows), band: band + g)
                                }
                            }
                        }
                    }
                }
                keys.removeAll(keepingCapacity: true)
                let base = (band - groupFirst) * present.count
                for (q, d) in present.enumerated() { keys.append((groupKeys[base + q], Int32(d))) }
                groupByKey(&keys, into: &grouped, slots: &slots)
                fresh.removeAll(keepingCapacity: true)
                grouped.withUnsafeBufferPointer { keys in
                    var i = 0
                    while i < keys.count {
                        var j = i + 1
                        while j < keys.count && keys[j].0 == keys[i].0 { j += 1 }
                        if j - i > maxBucketSize { oversized += 1 } else if j - i > 1 {
                            for a in i..<j {
                                for b in (a + 1)..<j {
                                    fresh.append(UInt64(UInt32(keys[a].1)) << 32 | UInt64(UInt32(keys[b].1)))
                                }
                            }
                        }
                        i = j
                    }
                }
                // Only this band's pairs are sorted; they are merged into the band range's
                // sorted, unique list in one linear pass.
                fresh.sort()
                mergeUnique(packed, fresh, into: &merged)
                swap(&packed, &merged)
            }
            return (packed, oversized)
        }
        // Each band range's list is sorted and unique: merged in one linear pass each, no sort.
        var all: [UInt64] = [], merged: [UInt64] = []
        var oversized = 0
        for (p, o) in perBand {
            mergeUnique(all, p, into: &merged)
            swap(&all, &merged)
            oversized += o
        }
        return Result(pairs: all.map { (Int32(truncatingIfNeeded: $0 >> 32), Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF)) },
                      oversizedBuckets: oversized)
    }

    /// The bucket key of one band: FNV-1a over the band's signature values, seeded with the
    /// band number (so equal values in different bands fall in different buckets). Fixed
    /// across processes: the history database stores these keys (History/).
    @inline(__always)
    public static func bandKey(_ rows: ArraySlice<UInt32>, band: Int) -> UInt64 {
        rows.withUnsafeBufferPointer { bandKey($0, band: band) }
    }

    @inline(__always)
    static func bandKey(_ rows: UnsafeBufferPointer<UInt32>, band: Int) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 &+ UInt64(band)
        for v in rows { h = (h ^ UInt64(v)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Puts equal keys next to each other, each run in input (document) order: a stable
    /// counting sort on the keys' top bits (about one key per slot: the keys are hashes), then
    /// each slot's few entries ordered by key. Beyond 2^12 slots the counting sort takes two
    /// stable passes (the top 10 bits, then the rest within each of those 1024 ranges), so that
    /// neither scatters across more slots than the caches hold. `keys` is used as scratch.
    static func groupByKey(_ keys: inout [(UInt64, Int32)], into out: inout [(UInt64, Int32)], slots: inout [Int]) {
        let n = keys.count
        var bits = 1
        while bits < 22 && (1 << bits) < n { bits += 1 }
        let high = bits > 12 ? 10 : 0
        let low = bits - high
        slots.removeAll(keepingCapacity: true)
        slots.append(contentsOf: repeatElement(0, count: (1 << high) + (1 << low) + 2))
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: repeatElement((0, 0), count: n))
        slots.withUnsafeMutableBufferPointer { c in
            // Pass 1 (two passes only): keys -> out by the top `high` bits, which then become the
            // input (one range of all keys otherwise).
            let top = UnsafeMutableBufferPointer(rebasing: c[0..<((1 << high) + 1)])
            let fine = UnsafeMutableBufferPointer(rebasing: c[((1 << high) + 1)...])
            if high > 0 {
                keys.withUnsafeBufferPointer { k in
                    out.withUnsafeMutableBufferPointer { o in
                        countingSort(k, into: o, counts: top, shift: UInt64(64 - high), mask: (1 << high) - 1)
                    }
                }
                swap(&keys, &out)
            } else {
                top[0] = n
            }
            // Pass 2 within each range of pass 1 (or over all keys): counting sort on the next
            // `low` bits, then insertion sort by key (stable) within each slot.
            keys.withUnsafeBufferPointer { k in
                out.withUnsafeMutableBufferPointer { o in
                    // top[r] is the end of range r (the next one's start).
                    for r in 0..<(1 << high) {
                        let a = r == 0 ? 0 : top[r - 1], b = top[r]
                        if b == a { continue }
                        let src = UnsafeBufferPointer(rebasing: k[a..<b])
                        let dst = UnsafeMutableBufferPointer(rebasing: o[a..<b])
                        for s in 0...(1 << low) { fine[s] = 0 }
                        countingSort(src, into: dst, counts: fine, shift: UInt64(64 - bits), mask: (1 << low) - 1)
                        // fine[s] is now the end of slot s.
                        var start = 0
                        for s in 0..<(1 << low) {
                            let end = fine[s]
                            if end - start > 1 {
                                for i in (start + 1)..<end {
                                    let x = dst[i]
                                    var j = i
                                    while j > start && dst[j - 1].0 > x.0 { dst[j] = dst[j - 1]; j -= 1 }
                                    dst[j] = x
                                }
                            }
                            start = end
                        }
                    }
                }
            }
        }
    }

    /// Stable counting sort of `k` into `o` by `(key >> shift) & mask`; `counts` (mask + 2
    /// entries, zero on entry) ends as each slot's end, slot s ending at `counts[s]`.
    @inline(__always)
    private static func countingSort(_ k: UnsafeBufferPointer<(UInt64, Int32)>, into o: UnsafeMutableBufferPointer<(UInt64, Int32)>,
                                     counts c: UnsafeMutableBufferPointer<Int>, shift: UInt64, mask: Int) {
        for e in k { c[(Int(truncatingIfNeeded: e.0 >> shift) & mask) + 1] += 1 }
        for s in 0..<(mask + 1) { c[s + 1] += c[s] }
        for e in k {
            let s = Int(truncatingIfNeeded: e.0 >> shift) & mask
            o[c[s]] = e
            c[s] += 1
        }
    }

    /// The sorted union of two sorted lists (`a` unique, `b` possibly with repeats), unique.
    static func mergeUnique(_ a: [UInt64], _ b: [UInt64], into out: inout [UInt64]) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(a.count + b.count)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var i = 0, j = 0
                while i < a.count || j < b.count {
                    let x: UInt64
                    if j == b.count || (i < a.count && a[i] <= b[j]) { x = a[i]; i += 1 } else { x = b[j]; j += 1 }
                    if out.last != x { out.append(x) }
                }
            }
        }
    }
}
