/// The longest run of words two texts share (compared case- and punctuation-insensitively),
/// quoted from the first text. For the evidence in `duplicates.json` and `explain`.
///
/// Words are split at spaces and newlines (`TextWords`) and compared by `key`, over the UTF-8
/// bytes. A canonical shared by several copies is indexed once (`Indexed`).
public enum SharedPassage {
    public static func longest(_ a: String, _ b: String, maxWords: Int = 40) -> String {
        longest(Words(a), in: Indexed(Words(b)), maxWords: maxWords)
    }

    /// A text's words: where each starts (UTF-8 offset) and its key, found in one pass.
    struct Words {
        var text: String
        var starts: [Int32] = []
        var keys: [UInt64] = []

        init(_ text: String) {
            var text = text
            var starts: [Int32] = [], keys: [UInt64] = []
            let table = SharedPassage.asciiKeyByte
            text.withUTF8 { u in table.withUnsafeBufferPointer { table in
                starts.reserveCapacity(u.count / 5)
                keys.reserveCapacity(u.count / 5)
                var h = ShingleHash.offsetBasis, any = false, start = -1
                var i = 0
                while i < u.count {
                    let b = u[i]
                    if b < 0x80 {
                        let k = table[Int(b)]
                        if k != 0 {
                            h = (h ^ UInt64(k)) &* ShingleHash.prime
                            any = true
                        } else if (b == 0x20 || b == 0x0A) && TextWords.splits(u, at: i) {
                            if start >= 0 {
                                starts.append(Int32(start))
                                keys.append(any ? h : 0)
                            }
                            h = ShingleHash.offsetBasis; any = false; start = -1
                            i += 1
                            continue
                        }
                        if start < 0 { start = i }
                        i += 1
                    } else {
                        if start < 0 { start = i }
                        i = SharedPassage.hashScalar(u, i, &h, &any)
                    }
                }
                if start >= 0 {
                    starts.append(Int32(start))
                    keys.append(any ? h : 0)
                }
            } }
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
    /// an open-addressing table from key to the first position, positions chained in order.
    struct Indexed {
        var words: Words
        private var slotKeys: [UInt64]
        private var slotFirst: [Int32]
        private var next: [Int32]
        private let shift: UInt64

        init(_ words: Words) {
            self.words = words
            var bits: UInt64 = 4
            while (1 << bits) < 2 * words.count { bits += 1 }
            shift = 64 - bits
            let size = 1 << Int(bits)
            var slotKeys = [UInt64](repeating: 0, count: size)
            var slotFirst = [Int32](repeating: -1, count: size)
            var slotLast = [Int32](repeating: -1, count: size)
            var next = [Int32](repeating: -1, count: words.count)
            let mask = size - 1
            for (j, k) in words.keys.enumerated() where k != 0 {
                var s = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift)
                while slotKeys[s] != 0 && slotKeys[s] != k { s = (s + 1) & mask }
                if slotKeys[s] == 0 {
                    slotKeys[s] = k
                    slotFirst[s] = Int32(j)
                } else {
                    next[Int(slotLast[s])] = Int32(j)
                }
                slotLast[s] = Int32(j)
            }
            self.slotKeys = slotKeys
            self.slotFirst = slotFirst
            self.next = next
        }

        /// Calls `body` with the positions of key `k` (non-zero), in increasing order, at most `limit`.
        @inline(__always)
        func forEachPosition(of k: UInt64, limit: Int, _ body: (Int) -> Void) {
            let mask = slotKeys.count - 1
            var s = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift)
            while slotKeys[s] != k {
                if slotKeys[s] == 0 { return }
                s = (s + 1) & mask
            }
            var j = slotFirst[s], n = 0
            while j >= 0 && n < limit {
                body(Int(j))
                j = next[Int(j)]
                n += 1
            }
        }
    }

    static func longest(_ a: Words, in b: Indexed, maxWords: Int = 40) -> String {
        let ka = a.keys, kb = b.words.keys
        guard !ka.isEmpty, !kb.isEmpty else { return "" }
        // A run starting at (i, j) is extended word by word. Only starts that are not inside an
        // already-seen run are tried, so the work is linear in the words for texts that share
        // long passages.
        var bestStart = 0, bestLength = 0
        ka.withUnsafeBufferPointer { ka in
            kb.withUnsafeBufferPointer { kb in
                var i = 0
                while i < ka.count {
                    var advance = 1
                    if ka[i] != 0 {
                        b.forEachPosition(of: ka[i], limit: 64) { j in
                            if i > 0 && j > 0 && ka[i - 1] == kb[j - 1] { return }   // not a run start
                            var length = 0
                            while i + length < ka.count && j + length < kb.count && ka[i + length] == kb[j + length] { length += 1 }
                            if length > bestLength { bestLength = length; bestStart = i }
                            advance = max(advance, length)
                        }
                    }
                    i += advance > 8 ? advance - 4 : 1
                }
            }
        }
        if bestLength == 0 { return "" }
        return a.joined(bestStart..<(bestStart + min(bestLength, maxWords))) + (bestLength > maxWords ? " ..." : "")
    }

    /// For ASCII: the byte a word character hashes as (lowercased), 0 for the others.
    static let asciiKeyByte: [UInt8] = (0..<128).map { b in
        switch b {
        case 0x61...0x7A, 0x30...0x39: return UInt8(b)
        case 0x41...0x5A: return UInt8(b + 32)
        default: return 0
        }
    }

    /// Hashes the multi-byte scalar at `u[i]` into `h` if it is a word scalar; returns the next offset.
    @inline(__always)
    static func hashScalar(_ u: UnsafeBufferPointer<UInt8>, _ i: Int, _ h: inout UInt64, _ any: inout Bool) -> Int {
        let b = u[i]
        let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
        var v = UInt32(b) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length { v = (v << 6) | (UInt32(u[i + k]) & 0x3F) }
        let scalar = Unicode.Scalar(v)!
        if Tokenizer.isWordScalar(scalar) {
            any = true
            for l in scalar.properties.lowercaseMapping.unicodeScalars { h = (h ^ UInt64(l.value)) &* ShingleHash.prime }
        }
        return i + length
    }

    /// A fixed hash of the word's letters and digits, lowercased (0 for none).
    static func key(_ w: Substring) -> UInt64 {
        var w = w
        return w.withUTF8 { key($0, 0, $0.count) }
    }

    /// `key` of the UTF-8 bytes `u[start..<end]`.
    static func key(_ u: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h = ShingleHash.offsetBasis
        var any = false
        var i = start
        while i < end {
            let b = u[i]
            if b < 0x80 {
                let k = asciiKeyByte[Int(b)]
                if k != 0 { h = (h ^ UInt64(k)) &* ShingleHash.prime; any = true }
                i += 1
            } else {
                i = hashScalar(u, i, &h, &any)
            }
        }
        return any ? h : 0
    }
}
