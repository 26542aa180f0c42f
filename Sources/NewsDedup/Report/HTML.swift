import Foundation

/// Small, locale-independent helpers for writing the report.
enum HTML {
    /// Escapes text for an HTML text node or a quoted attribute value.
    static func escape(_ s: some StringProtocol) -> String {
        // Most words and titles have nothing to escape: copied as they are.
        if !s.utf8.contains(where: { b in b < 0x20 ? b != 0x0A && b != 0x09 : b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 }) {
            return String(s)
        }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline have no business in a page.
                if ch.value < 0x20 && ch != "\n" && ch != "\t" { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// `200,000`.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `1 article`, `2 articles`.
    static func plural(_ n: Int, _ word: String, _ plural: String? = nil) -> String {
        "\(count(n)) \(n == 1 ? word : (plural ?? word + "s"))"
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "–" }
        return fixedDigits(x, digits) ?? String(format: "%.\(digits)f", x)
    }

    /// `String(format: "%.Nf", x)` for N in 0...3 and |x| < 2^53 (nil otherwise), without
    /// Foundation's formatting (most of the cost of the report's numbers): x is exactly m * 2^e,
    /// so x * 10^N is rounded from integers, half to even, as the C library rounds the exact
    /// binary value; a negative x keeps its sign even when it rounds to zero (`-0.000`).
    static func fixedDigits(_ x: Double, _ digits: Int) -> String? {
        guard digits >= 0 && digits <= 3, x.isFinite else { return nil }
        let a = x.magnitude
        guard a < 9_007_199_254_740_992 else { return nil }   // 2^53
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        var q: UInt64 = 0
        if a != 0 {
            let e = Int(a.exponentBitPattern)
            let m = e == 0 ? a.significandBitPattern : a.significandBitPattern | (1 << 52)
            let shift = 1075 - max(e, 1)      // a = m / 2^shift, shift >= 0 below 2^53
            let n = m * scale                 // < 2^53 * 1000 < 2^63
            if shift == 0 {
                q = n
            } else if shift < 64 {
                q = n >> UInt64(shift)
                let rest = n & ((1 << UInt64(shift)) - 1), half: UInt64 = 1 << UInt64(shift - 1)
                if rest > half || (rest == half && q & 1 == 1) { q += 1 }
            }                                 // else n < 2^63 <= half: rounds to 0
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var end = 32, written = 0
            repeat {
                if written == digits && digits > 0 { end -= 1; buffer[end] = 0x2E }
                end -= 1
                buffer[end] = 0x30 + UInt8(q % 10)
                q /= 10
                written += 1
            } while q > 0 || written <= digits
            if x.sign == .minus { end -= 1; buffer[end] = 0x2D }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[end..<32]), as: UTF8.self)
        }
    }

    static func seconds(_ s: Double) -> String {
        if s < 0.01 { return "<0.01 s" }
        if s < 100 { return fixed(s, 2) + " s" }
        return fixed(s, 0) + " s"
    }

    /// `13%`, `5.7%`, `0.42%`, `<0.01%`.
    static func percent(_ x: Double) -> String {
        guard x.isFinite else { return "–" }
        let p = x * 100
        if p == 0 || p >= 10 { return fixed(p, 0) + "%" }
        if p >= 1 { return fixed(p, 1) + "%" }
        return p >= 0.005 ? fixed(p, 2) + "%" : "<0.01%"
    }

    /// `s.trimmingCharacters(in: .whitespaces)` (general category Zs and tab), without bridging.
    static func trimmingWhitespace(_ s: String) -> String {
        func white(_ u: Unicode.Scalar) -> Bool { u == " " || u == "\t" || (u.value >= 0x80 && u.properties.generalCategory == .spaceSeparator) }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !white($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !white($0) })!
        return String(scalars[first...last])
    }

    /// Cuts `s` to at most `n` characters, ending with `…` when cut.
    static func truncate(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(max(1, n - 1))) + "…"
    }
}

/// Word keys (`WordDiff.key`) numbered in order of first appearance, so that the texts of one
/// duplicate group compare keys as integers: -1 for an empty key.
///
/// The keys are interned by their bytes (`ByteInterner`: no `String` per word, no `Hasher`): an ASCII word's key is written into a scratch buffer, other words go through
/// `WordDiff.key`.
struct WordKeys {
    private var table = ByteInterner()

    var count: Int { table.count }

    mutating func ids(_ words: [Substring]) -> [Int32] {
        ids(WordDiff.Words(words))
    }

    /// The ids of `words`' keys, read from their text's bytes.
    mutating func ids(_ words: WordDiff.Words) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(words.count)
        var scratch = [UInt8](repeating: 0, count: 64)
        var text = words.text
        text.withUTF8 { u in
            for (w, r) in words.ranges.enumerated() {
                let word = UnsafeBufferPointer(rebasing: u[r])
                if word.count > scratch.count { scratch = [UInt8](repeating: 0, count: word.count) }
                if let n = scratch.withUnsafeMutableBufferPointer({ WordDiff.asciiKey(word, into: $0) }) {
                    out.append(scratch.withUnsafeBufferPointer { id(of: UnsafeBufferPointer(rebasing: $0[..<n])) })
                } else {
                    var key = WordDiff.key(words[w])
                    out.append(key.withUTF8 { id(of: $0) })
                }
            }
        }
        return out
    }

    /// The number of the key with these bytes (a new one when unseen), -1 for no bytes.
    mutating func id(of key: UnsafeBufferPointer<UInt8>) -> Int32 {
        if key.isEmpty { return -1 }
        return table.id(of: key, hash: ShingleHash.mix(ShingleHash.fnv1a(key)))
    }
}

/// Words a copy has that its canonical does not, for "what changed". A word counts as shared
/// when one of the 3-word sequences it belongs to also occurs in the canonical (compared case-
/// and punctuation-insensitively), so an appended footer or a new lede stands out even when it
/// is made of common words, and a reworded or misspelt word stands out alone.
struct WordDiff {
    var words: Words
    /// Parallel to `words`.
    var added: [Bool]
    var addedCount: Int

    /// `text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })`, over the UTF-8 bytes.
    static func words(_ text: String) -> [Substring] {
        TextWords.substrings(text, tabs: true)
    }

    /// The words of a text (`words`) as UTF-8 byte ranges: no `Substring` (and no retain of
    /// the text) per word until one is asked for.
    struct Words {
        var text: String
        var ranges: [Range<Int>]

        init(_ text: String) {
            var text = text
            var ranges: [Range<Int>] = []
            text.withUTF8 { u in
                ranges.reserveCapacity(u.count / 5)
                TextWords.forEachWord(in: u, tabs: true) { ranges.append($0..<$1) }
            }
            self.text = text
            self.ranges = ranges
        }

        /// Words given as substrings (of any strings): their bytes one after the other.
        init(_ words: [Substring]) {
            var text = ""
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(words.count)
            for w in words {
                let start = text.utf8.count
                text += w
                ranges.append(start..<text.utf8.count)
            }
            self.text = text
            self.ranges = ranges
        }

        var count: Int { ranges.count }
        var isEmpty: Bool { ranges.isEmpty }

        subscript(_ i: Int) -> Substring {
            let utf8 = text.utf8
            return text[utf8.index(utf8.startIndex, offsetBy: ranges[i].lowerBound)..<utf8.index(utf8.startIndex, offsetBy: ranges[i].upperBound)]
        }
    }

    /// The word lowercased, without a possessive `'s` and without punctuation: `Trump’s` → `trump`.
    static func key(_ w: Substring) -> String {
        var w = w
        if let k = w.withUTF8({ asciiKey($0) }) { return k }
        var lower = w.lowercased()
        while let last = lower.unicodeScalars.last, !Tokenizer.isWordScalar(last) { lower.unicodeScalars.removeLast() }
        if lower.hasSuffix("'s") || lower.hasSuffix("’s") { lower.removeLast(2) }
        return String(String.UnicodeScalarView(lower.unicodeScalars.filter { Tokenizer.isWordScalar($0) }))
    }

    /// `key` of an ASCII word (nil when the word has other bytes).
    @inline(__always)
    static func asciiKey(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        for b in u where b >= 0x80 { return nil }
        return String(unsafeUninitializedCapacity: u.count) { asciiKey(u, into: $0)! }
    }

    /// Writes the `key` of an ASCII word into `out` (at least `u.count` bytes) and returns its
    /// length; nil (nothing written) when the word has other bytes.
    @inline(__always)
    static func asciiKey(_ u: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        @inline(__always) func isWord(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
        }
        for b in u where b >= 0x80 { return nil }
        var end = u.count
        while end > 0 && !isWord(u[end - 1]) { end -= 1 }
        if end >= 2 && u[end - 1] | 0x20 == 0x73 && u[end - 2] == 0x27 { end -= 2 }   // possessive 's
        var n = 0
        for i in 0..<end where isWord(u[i]) {
            let b = u[i]
            out[n] = b >= 0x41 && b <= 0x5A ? b + 32 : b
            n += 1
        }
        return n
    }

    /// The keys of the parts of a headline word split at punctuation: `1-Musk’s` → `1`, `musk`.
    static func parts(_ w: Substring) -> [String] {
        var w = w
        if let parts = w.withUTF8({ asciiParts($0) }) { return parts }
        return w.split(whereSeparator: { $0 == "-" || $0 == "–" || $0 == "—" || $0 == "/" || $0 == ":" }).map(key).filter { !$0.isEmpty }
    }

    /// `parts` of an ASCII word, split over its bytes (among ASCII bytes a `-`, `/` or `:` is
    /// always a `Character` of its own); nil when the word has other bytes.
    static func asciiParts(_ u: UnsafeBufferPointer<UInt8>) -> [String]? {
        for b in u where b >= 0x80 { return nil }
        var out: [String] = []
        var start = 0
        for i in 0...u.count where i == u.count || u[i] == 0x2D || u[i] == 0x2F || u[i] == 0x3A {
            if i > start, let k = asciiKey(UnsafeBufferPointer(rebasing: u[start..<i])), !k.isEmpty { out.append(k) }
            start = i + 1
        }
        return out
    }

    /// Three consecutive non-empty keys (as `WordKeys` ids), or one key alone (`b`, `c` = -2)
    /// for a text with fewer than 3.
    struct Trigram: Hashable {
        var a: Int32, b: Int32, c: Int32
        static func single(_ a: Int32) -> Trigram { Trigram(a: a, b: -2, c: -2) }
    }

    /// A set of trigrams with a table of its own (not `Set`: SipHash per lookup is most of the
    /// cost for the thousands of trigrams of a group's texts). Sized once for `capacity`
    /// insertions; ids are >= 0, so `a == -1` marks an empty slot.
    struct TrigramSet {
        private var slots: [Trigram]
        private let shift: UInt64

        init(capacity: Int) {
            var bits: UInt64 = 3
            while (1 << bits) < 2 * capacity { bits += 1 }
            shift = 64 - bits
            slots = [Trigram](repeating: Trigram(a: -1, b: 0, c: 0), count: 1 << Int(bits))
        }

        @inline(__always)
        private func start(_ t: Trigram) -> Int {
            let x = UInt64(UInt32(bitPattern: t.a)) | UInt64(UInt32(bitPattern: t.b)) << 32
            let h = (x &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(UInt32(bitPattern: t.c)) &* 0xC2B2_AE3D_27D4_EB4F)
            return Int(truncatingIfNeeded: ShingleHash.mix(h) >> shift)
        }

        mutating func insert(_ t: Trigram) {
            let mask = slots.count - 1
            var s = start(t)
            while slots[s].a != -1 {
                if slots[s] == t { return }
                s = (s + 1) & mask
            }
            slots[s] = t
        }

        func contains(_ t: Trigram) -> Bool {
            let mask = slots.count - 1
            var s = start(t)
            while slots[s].a != -1 {
                if slots[s] == t { return true }
                s = (s + 1) & mask
            }
            return false
        }
    }

    /// The 3-word sequences of non-empty keys (`ids` from `WordKeys`, -1 for an empty key), as a
    /// set; the keys themselves when fewer than 3.
    static func trigrams(_ ids: [Int32]) -> TrigramSet {
        let k = ids.filter { $0 >= 0 }
        var out = TrigramSet(capacity: k.count)
        guard k.count >= 3 else {
            for a in k { out.insert(.single(a)) }
            return out
        }
        for i in 0...(k.count - 3) { out.insert(Trigram(a: k[i], b: k[i + 1], c: k[i + 2])) }
        return out
    }

    /// Which words are added: not in any 3-word sequence of non-empty keys that the canonical has.
    static func added(ids: [Int32], canonicalTrigrams: TrigramSet) -> [Bool] {
        let positions = ids.indices.filter { ids[$0] >= 0 }
        var added = [Bool](repeating: false, count: ids.count)
        if positions.count < 3 {
            for p in positions where !canonicalTrigrams.contains(.single(ids[p])) { added[p] = true }
        } else {
            var covered = [Bool](repeating: false, count: positions.count)
            for i in 0...(positions.count - 3) {
                let t = Trigram(a: ids[positions[i]], b: ids[positions[i + 1]], c: ids[positions[i + 2]])
                if canonicalTrigrams.contains(t) { covered[i] = true; covered[i + 1] = true; covered[i + 2] = true }
            }
            for (i, p) in positions.enumerated() where !covered[i] { added[p] = true }
        }
        return added
    }

    static func addedCount(ids: [Int32], canonicalTrigrams: TrigramSet) -> Int {
        added(ids: ids, canonicalTrigrams: canonicalTrigrams).reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    /// `copy`'s words with their key ids (from the same `WordKeys` as the canonical's trigrams).
    init(copy: [Substring], ids: [Int32], canonicalTrigrams: TrigramSet) {
        self.init(copy: Words(copy), ids: ids, canonicalTrigrams: canonicalTrigrams)
    }

    init(copy: Words, ids: [Int32], canonicalTrigrams: TrigramSet) {
        words = copy
        added = WordDiff.added(ids: ids, canonicalTrigrams: canonicalTrigrams)
        addedCount = added.reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    /// The copy's text as HTML, added words in `<mark>`, long shared stretches collapsed to
    /// `… N words in common …`; at most `limit` words shown.
    func excerptHTML(context: Int = 5, limit: Int = 160) -> String {
        let n = words.count
        guard addedCount > 0 else { return "" }
        // Marks: added words, joined across gaps of at most 2 shared words.
        var mark = added
        var lastAdded = -1
        for i in 0..<n where added[i] {
            if lastAdded >= 0, i - lastAdded - 1 <= 2 { for j in (lastAdded + 1)..<i { mark[j] = true } }
            lastAdded = i
        }
        var show = [Bool](repeating: false, count: n)
        for i in 0..<n where mark[i] {
            for j in max(0, i - context)...min(n - 1, i + context) { show[j] = true }
        }
        var out = "", shown = 0, i = 0, inMark = false
        // Whether `out` ends with the Character " ", and with "<mark>" (`hasSuffix`), kept as it
        // grows rather than asked of it: `hasSuffix` walks Characters back from the end.
        var endsWithSpace = false, endsWithMark = false
        while i < n {
            if !show[i] {
                var j = i
                while j < n && !show[j] { j += 1 }
                if inMark { out += "</mark>"; inMark = false }
                out += " <span class=\"gap\">… \(HTML.plural(j - i, "word")) in common …</span> "
                endsWithSpace = true; endsWithMark = false
                i = j
                continue
            }
            if shown >= limit {
                if inMark { out += "</mark>"; inMark = false }
                let rest = (i..<n).filter { added[$0] }.count
                out += " <span class=\"gap\">… \(rest > 0 ? "\(HTML.plural(rest, "more added word")) not shown" : "cut") …</span>"
                break
            }
            if mark[i] && !inMark {
                // After a space, or a space added here, "<mark>" starts a Character of its own.
                out += (out.isEmpty || endsWithSpace ? "" : " ") + "<mark>"
                inMark = true; endsWithSpace = false; endsWithMark = true
            } else if !mark[i] && inMark {
                out += "</mark>"
                inMark = false; endsWithSpace = false; endsWithMark = false
            }
            let word = HTML.escape(words[i])   // never holds "<"
            out += (out.isEmpty || endsWithSpace || endsWithMark ? "" : " ") + word
            // The Character " " is the byte 0x20 alone: only a word ending in that byte can end so.
            endsWithSpace = word.utf8.last == 0x20 && out.hasSuffix(" ")
            endsWithMark = false
            shown += 1
            i += 1
        }
        if inMark { out += "</mark>" }
        return HTML.trimmingWhitespace(out)
    }
}
