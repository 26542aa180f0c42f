/// The longest run of words two texts share (compared case- and punctuation-insensitively),
/// quoted from the first text. For the evidence in `duplicates.json` and `explain`.
///
/// Words are split at spaces and newlines (`TextWords`) and compared by `key` (`KeyBuilder`:
/// their letters and digits, lowercased, packed when at most 8 bytes, else a 64-bit hash; keys
/// live for one comparison and are never stored), over the UTF-8 bytes, 8 bytes at a time
/// where the text allows (`words`). A canonical shared by several copies is indexed once
/// (`Indexed`).
public enum SharedPassage {
    public static func longest(_ a: String, _ b: String, maxWords: Int = 40) -> String {
        longest(Words(a), in: Indexed(Words(b)), maxWords: maxWords)
    }

    /// A text's words: where each starts (UTF-8 offset) and its key (`key`), found in one pass.
    struct Words {
        var text: String
        var starts: [Int32] = []
        var keys: [UInt64] = []

        init(_ text: String) {
            var text = text
            var starts: [Int32] = [], keys: [UInt64] = []
            text.withUTF8 { u in
                // At most one word per two bytes (a word and the separator after it).
                let capacity = (u.count + 1) / 2
                var count = 0
                starts = [Int32](unsafeUninitializedCapacity: capacity) { startsOut, startsCount in
                    keys = [UInt64](unsafeUninitializedCapacity: capacity) { keysOut, keysCount in
                        count = SharedPassage.words(u, starts: startsOut, keys: keysOut)
                        keysCount = count
                    }
                    startsCount = count
                }
            }
            self.text = text
            self.starts = starts
            self.keys = keys
        }

        var count: Int { keys.count }

        /// The words `range` joined by single spaces.
        func joined(_ range: Range<Int>) -> String {
            var text = self.text
            return text.withUTF8 { u -> String in
                var bytes: [UInt8] = []
                for w in range {
                    if w > range.lowerBound { bytes.append(0x20) }
                    var e = Int(starts[w])
                    while e < u.count && !((u[e] == 0x20 || u[e] == 0x0A) && TextWords.splits(u, at: e)) { e += 1 }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[Int(starts[w])..<e]))
                }
                return String(decoding: bytes, as: UTF8.self)
            }
        }
    }

    /// A text's words indexed by key (the second text of `longest`, e.g. a group's canonical):
    /// open-addressing tables from a key, and from a pair of keys (a word and the next), to the
    /// first position, positions chained in order. Only the first `limit` positions of each key
    /// count (`longest` looks at no more); the pairs table holds only those.
    struct Indexed {
        static let limit = 64

        var words: Words
        private let tables: Tables
        private let mask: Int
        private let shift: UInt64

        /// The tables, in one allocation: per slot (a power of two) the key and the first position
        /// of a key, and the two keys and the first position of a pair (keys of words j and j + 1,
        /// the first non-zero, for the first `limit` positions j of their first key); per
        /// position the next position of its key and of its pair.
        final class Tables {
            let slotKeys: UnsafeMutablePointer<UInt64>
            let pairFirstKeys: UnsafeMutablePointer<UInt64>
            let pairSecondKeys: UnsafeMutablePointer<UInt64>
            let slotFirst: UnsafeMutablePointer<Int32>
            let pairFirst: UnsafeMutablePointer<Int32>
            let next: UnsafeMutablePointer<Int32>
            let pairNext: UnsafeMutablePointer<Int32>
            private let raw: UnsafeMutableRawPointer

            init(slots: Int, positions: Int) {
                raw = .allocate(byteCount: 3 * 8 * slots + 2 * 4 * slots + 2 * 4 * positions, alignment: 8)
                slotKeys = raw.bindMemory(to: UInt64.self, capacity: 3 * slots)
                pairFirstKeys = slotKeys + slots
                pairSecondKeys = pairFirstKeys + slots
                slotFirst = (raw + 3 * 8 * slots).bindMemory(to: Int32.self, capacity: 2 * slots + 2 * positions)
                pairFirst = slotFirst + slots
                next = pairFirst + slots
                pairNext = next + positions
                // Only the keys need filling: the other fields of a slot are written when it is
                // taken, a position's links when it is chained.
                slotKeys.initialize(repeating: 0, count: slots)
                pairFirstKeys.initialize(repeating: 0, count: slots)
            }

            deinit { raw.deallocate() }
        }

        @inline(__always)
        private static func slot(_ k: UInt64, _ shift: UInt64) -> Int {
            Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift)
        }

        @inline(__always)
        private static func pairSlot(_ k: UInt64, _ l: UInt64, _ shift: UInt64) -> Int {
            Int(truncatingIfNeeded: ((k ^ (l &* 0xC2B2_AE3D_27D4_EB4F)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
        }

        init(_ words: Words) {
            self.words = words
            // At most two thirds full (a text has no more distinct words, or pairs, than words).
            var bits: UInt64 = 4
            while (1 << bits) < words.count + words.count / 2 { bits += 1 }
            let shift = 64 - bits
            let size = 1 << Int(bits)
            let mask = size - 1
            let n = words.count
            let t = Tables(slots: size, positions: n)
            self.tables = t
            self.shift = shift
            self.mask = mask
            let slotKeys = t.slotKeys, slotFirst = t.slotFirst, next = t.next
            let pairFirstKeys = t.pairFirstKeys, pairSecondKeys = t.pairSecondKeys, pairFirst = t.pairFirst, pairNext = t.pairNext
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * size) { scratch in
                let slotLast = scratch.baseAddress!, slotCount = slotLast + size, pairLast = slotCount + size
                words.keys.withUnsafeBufferPointer { keys in
                    for j in 0..<n {
                        let k = keys[j]
                        if k == 0 { continue }
                        var s = Indexed.slot(k, shift)
                        while slotKeys[s] != 0 && slotKeys[s] != k { s = (s + 1) & mask }
                        if slotKeys[s] == 0 {
                            slotKeys[s] = k
                            slotFirst[s] = Int32(j)
                            slotCount[s] = 0
                        } else {
                            next[Int(slotLast[s])] = Int32(j)
                        }
                        next[j] = -1
                        slotLast[s] = Int32(j)
                        slotCount[s] += 1
                        guard slotCount[s] <= Indexed.limit, j + 1 < n else { continue }
                        let l = keys[j + 1]
                        var p = Indexed.pairSlot(k, l, shift)
                        while pairFirstKeys[p] != 0 && !(pairFirstKeys[p] == k && pairSecondKeys[p] == l) { p = (p + 1) & mask }
                        if pairFirstKeys[p] == 0 {
                            pairFirstKeys[p] = k
                            pairSecondKeys[p] = l
                            pairFirst[p] = Int32(j)
                        } else {
                            pairNext[Int(pairLast[p])] = Int32(j)
                        }
                        pairNext[j] = -1
                        pairLast[p] = Int32(j)
                    }
                }
            }
        }

        /// Calls `body` with the first `limit` positions of key `k` (non-zero), in increasing order.
        @inline(__always)
        func forEachPosition(of k: UInt64, _ body: (Int) -> Void) {
            let slotKeys = tables.slotKeys, next = tables.next
            var s = Indexed.slot(k, shift)
            while slotKeys[s] != k {
                if slotKeys[s] == 0 { return }
                s = (s + 1) & mask
            }
            var j = tables.slotFirst[s], n = 0
            while j >= 0 && n < Indexed.limit {
                body(Int(j))
                j = next[Int(j)]
                n += 1
            }
        }

        /// Calls `body` with the positions j, among the first `limit` of key `k` (non-zero),
        /// whose next word has key `l`, in increasing order.
        @inline(__always)
        func forEachPosition(of k: UInt64, followedBy l: UInt64, _ body: (Int) -> Void) {
            let pairFirstKeys = tables.pairFirstKeys, pairSecondKeys = tables.pairSecondKeys, pairNext = tables.pairNext
            var t = Indexed.pairSlot(k, l, shift)
            while !(pairFirstKeys[t] == k && pairSecondKeys[t] == l) {
                if pairFirstKeys[t] == 0 { return }
                t = (t + 1) & mask
            }
            var j = tables.pairFirst[t]
            while j >= 0 {
                body(Int(j))
                j = pairNext[Int(j)]
            }
        }
    }

    /// The first longest run of words of `a` found in `b`, quoted from `a` (`maxWords` at most).
    ///
    /// A run starting at (i, j), for each of the first `Indexed.limit` positions j of word i's
    /// key, is extended word by word; j is not tried when word j - 1 equals word i - 1 (the run
    /// started earlier). Only starts that are not inside an already-seen run are tried (after
    /// a run of more than 8 words, the next i is 4 before its end), so the work is linear in the
    /// words for texts that share long passages. The longest run at i is looked for among the
    /// positions whose next word matches too (`forEachPosition(of:followedBy:)`); single-word
    /// runs matter only until the first run is found.
    static func longest(_ a: Words, in b: Indexed, maxWords: Int = 40) -> String {
        let ka = a.keys, kb = b.words.keys
        guard !ka.isEmpty, !kb.isEmpty else { return "" }
        var bestStart = 0, bestLength = 0
        ka.withUnsafeBufferPointer { ka in
            kb.withUnsafeBufferPointer { kb in
                let na = ka.count, nb = kb.count
                var i = 0
                while i < na {
                    var length = 0
                    let k = ka[i]
                    if k != 0 {
                        if i + 1 < na {
                            b.forEachPosition(of: k, followedBy: ka[i + 1]) { j in
                                if i > 0 && j > 0 && ka[i - 1] == kb[j - 1] { return }   // not a run start
                                var l = 2
                                while i + l < na && j + l < nb && ka[i + l] == kb[j + l] { l += 1 }
                                length = max(length, l)
                            }
                        }
                        if length == 0 && bestLength == 0 {
                            b.forEachPosition(of: k) { j in
                                if !(i > 0 && j > 0 && ka[i - 1] == kb[j - 1]) { length = 1 }
                            }
                        }
                    }
                    if length > bestLength { bestLength = length; bestStart = i }
                    i += length > 8 ? length - 4 : 1
                }
            }
        }
        if bestLength == 0 { return "" }
        return a.joined(bestStart..<(bestStart + min(bestLength, maxWords))) + (bestLength > maxWords ? " ..." : "")
    }

    /// Finds the words of `u` (`Words`), writing their starts and keys; returns their count.
    ///
    /// Works from bit masks, one bit per byte in 64-byte blocks, made 8 bytes at a time:
    /// separators that split, key bytes (ASCII letters and digits) and the bytes that need a
    /// closer look (non-ASCII, carriage return). A word of up to 64 bytes without the latter,
    /// whose key bytes are one run, is keyed from 8-byte loads; any other by `key` byte by byte.
    static func words(_ u: UnsafeBufferPointer<UInt8>, starts: UnsafeMutableBufferPointer<Int32>,
                      keys: UnsafeMutableBufferPointer<UInt64>) -> Int {
        let n = u.count
        guard n > 0, let base = u.baseAddress else { return 0 }
        let blocks = (n + 63) >> 6
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 3 * blocks) { bits -> Int in
            let sep = bits.baseAddress!, key = sep + blocks, odd = key + blocks
            let space = ones &* 0x20, newline = ones &* 0x0A, cr = ones &* 0x0D, lower = ones &* 0x20
            for b in 0..<blocks {
                var s: UInt64 = 0, k: UInt64 = 0, o: UInt64 = 0
                var c = 0
                while c < 8 {
                    let at = b << 6 + c << 3
                    if at >= n { break }
                    var x: UInt64
                    if at + 8 <= n {
                        x = load(base, at)
                    } else {
                        x = 0
                        for j in at..<n { x |= UInt64(u[j]) << UInt64(8 * (j - at)) }
                    }
                    let x7 = x & lows
                    let sm = zeroBytes(x ^ space) | zeroBytes(x ^ newline)
                    let om = (x & highs) | zeroBytes(x ^ cr)
                    let km = bytesIn(x7 | lower, 0x61, 0x7A) | bytesIn(x7, 0x30, 0x39)
                    let shift = UInt64(c << 3)
                    s |= gather(sm) << shift
                    o |= gather(om) << shift
                    k |= gather(km) << shift
                    c += 1
                }
                sep[b] = s; key[b] = k; odd[b] = o
            }
            // A separator next to a non-ASCII byte or after a carriage return may not split.
            for b in 0..<blocks where odd[b] != 0 || (b > 0 && odd[b - 1] >> 63 != 0) || (b + 1 < blocks && odd[b + 1] & 1 != 0) {
                var near = (odd[b] << 1) | (odd[b] >> 1)
                if b > 0 { near |= odd[b - 1] >> 63 }
                if b + 1 < blocks { near |= odd[b + 1] << 63 }
                var check = sep[b] & near
                while check != 0 {
                    let bit = check & (0 &- check)
                    check &= check &- 1
                    if !TextWords.splits(u, at: b << 6 + bit.trailingZeroBitCount) { sep[b] &= ~bit }
                }
            }
            var count = 0
            var before: UInt64 = 1   // the byte before the text counts as a separator
            for b in 0..<blocks {
                let s = sep[b]
                let valid: UInt64 = b == blocks - 1 && n & 63 != 0 ? (1 &<< UInt64(n & 63)) &- 1 : ~0
                var wordStarts = ~s & ((s << 1) | before) & valid
                before = s >> 63
                // A word of at most 64 bytes starting here lies in this block and the next.
                let clean = odd[b] == 0 && (b + 1 == blocks || odd[b + 1] == 0)
                let blockKey = key[b], blockOdd = odd[b]
                while wordStarts != 0 {
                    let offset = wordStarts.trailingZeroBitCount
                    wordStarts &= wordStarts &- 1
                    let i = b << 6 + offset
                    var e = n
                    let after = s & (~0 << UInt64(offset))
                    // Its key and odd bits, from bit 0 (m: nil when the word is longer than 64 bytes
                    // or has an odd byte).
                    var m: UInt64? = nil
                    if after != 0 {
                        // Ends in this block.
                        let end = after.trailingZeroBitCount
                        e = b << 6 + end
                        let bits = (1 &<< UInt64(end - offset)) &- 1
                        if clean || (blockOdd >> UInt64(offset)) & bits == 0 { m = (blockKey >> UInt64(offset)) & bits }
                    } else {
                        var bb = b + 1
                        while bb < blocks {
                            if sep[bb] != 0 { e = bb << 6 + sep[bb].trailingZeroBitCount; break }
                            bb += 1
                        }
                        let length = e - i
                        if length <= 64 && (clean || window(odd, i, length, blocks: blocks) == 0) {
                            m = window(key, i, length, blocks: blocks)
                        }
                    }
                    starts[count] = Int32(i)
                    // A word of ASCII bytes whose key bytes are one run: keyed from 8-byte loads
                    // (as `KeyBuilder` keys them), when they stay inside the text.
                    var k: UInt64 = 0
                    var keyed = false
                    if let m {
                        if m == 0 {
                            keyed = true
                        } else {
                            let first = m.trailingZeroBitCount
                            let run = 64 - m.leadingZeroBitCount - first
                            let at = i + first
                            if m >> UInt64(first) == (run == 64 ? ~0 : (1 &<< UInt64(run)) &- 1) && at + ((run + 7) & ~7) <= n {
                                if run <= 8 {
                                    let x = load(base, at) | lower
                                    k = run == 8 ? x : x & ((1 &<< UInt64(8 * run)) &- 1)
                                } else {
                                    var h = KeyBuilder.seed
                                    var c = 0
                                    while c < run {
                                        var x = load(base, at + c) | lower
                                        if run - c < 8 { x &= (1 &<< UInt64(8 * (run - c))) &- 1 }
                                        h = KeyBuilder.step(h, x)
                                        c += 8
                                    }
                                    k = KeyBuilder.finish(h, count: run)
                                }
                                keyed = true
                            }
                        }
                    }
                    keys[count] = keyed ? k : SharedPassage.key(u, i, e)
                    count += 1
                }
            }
            return count
        }
    }

    /// The bits of `mask` (one per byte, `blocks` words) for bytes `i..<i + length` (length
    /// 1...64), from bit 0.
    @inline(__always)
    private static func window(_ mask: UnsafeMutablePointer<UInt64>, _ i: Int, _ length: Int, blocks: Int) -> UInt64 {
        let b = i >> 6, o = UInt64(i & 63)
        var w = mask[b] >> o
        if o != 0 && b + 1 < blocks { w |= mask[b + 1] << (64 - o) }
        return length < 64 ? w & ((1 &<< UInt64(length)) &- 1) : w
    }

    /// 8 bits from a SWAR mask (0x80 in matching bytes): bit j for byte j.
    @inline(__always)
    static func gather(_ m: UInt64) -> UInt64 {
        ((m >> 7) &* 0x0102_0408_1020_4080) >> 56
    }

    /// For ASCII: the byte a word character is keyed as (lowercased), 0 for the others.
    static let asciiKeyByte: [UInt8] = (0..<128).map { b in
        switch b {
        case 0x61...0x7A, 0x30...0x39: return UInt8(b)
        case 0x41...0x5A: return UInt8(b + 32)
        default: return 0
        }
    }

    /// A word's key from its key bytes: the word's letters and digits, lowercased, in order (an
    /// ASCII one as its byte, another as the UTF-8 bytes of its lowercase mapping). Up to 8 key
    /// bytes: the bytes themselves, packed little-endian (exact); more: a 64-bit hash of them
    /// with the top bit set; none: 0. Keys are only compared within one run, never stored.
    struct KeyBuilder {
        private var chunk: UInt64 = 0
        private var count = 0
        private var h = KeyBuilder.seed

        static let seed: UInt64 = 0x243F_6A88_85A3_08D3

        /// Mixes one full 8-byte chunk of a long word's key bytes into `h`.
        @inline(__always)
        static func step(_ h: UInt64, _ chunk: UInt64) -> UInt64 {
            var x = (h ^ chunk) &* 0x9E37_79B9_7F4A_7C15
            x ^= x >> 32
            return x
        }

        /// The key of a long word (more than 8 key bytes) from its mixed chunks (the last one,
        /// partial or not, included) and its key byte count.
        @inline(__always)
        static func finish(_ h: UInt64, count: Int) -> UInt64 {
            var x = h ^ UInt64(count)
            x = (x ^ (x >> 33)) &* 0xFF51_AFD7_ED55_8CCD
            x = (x ^ (x >> 33)) &* 0xC4CE_B9FE_1A85_EC53
            x ^= x >> 33
            return x | (1 << 63)
        }

        @inline(__always)
        mutating func append(_ b: UInt8) {
            let used = count & 7
            if used == 0 && count > 0 { h = KeyBuilder.step(h, chunk); chunk = 0 }
            chunk |= UInt64(b) << UInt64(8 * used)
            count += 1
        }

        var key: UInt64 {
            if count == 0 { return 0 }
            if count <= 8 { return chunk }
            return KeyBuilder.finish(KeyBuilder.step(h, chunk), count: count)
        }
    }

    /// Appends the key bytes of the multi-byte scalar at `u[i]` to `k` if it is a word scalar;
    /// returns the next offset.
    @inline(__always)
    static func appendScalar(_ u: UnsafeBufferPointer<UInt8>, _ i: Int, to k: inout KeyBuilder) -> Int {
        let b = u[i]
        let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
        var v = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length { v = (v << 6) | (UInt32(u[i + k]) & 0x3F) }
        let scalar = Unicode.Scalar(v)!
        if Tokenizer.isWordScalar(scalar) {
            for l in scalar.properties.lowercaseMapping.utf8 { k.append(l) }
        }
        return i + length
    }

    // SWAR over 8 bytes loaded little-endian: masks hold 0x80 in the bytes that match.
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080
    private static let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// 0x80 in each byte of `x` that is zero (exact).
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 {
        ~(((x & lows) &+ lows) | x | lows)
    }

    /// 0x80 in each byte in `lo...hi` (`lo >= 1`, `hi < 0x80`), exact for the bytes below the
    /// first byte >= 0x80 (carries only move up).
    @inline(__always)
    private static func bytesIn(_ x: UInt64, _ lo: UInt64, _ hi: UInt64) -> UInt64 {
        (x &+ ones &* (0x80 - lo)) & ~(x &+ ones &* (0x7F - hi)) & highs
    }

    @inline(__always)
    private static func load(_ base: UnsafePointer<UInt8>, _ i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
    }

    /// The key of a word (`KeyBuilder`): its letters and digits, lowercased (0 for none).
    static func key(_ w: Substring) -> UInt64 {
        var w = w
        return w.withUTF8 { key($0, 0, $0.count) }
    }

    /// `key` of the UTF-8 bytes `u[start..<end]`, byte by byte.
    static func key(_ u: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var k = KeyBuilder()
        var i = start
        while i < end {
            let b = u[i]
            if b < 0x80 {
                let c = asciiKeyByte[Int(b)]
                if c != 0 { k.append(c) }
                i += 1
            } else {
                i = appendScalar(u, i, to: &k)
            }
        }
        return k.key
    }
}
