import LinearAlgebra

/// The shingles that count as evidence of copying, after boilerplate suppression.
///
/// A shingle is set aside when it is
/// - **common**: found in more than `maxShingleDocuments` articles (stock phrases, templates:
///   a copied story is republished a few dozen times at most), or
/// - **an outlet's boilerplate**: found in at least `boilerplateSourceArticles` articles of one
///   source, or in 1% of that source's articles if more (wire copies travel across outlets;
///   one outlet repeating the same words across its own output is its footer, byline or
///   template). Articles without a source take no part in this rule.
///
/// Shingles are 32-bit keys (`ShingleHash.key`). Counting is exact over keys: the keys are
/// split by their top bits into rounds, each round's (key, source) pairs are radix sorted and
/// scanned, two rounds at a time; no dictionary, memory of one round's pairs per thread.
public struct KeptShingles: Sendable {
    public var start: [Int]
    public var hashes: [UInt32]
    /// Suppressed shingle keys (sorted) and why.
    public var commonShingles: [UInt32]
    public var boilerplateShingles: [UInt32]

    public init(start: [Int], hashes: [UInt32], commonShingles: [UInt32], boilerplateShingles: [UInt32]) {
        self.start = start
        self.hashes = hashes
        self.commonShingles = commonShingles
        self.boilerplateShingles = boilerplateShingles
    }

    public var documentCount: Int { start.count - 1 }

    public func shingles(of d: Int) -> ArraySlice<UInt32> { hashes[start[d]..<start[d + 1]] }

    public enum Suppression: String, Sendable { case common, boilerplate }

    public func suppression(of h: UInt32) -> Suppression? {
        if KeptShingles.sortedContains(boilerplateShingles, h) { return .boilerplate }
        if KeptShingles.sortedContains(commonShingles, h) { return .common }
        return nil
    }

    static func sortedContains(_ a: [UInt32], _ x: UInt32) -> Bool {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < a.count && a[lo] == x
    }

    /// Selects from `shingles` (every article's shingle keys, ascending within an article;
    /// article `d`'s are `start[d]..<start[d+1]`), in place: the array is compacted to the
    /// kept shingles, so no second copy of the corpus's shingles is ever held.
    public static func select(shingles: consuming [UInt32], start: [Int], sources: [String?],
                              configuration: CopyConfiguration) -> KeptShingles {
        let n = start.count - 1
        // Sources as small integers; each source's article limit.
        var sourceID: [String: UInt32] = [:]
        var docSource = [UInt32](repeating: UInt32.max, count: n)
        for d in 0..<n {
            if let s = sources[d] {
                if let id = sourceID[s] { docSource[d] = id } else {
                    let id = UInt32(sourceID.count)
                    sourceID[s] = id
                    docSource[d] = id
                }
            }
        }
        var sourceSize = [Int](repeating: 0, count: sourceID.count)
        for s in docSource where s != UInt32.max { sourceSize[Int(s)] += 1 }
        let limit = sourceSize.map {
            max(configuration.boilerplateSourceArticles, Int((configuration.boilerplateSourceFraction * Double($0)).rounded(.up)))
        }
        let (common, boilerplate) = count(shingles, start: start, docSource: docSource, limit: limit,
                                          minimum: configuration.boilerplateSourceArticles,
                                          maxDocuments: configuration.maxShingleDocuments)
        // Compact in place: each chunk of articles packs its kept shingles to the front of its
        // own region (in parallel), then the blocks are moved together.
        let suppressed = ShingleFilter(common + boilerplate)   // the filter drops repeats
        let chunkCount = max(1, min(n, Parallel.threads * 8))
        var newStart = [Int](repeating: 0, count: n + 1)
        let kept = shingles.withUnsafeMutableBufferPointer { all -> [(Int, Int)] in
            let buffer = SharedMutableBuffer(all)
            return newStart.withUnsafeMutableBufferPointer { ns -> [(Int, Int)] in
                let starts = SharedMutableBuffer(ns)
                return Parallel.mapChunks(n, chunks: chunkCount) { range -> (Int, Int) in
                    guard !range.isEmpty else { return (0, 0) }
                    let base = start[range.lowerBound]
                    var w = base
                    for d in range {
                        starts[d] = w - base   // relative to this block, for now
                        for r in start[d]..<start[d + 1] {
                            let h = buffer[r]
                            if !suppressed.contains(h) { buffer[w] = h; w += 1 }
                        }
                    }
                    return (base, w - base)
                }
            }
        }
        var ranges = Parallel.mapChunks(n, chunks: chunkCount) { $0 }
        var write = 0
        shingles.withUnsafeMutableBufferPointer { all in
            for (c, (base, count)) in kept.enumerated() {
                if count > 0 && base != write {
                    (all.baseAddress! + write).update(from: all.baseAddress! + base, count: count)
                }
                for d in ranges[c] { newStart[d] += write }
                write += count
            }
        }
        ranges.removeAll()
        newStart[n] = write
        shingles.removeLast(shingles.count - write)
        return KeptShingles(start: newStart, hashes: shingles, commonShingles: common, boilerplateShingles: boilerplate)
    }

    /// Keys in more than `maxDocuments` articles (`common`) and keys in at least
    /// `limit[source]` articles of one source (`boilerplate`), each ascending. Only keys in at
    /// least `minimum` articles can be either (`minimum` <= every limit).
    static func count(_ shingles: [UInt32], start: [Int], docSource: [UInt32], limit: [Int], minimum: Int,
                      maxDocuments: Int) -> (common: [UInt32], boilerplate: [UInt32]) {
        let n = start.count - 1
        let roundBits = 5, rounds = 1 << roundBits
        let keyShift = UInt32(32 - roundBits)
        let perRound = Parallel.mapChunks(rounds, chunks: rounds) { roundRange -> ([UInt32], [UInt32]) in
            let round = UInt32(roundRange.lowerBound)
            // Gather this round's (key, source) pairs: a contiguous run of each article's
            // ascending keys.
            var pairs: [UInt64] = []
            pairs.reserveCapacity(shingles.count / rounds + shingles.count / (rounds * 8) + 16)
            shingles.withUnsafeBufferPointer { all in
                for d in 0..<n {
                    var lo = start[d], hi = start[d + 1]
                    // Lower bound of the round's first key.
                    var a = lo, b = hi
                    while a < b { let m = (a + b) / 2; if all[m] >> keyShift < round { a = m + 1 } else { b = m } }
                    lo = a
                    b = hi
                    while a < b { let m = (a + b) / 2; if all[m] >> keyShift <= round { a = m + 1 } else { b = m } }
                    hi = a
                    let s = UInt64(docSource[d])
                    for r in lo..<hi { pairs.append(UInt64(all[r]) << 32 | s) }
                }
            }
            radixSortByKey(&pairs, bits: Int(keyShift))
            var common: [UInt32] = []
            var boilerplate: [UInt32] = []
            var sourcesInRun: [UInt32] = []
            var i = 0
            while i < pairs.count {
                let key = UInt32(truncatingIfNeeded: pairs[i] >> 32)
                var j = i + 1
                while j < pairs.count && UInt32(truncatingIfNeeded: pairs[j] >> 32) == key { j += 1 }
                let documents = j - i
                if documents >= minimum {
                    if documents > maxDocuments { common.append(key) }
                    sourcesInRun.removeAll(keepingCapacity: true)
                    for p in i..<j {
                        let s = UInt32(truncatingIfNeeded: pairs[p])
                        if s != UInt32.max { sourcesInRun.append(s) }
                    }
                    sourcesInRun.sort()
                    var a = 0
                    while a < sourcesInRun.count {
                        var b = a + 1
                        while b < sourcesInRun.count && sourcesInRun[b] == sourcesInRun[a] { b += 1 }
                        if b - a >= limit[Int(sourcesInRun[a])] { boilerplate.append(key); break }
                        a = b
                    }
                }
                i = j
            }
            return (common, boilerplate)
        }
        return (perRound.flatMap(\.0), perRound.flatMap(\.1))
    }

    static func radixPass(_ src: UnsafeMutableBufferPointer<UInt64>, _ dst: UnsafeMutableBufferPointer<UInt64>,
                          shift s: UInt64, mask: UInt64, buckets: Int) {
        var counts = [Int](repeating: 0, count: buckets + 1)
        counts.withUnsafeMutableBufferPointer { c in
            for v in src { c[Int((v >> s) & mask) + 1] += 1 }
            for b in 0..<buckets { c[b + 1] += c[b] }
            for v in src {
                let b = Int((v >> s) & mask)
                dst[c[b]] = v
                c[b] += 1
            }
        }
    }

    /// Stable LSD radix sort of packed (key << 32 | payload) values by the low `bits` bits of
    /// the key (the rest of the key is equal across the array).
    static func radixSortByKey(_ a: inout [UInt64], bits: Int) {
        if a.count < 2 { return }
        var scratch = [UInt64](repeating: 0, count: a.count)
        let digitBits = (bits + 1) / 2
        var shift = 32
        var inScratch = false
        while shift < 32 + bits {
            let width = min(digitBits, 32 + bits - shift)
            let buckets = 1 << width
            let mask = UInt64(buckets - 1)
            let s = UInt64(shift)
            // A plain static function (no captured variables, so no boxed state or dynamic
            // exclusivity checks in the per-element loops).
            a.withUnsafeMutableBufferPointer { x in
                scratch.withUnsafeMutableBufferPointer { y in
                    if inScratch { radixPass(y, x, shift: s, mask: mask, buckets: buckets) }
                    else { radixPass(x, y, shift: s, mask: mask, buckets: buckets) }
                }
            }
            inScratch.toggle()
            shift += width
        }
        if inScratch { swap(&a, &scratch) }
    }
}

/// Membership in a set of shingle keys: a bitmap prefilter of at least 16 bits per key (most
/// absent keys stop there), then an open-addressing table of the keys (load at most 1/2).
/// Both grow with the set: at 1M articles the common shingles are 317,000 keys, and a fixed
/// 2^20-bit prefilter with a binary search behind it made the suppression pass 6% of the run.
struct ShingleFilter: Sendable {
    private let bits: [UInt64]
    private let bitShift: UInt32
    private let slots: [UInt32]
    private let slotShift: UInt32
    /// A value that is not a key: marks an empty slot.
    private let empty: UInt32
    let count: Int

    init(_ keys: [UInt32]) {
        let distinct = Array(Set(keys)).sorted()
        count = distinct.count
        func log2Ceiling(_ x: Int) -> UInt32 { UInt32(Int.bitWidth - max(1, x - 1).leadingZeroBitCount) }
        let bitBits = max(20, log2Ceiling(16 * distinct.count)), slotBits = max(4, log2Ceiling(2 * distinct.count))
        bitShift = 32 - bitBits
        slotShift = 32 - slotBits
        var empty: UInt32 = 0
        for k in distinct where k == empty { empty += 1 }   // the smallest value that is not a key
        self.empty = empty
        var bits = [UInt64](repeating: 0, count: distinct.isEmpty ? 0 : (1 << Int(bitBits)) / 64)
        var slots = [UInt32](repeating: empty, count: distinct.isEmpty ? 0 : 1 << Int(slotBits))
        let mask = slots.count - 1
        for h in distinct {
            let b = Int(ShingleFilter.mix(h) >> bitShift)
            bits[b >> 6] |= 1 << UInt64(b & 63)
            var s = Int(ShingleFilter.mix(h) >> slotShift)
            while slots[s] != empty { s = (s + 1) & mask }
            slots[s] = h
        }
        self.bits = bits
        self.slots = slots
    }

    /// Keys are hashes already; a multiplicative step spreads them over the top bits.
    @inline(__always) static func mix(_ h: UInt32) -> UInt32 { h &* 0x9E37_79B1 }

    var isEmpty: Bool { count == 0 }

    @inline(__always) func contains(_ h: UInt32) -> Bool {
        if count == 0 || h == empty { return false }
        let m = ShingleFilter.mix(h)
        let b = Int(m >> bitShift)
        if bits[b >> 6] & (1 << UInt64(b & 63)) == 0 { return false }
        let mask = slots.count - 1
        var s = Int(m >> slotShift)
        while true {
            let x = slots[s]
            if x == h { return true }
            if x == empty { return false }
            s = (s + 1) & mask
        }
    }
}
