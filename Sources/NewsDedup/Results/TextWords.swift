/// Splitting a text into words at spaces and newlines (and tabs, when asked) over its UTF-8
/// bytes, with the result of `text.split(whereSeparator: { $0 == " " || $0 == "\n" ... })`,
/// which compares `Character`s: a separator byte splits only when it is a grapheme cluster of
/// its own. A newline or tab always is, except the `\n` of `\r\n`; a space is, unless a
/// combining mark (or another extending scalar) follows it or a prepended scalar precedes it,
/// which only non-ASCII neighbours can do, so only those are checked with `Character` rules.
enum TextWords {
    /// Calls `body(start, end)` with the UTF-8 byte range of each non-empty word, in order.
    @inline(__always)
    static func forEachWord(in u: UnsafeBufferPointer<UInt8>, tabs: Bool, _ body: (Int, Int) -> Void) {
        let n = u.count
        var start = 0
        var i = 0
        while i < n {
            let b = u[i]
            if b == 0x20 || b == 0x0A || (tabs && b == 0x09), splits(u, at: i) {
                if start < i { body(start, i) }
                start = i + 1
            }
            i += 1
        }
        if start < n { body(start, n) }
    }

    /// Whether the separator byte at `i` is a `Character` of its own.
    @inline(__always)
    static func splits(_ u: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let b = u[i]
        if b != 0x20 {
            // Controls break on both sides (GB4, GB5), except CR x LF (GB3).
            return !(b == 0x0A && i > 0 && u[i - 1] == 0x0D)
        }
        let before = i > 0 && u[i - 1] >= 0x80
        let after = i + 1 < u.count && u[i + 1] >= 0x80
        if !before && !after { return true }
        return spaceStandsAlone(u, at: i, checkBefore: before, checkAfter: after)
    }

    /// Grapheme breaks around a space depend only on the scalars next to it (GB9, GB9a, GB9b).
    static func spaceStandsAlone(_ u: UnsafeBufferPointer<UInt8>, at i: Int, checkBefore: Bool, checkAfter: Bool) -> Bool {
        if checkBefore {
            var s = i - 1
            while s > 0 && u[s] & 0xC0 == 0x80 { s -= 1 }
            let pair = String(decoding: UnsafeBufferPointer(rebasing: u[s...i]), as: UTF8.self)
            if pair.count != 2 { return false }
        }
        if checkAfter {
            var e = i + 2
            while e < u.count && u[e] & 0xC0 == 0x80 { e += 1 }
            let pair = String(decoding: UnsafeBufferPointer(rebasing: u[i..<e]), as: UTF8.self)
            if pair.count != 2 { return false }
        }
        return true
    }

    /// The words of `text` as substrings (`text.split` at spaces, newlines and optionally tabs).
    static func substrings(_ text: String, tabs: Bool) -> [Substring] {
        var text = text
        var ranges: [(Int, Int)] = []
        text.withUTF8 { u in forEachWord(in: u, tabs: tabs) { ranges.append(($0, $1)) } }
        let utf8 = text.utf8
        return ranges.map { (s, e) in
            text[utf8.index(utf8.startIndex, offsetBy: s)..<utf8.index(utf8.startIndex, offsetBy: e)]
        }
    }
}
