import Foundation
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
/// split by their top bits into rounds, each round's (key, source) pairs are bucketed by the
/// next bits, each bucket radix sorted and scanned, one round per worker at a time; no
/// dictionary, memory of one round's pairs per worker.
public struct KeptShingles: Sendable {
    public var start: [Int]
    public var hashes: [UInt32]
    /// Suppressed shingle keys (sorted) and why.
    public var commonShingles: [UInt32]
    public var boilerplateShingles: [UInt32]
    /// Whether article d had a boilerplate shingle (headline or body) before suppression: pass 2
    /// of the text analysis looks for boilerplate positions only in those. Empty: not known
    /// (every article may have one).
    public var hasBoilerplate: [Bool]

    public init(start: [Int], hashes: [UInt32], commonShingles: [UInt32], boilerplateShingles: [UInt32],
                hasBoilerplate: [Bool] = []) {
        self.start = start
        self.hashes = hashes
        self.commonShingles = commonShingles
        self.boilerplateShingles = boilerplateShingles
        self.hasBoilerplate = hasBoilerplate
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
        let boilerplateFilter = ShingleFilter(boilerplate)
        let chunkCount = max(1, min(n, Parallel.threads * 8))
        var newStart = [Int](repeating: 0, count: n + 1)
        var hasBoilerplate = [Bool](repeating: false, count: n)
        let kept = shingles.withUnsafeMutableBufferPointer { all -> [(Int, Int)] in
            let buffer = SharedMutableBuffer(all)
            return newStart.withUnsafeMutableBufferPointer { ns -> [(Int, Int)] in
                hasBoilerplate.withUnsafeMutableBufferPointer { hb -> [(Int, Int)] in
                    let starts = SharedMutableBuffer(ns), flags = SharedMutableBuffer(hb)
                    return Parallel.mapChunks(n, chunks: chunkCount) { range -> (Int, Int) in
                        guard !range.isEmpty else { return (0, 0) }
                        let base = start[range.lowerBound]
                        var w = base
                        for d in range {
                            starts[d] = w - base   // relative to this block, for now
                            var any = false
                            for r in start[d]..<start[d + 1] {
                                let h = buffer[r]
                                if !suppressed.contains(h) { buffer[w] = h; w += 1 } else if !any { any = boilerplateFilter.contains(h) }
                            }
                            flags[d] = any
                        }
                        return (base, w - base)
                    }
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
        return KeptShingles(start: newStart, hashes: shingles, commonShingles: common, boilerplateShingles: boilerplate,
                            hasBoilerplate: hasBoilerplate)
    }

    /// Keys in more than `maxDocuments` articles (`common`) and keys in at least
    /// `limit[source]` articles of one source (`boilerplate`), each ascending. Only keys in at
    /// least `minimum` articles can be either (`minimum` <= every limit).
    ///
    /// Rounds by the top 5 key bits, each taken by the next free worker in ascending order.
    /// A worker keeps, per article, where its scan of that article's (ascending) keys stands,
    /// so a round reads each article's keys of that round from there, with no search. A round's
    /// pairs are written straight into buckets by their next `bucketBits` bits (sizes counted
    /// for every round in one pass first), then each bucket, small enough for the cache, is
    /// radix sorted on its own and scanned (`countRound`): one array of a round's (key, source)
    /// pairs per worker, reused, and no second copy of it.
    static func count(_ shingles: [UInt32], start: [Int], docSource: [UInt32], limit: [Int], minimum: Int,
                      maxDocuments: Int) -> (common: [UInt32], boilerplate: [UInt32]) {
        let n = start.count - 1
        // 32 rounds: a worker holds one round's pairs (8 bytes a key, 1/32 of the keys) and its
        // cursors (8 bytes an article); each round reads every article's keys of that round once.
        let roundBits = 5, rounds = 1 << roundBits
        let keyShift = 32 - roundBits
        // About 512 pairs a bucket (the keys are hashes: uniform), at most 4096 buckets.
        let perRound = shingles.count / rounds
        var bucketBits = 0
        while bucketBits < 12 && (512 << bucketBits) < perRound { bucketBits += 1 }
        if shingles.isEmpty { return ([], []) }
        // Every round's bucket sizes, from one sequential read of the keys (in parallel over
        // slices): a round then reads each article's keys once, writing each pair in place.
        let lowBits = keyShift - bucketBits
        let slices = max(1, min(Parallel.threads, shingles.count / 65_536))
        let sliceCounts = shingles.withUnsafeBufferPointer { all in
            Parallel.mapChunks(all.count, chunks: slices) { range -> [UInt32] in
                var counts = [UInt32](repeating: 0, count: rounds << bucketBits)
                counts.withUnsafeMutableBufferPointer { c in
                    for i in range { c[Int(all[i] >> UInt32(lowBits))] &+= 1 }
                }
                return counts
            }
        }
        var bucketSizes = sliceCounts.first ?? [UInt32](repeating: 0, count: rounds << bucketBits)
        for other in sliceCounts.dropFirst() {
            for i in bucketSizes.indices { bucketSizes[i] &+= other[i] }
        }
        var largestRound = 0
        for r in 0..<rounds {
            largestRound = max(largestRound, bucketSizes[(r << bucketBits)..<((r + 1) << bucketBits)].reduce(0) { $0 + Int($1) })
        }
        let workers = max(1, min(Parallel.threads, rounds))
        let next = RoundDealer(rounds)
        let parts = Parallel.mapChunks(workers, chunks: workers) { _ -> [(round: Int, common: [UInt32], boilerplate: [UInt32])] in
            var done: [(round: Int, common: [UInt32], boilerplate: [UInt32])] = []
            var state = RoundState(start: start, bucketBits: bucketBits, keyShift: keyShift)
            defer { state.release() }
            state.reservePairs(largestRound)
            shingles.withUnsafeBufferPointer { all in
                start.withUnsafeBufferPointer { st in
                    docSource.withUnsafeBufferPointer { ds in
                        limit.withUnsafeBufferPointer { lim in
                            bucketSizes.withUnsafeBufferPointer { sizes in
                                while let round = next.take() {
                                    var common: [UInt32] = [], boilerplate: [UInt32] = []
                                    countRound(UInt32(round), &state, all: all, start: st, docSource: ds, limit: lim,
                                               bucketSizes: UnsafeBufferPointer(rebasing: sizes[(round << bucketBits)..<((round + 1) << bucketBits)]),
                                               minimum: minimum, maxDocuments: maxDocuments, n: n,
                                               common: &common, boilerplate: &boilerplate)
                                    done.append((round, common, boilerplate))
                                }
                            }
                        }
                    }
                }
            }
            return done
        }
        let byRound = parts.joined().sorted { $0.round < $1.round }
        return (byRound.flatMap(\.common), byRound.flatMap(\.boilerplate))
    }

    /// Hands out rounds `0..<count` in ascending order, each once, to whichever worker asks.
    final class RoundDealer: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private let count: Int
        init(_ count: Int) { self.count = count }
        func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            if next == count { return nil }
            next += 1
            return next - 1
        }
    }

    /// One worker's buffers, reused from round to round (raw memory: no bounds, uniqueness or
    /// exclusivity checks in the per-key loops).
    struct RoundState {
        let bucketBits: Int
        let keyShift: Int
        /// Per article: where the worker's scan of its keys stands (every key before it is in
        /// an earlier round than the next one the worker takes).
        let cursor: UnsafeMutablePointer<Int>
        let n: Int
        /// Bucket starts (`buckets + 1`), then the write positions (`buckets`).
        let bucketStart: UnsafeMutablePointer<Int>
        let write: UnsafeMutablePointer<Int>
        var pairs: UnsafeMutablePointer<UInt64>
        var pairCapacity = 0
        var scratch: UnsafeMutablePointer<UInt64>
        var scratchCapacity = 0
        /// `isBoilerplate`'s count per source.
        var tally: [Int32] = []
        /// Digit counts for `sortByLowKeyBits` (one pass of 8 bits, then at most 3).
        let digitCounts: UnsafeMutablePointer<Int>
        /// `countRound`'s per-bucket key counts, by the low 16 key bits (zero between buckets).
        let lowCounts: UnsafeMutablePointer<UInt8>

        init(start: [Int], bucketBits: Int, keyShift: Int) {
            self.bucketBits = bucketBits
            self.keyShift = keyShift
            n = start.count - 1
            cursor = .allocate(capacity: max(1, n))
            for d in 0..<n { cursor[d] = start[d] }
            bucketStart = .allocate(capacity: (1 << bucketBits) + 1)
            write = .allocate(capacity: 1 << bucketBits)
            pairs = .allocate(capacity: 1)
            scratch = .allocate(capacity: 1)
            digitCounts = .allocate(capacity: 4 << 8)
            lowCounts = .allocate(capacity: 1 << 16)
            lowCounts.initialize(repeating: 0, count: 1 << 16)
        }

        func release() {
            cursor.deallocate()
            bucketStart.deallocate()
            write.deallocate()
            pairs.deallocate()
            scratch.deallocate()
            digitCounts.deallocate()
            lowCounts.deallocate()
        }

        mutating func reservePairs(_ count: Int) {
            if count <= pairCapacity { return }
            pairs.deallocate()
            pairCapacity = count
            pairs = .allocate(capacity: pairCapacity)
        }

        mutating func reserveScratch(_ count: Int) {
            if count <= scratchCapacity { return }
            scratch.deallocate()
            scratchCapacity = max(count, 2 * scratchCapacity)
            scratch = .allocate(capacity: scratchCapacity)
        }
    }

    /// Counts one round (keys whose top bits are `round`): (1) per article, from the cursor,
    /// its keys of this round are written as (key, source) pairs into their buckets (sized
    /// beforehand: `bucketSizes`), and the cursor moves past them; (2) each bucket is sorted by
    /// the key bits below the bucket's and its runs of equal keys are judged. Keys come out
    /// ascending.
    static func countRound(_ round: UInt32, _ state: inout RoundState, all: UnsafeBufferPointer<UInt32>,
                           start: UnsafeBufferPointer<Int>, docSource: UnsafeBufferPointer<UInt32>,
                           limit: UnsafeBufferPointer<Int>, bucketSizes: UnsafeBufferPointer<UInt32>,
                           minimum: Int, maxDocuments: Int, n: Int,
                           common: inout [UInt32], boilerplate: inout [UInt32]) {
        let keyShift = UInt32(state.keyShift)
        let lowBits = keyShift - UInt32(state.bucketBits)
        let buckets = 1 << state.bucketBits
        let bucketMask = UInt32(buckets - 1)
        let roundLow = round << keyShift
        let roundHigh = roundLow | ((1 << keyShift) - 1)
        let keys = all.baseAddress!, cursor = state.cursor
        let bucketStart = state.bucketStart, write = state.write
        var largest = 0
        bucketStart[0] = 0
        for b in 0..<buckets {
            let size = Int(bucketSizes[b])
            largest = max(largest, size)
            write[b] = bucketStart[b]
            bucketStart[b + 1] = bucketStart[b] + size
        }
        let total = bucketStart[buckets]
        if total == 0 { return }
        state.reservePairs(total)
        state.reserveScratch(largest)
        let pairs = state.pairs
        // (1) The pairs, bucket by bucket. Each article's keys of the round are usually a cache
        // line not read before: the lines at the cursor of the article `ahead` places on are
        // prefetched (a hint: no load waits for it), so that its miss overlaps the work on the
        // articles before it instead of stalling on its own.
        let ahead = 24
        for d in 0..<n {
            if d + ahead < n {
                // About 1/32 of an article's keys: 16 of 500, which straddle two lines as often as not.
                let c = keys + cursor[d + ahead]
                prefetch(c)
                prefetch(c + 16)
            }
            var p = cursor[d]
            let e = start[d + 1]
            if p < e {
                let source = UInt64(docSource[d])
                var key = keys[p]
                while key <= roundHigh {
                    if key >= roundLow {
                        let b = Int((key >> lowBits) & bucketMask)
                        pairs[write[b]] = UInt64(key) << 32 | source
                        write[b] += 1
                    }
                    p += 1
                    if p == e { break }
                    key = keys[p]
                }
                cursor[d] = p
            }
        }
        // (2) Each bucket: its keys counted in a small table by their low 16 bits (exact when the
        // bucket's keys differ only there, an upper bound otherwise; saturating at 255), only the
        // pairs of keys counted at least `minimum` times kept (most keys are in one or two
        // articles), those sorted and their runs scanned. Keys come out ascending as before.
        let table = state.lowCounts
        let least = UInt8(min(max(minimum, 0), 255))
        let hotPairs = state.scratch
        @inline(__always) func slot(_ v: UInt64) -> Int { Int(truncatingIfNeeded: (v >> 32) & 0xFFFF) }
        for b in 0..<buckets {
            let lo = bucketStart[b], count = bucketStart[b + 1] - lo
            if count < minimum { continue }
            let p = pairs + lo
            for i in 0..<count {
                let k = slot(p[i])
                let c = table[k]
                table[k] = c == 255 ? c : c + 1
            }
            var hot = 0
            for i in 0..<count {
                let v = p[i]
                if table[slot(v)] >= least { hotPairs[hot] = v; hot += 1 }
            }
            for i in 0..<count { table[slot(p[i])] = 0 }
            if hot < minimum { continue }
            // The bucket's own pairs are not needed any more: their room is the sort's scratch.
            let run = sortByLowKeyBits(hotPairs, count: hot, bits: Int(lowBits), scratch: p, counts: state.digitCounts)
            var i = 0
            while i < hot {
                let key = UInt32(truncatingIfNeeded: run[i] >> 32)
                var j = i + 1
                while j < hot && UInt32(truncatingIfNeeded: run[j] >> 32) == key { j += 1 }
                let documents = j - i
                if documents >= minimum {
                    if documents > maxDocuments { common.append(key) }
                    if isBoilerplate(run + i, count: documents, limit: limit, tally: &state.tally) {
                        boilerplate.append(key)
                    }
                }
                i = j
            }
        }
    }

    /// Whether some source has at least its `limit` of these pairs (articles without a source,
    /// `UInt32.max`, take no part). `tally`: a count per source, all 0 (and left so).
    static func isBoilerplate(_ run: UnsafeMutablePointer<UInt64>, count: Int, limit: UnsafeBufferPointer<Int>,
                              tally: inout [Int32]) -> Bool {
        if tally.count < limit.count { tally = [Int32](repeating: 0, count: limit.count) }
        return tally.withUnsafeMutableBufferPointer { t in
            var found = false
            var p = 0
            while p < count && !found {
                let s = Int(UInt32(truncatingIfNeeded: run[p]))
                p += 1
                if s == Int(UInt32.max) { continue }
                t[s] += 1
                found = Int(t[s]) >= limit[s]
            }
            for q in 0..<p {
                let s = Int(UInt32(truncatingIfNeeded: run[q]))
                if s != Int(UInt32.max) { t[s] = 0 }
            }
            return found
        }
    }

    /// Sorts packed (key << 32 | payload) values by the low `bits` bits of the key (the key's
    /// higher bits are equal across them) and returns where the sorted values are: `a` or
    /// `scratch` (`count` values). Few values: an insertion sort in place. Otherwise one
    /// counting pass on the top 8 of those bits into `scratch`, then each digit's values (about
    /// count / 256 of them: the keys are hashes) by an insertion sort on the rest, or, for a
    /// larger group, an LSD radix sort with `a`'s free slots as its scratch. `counts` holds
    /// 1024 (the digit counts).
    static func sortByLowKeyBits(_ a: UnsafeMutablePointer<UInt64>, count: Int, bits: Int,
                                 scratch: UnsafeMutablePointer<UInt64>, counts: UnsafeMutablePointer<Int>) -> UnsafeMutablePointer<UInt64> {
        if count < 2 || bits == 0 { return a }
        if count <= 24 {
            insertionSortByKey(a, count: count)
            return a
        }
        let top = min(8, bits), rest = bits - top
        let shift = UInt64(32 + rest), mask = UInt64((1 << top) - 1)
        counts.initialize(repeating: 0, count: 1 << top)
        for i in 0..<count { counts[Int((a[i] >> shift) & mask)] += 1 }
        var sum = 0
        for d in 0..<(1 << top) { let x = counts[d]; counts[d] = sum; sum += x }
        for i in 0..<count {
            let v = a[i]
            let d = Int((v >> shift) & mask)
            scratch[counts[d]] = v
            counts[d] += 1
        }
        if rest > 0 {
            // counts[d] is now the end of digit d's group.
            var lo = 0
            for d in 0..<(1 << top) {
                let hi = counts[d]
                if hi - lo > 1 {
                    if hi - lo <= 32 {
                        insertionSortByKey(scratch + lo, count: hi - lo)
                    } else {
                        lsdSortByLowKeyBits(scratch + lo, count: hi - lo, bits: rest, scratch: a + lo, counts: counts + 256)
                    }
                }
                lo = hi
            }
        }
        return scratch
    }

    /// Insertion sort of packed values by their key (upper 32 bits); stable.
    @inline(__always)
    static func insertionSortByKey(_ a: UnsafeMutablePointer<UInt64>, count: Int) {
        for i in 1..<count {
            let v = a[i], key = v >> 32
            var j = i
            while j > 0 && a[j - 1] >> 32 > key { a[j] = a[j - 1]; j -= 1 }
            a[j] = v
        }
    }

    /// LSD radix sort of packed values by the low `bits` bits of the key, in passes of at most
    /// 8 bits, the result back in `a`. `scratch` holds `count` values, `counts` 768.
    static func lsdSortByLowKeyBits(_ a: UnsafeMutablePointer<UInt64>, count: Int, bits: Int,
                                    scratch: UnsafeMutablePointer<UInt64>, counts: UnsafeMutablePointer<Int>) {
        let passes = (bits + 7) / 8
        let width = (bits + passes - 1) / passes
        let mask = UInt64((1 << width) - 1)
        // Every pass's counts in one read of the values.
        counts.initialize(repeating: 0, count: passes << width)
        for i in 0..<count {
            let v = a[i] >> 32
            for q in 0..<passes { counts[q << width + Int((v >> UInt64(q * width)) & mask)] += 1 }
        }
        var src = a, dst = scratch
        for q in 0..<passes {
            let c = counts + (q << width)
            var sum = 0
            for d in 0..<(1 << width) { let x = c[d]; c[d] = sum; sum += x }
            let shift = UInt64(32 + q * width)
            for i in 0..<count {
                let v = src[i]
                let d = Int((v >> shift) & mask)
                dst[c[d]] = v
                c[d] += 1
            }
            swap(&src, &dst)
        }
        if src != a { a.update(from: src, count: count) }
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
