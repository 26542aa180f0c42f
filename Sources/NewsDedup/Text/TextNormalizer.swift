import Foundation

/// Normalises article text for matching: HTML entities decoded, Unicode NFKC, curly quotes and
/// dashes folded to ASCII, whitespace collapsed. A pure function of its input.
public enum TextNormalizer {
    /// Body text: paragraphs (separated by a blank line in the input, or by single newlines in
    /// JSON text) become lines joined by `\n`; whitespace inside a paragraph collapses to one space.
    public static func body(_ raw: String) -> String {
        // After `fold`, "\n" is the only line separator left (CR, VT, FF, NEL, LS, PS are
        // folded), so one pass over the bytes does what splitting into lines would.
        var folded = fold(raw)
        return folded.withUTF8 { bytes in
            var out = [UInt8]()
            out.reserveCapacity(bytes.count)
            var pendingSpace = false, pendingNewline = false, atLineStart = true
            for b in bytes {
                if b == 0x0A {
                    pendingSpace = false
                    if !out.isEmpty { pendingNewline = true }
                    atLineStart = true
                } else if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C {
                    if !atLineStart { pendingSpace = true }
                } else {
                    if pendingNewline { out.append(0x0A); pendingNewline = false; pendingSpace = false }
                    else if pendingSpace { out.append(0x20); pendingSpace = false }
                    out.append(b)
                    atLineStart = false
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// `body` of a JSON string literal, straight from its raw bytes in one pass (no decoded
    /// copy, no separate scan), for the common case: ASCII with no `&` or backtick, and no
    /// escapes but `\"` `\\` `\/` `\n` `\r` `\t`. `start` is the index just past the opening
    /// quote. Returns the body and the index just past the closing quote, or nil for anything
    /// else (the caller then decodes the string and calls `body`, which decides).
    /// On that subset `fold` changes only CR (to a newline) and tab (to a space), which the
    /// escapes below decode to directly.
    static func bodyOfJSONString(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (body: String, end: Int)? {
        let n = bytes.count
        guard start < n else { return nil }
        // Each output byte stands for at least one input byte: the output fits in the rest of the line.
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: n - start)
        defer { out.deallocate() }
        return jsonByteClass.withUnsafeBufferPointer { table -> (body: String, end: Int)? in
            var w = 0, i = start
            var pendingSpace = false, pendingNewline = false, atLineStart = true
            while i < n {
                var b = bytes[i]
                i += 1
                var c = table[Int(b)]
                if c == 0 {
                    // A run of plain characters.
                    if pendingNewline { out[w] = 0x0A; w += 1; pendingNewline = false; pendingSpace = false }
                    else if pendingSpace { out[w] = 0x20; w += 1; pendingSpace = false }
                    out[w] = b; w += 1
                    // Blocks of 8 plain characters and single spaces that end in a plain character
                    // are copied as they are (the state after a plain character stays the same).
                    while i + 8 <= n {
                        let x = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                        if !TextNormalizer.isPlainBlock(x) { break }
                        UnsafeMutableRawPointer(out + w).storeBytes(of: x, as: UInt64.self)
                        w += 8
                        i += 8
                    }
                    while i < n {
                        b = bytes[i]
                        if table[Int(b)] != 0 { break }
                        out[w] = b; w += 1
                        i += 1
                    }
                    atLineStart = false
                    continue
                }
                switch c {
                case 1:     // space
                    if !atLineStart { pendingSpace = true }
                    continue
                case 2:     // closing quote
                    return (String(decoding: UnsafeBufferPointer(start: out, count: w), as: UTF8.self), i)
                case 3:     // escape
                    guard i < n else { return nil }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case 0x22, 0x5C, 0x2F: b = e; c = 0
                    case 0x6E, 0x72: b = 0x0A; c = 5   // \n, and \r (fold makes CR a newline)
                    case 0x74: if !atLineStart { pendingSpace = true }; continue   // \t: a space after fold
                    default: return nil
                    }
                default:    // anything else: the general path
                    return nil
                }
                if c == 5 {
                    pendingSpace = false
                    if w > 0 { pendingNewline = true }
                    atLineStart = true
                } else {
                    if pendingNewline { out[w] = 0x0A; w += 1; pendingNewline = false; pendingSpace = false }
                    else if pendingSpace { out[w] = 0x20; w += 1; pendingSpace = false }
                    out[w] = b; w += 1
                    atLineStart = false
                }
            }
            return nil
        }
    }

    /// Whether 8 bytes (little-endian) are all plain characters (class 0 of `jsonByteClass`) or
    /// spaces, with no two spaces side by side and no space last: after a plain character such a
    /// block is its own body. Bit tricks on the word: no byte loop, no branch per byte.
    @inline(__always)
    static func isPlainBlock(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func anyZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & high != 0 }
        if x & high != 0 { return false }                                  // non-ASCII
        if (x &- ones &* 0x20) & ~x & high != 0 { return false }           // a byte below 0x20
        if anyZero(x ^ (ones &* 0x22)) || anyZero(x ^ (ones &* 0x5C))
            || anyZero(x ^ (ones &* 0x26)) || anyZero(x ^ (ones &* 0x60)) { return false }   // " \ & `
        // Exactly the space bytes (0x80 in each), then: none next to another, none last.
        let y = x ^ (ones &* 0x20), low7 = ~high
        let spaces = ~(((y & low7) &+ low7) | y | low7)
        return spaces & (spaces << 8) == 0 && spaces >> 63 == 0
    }

    /// For `bodyOfJSONString`: 0 a plain character, 1 a space, 2 `"`, 3 `\`, 4 anything else
    /// (a control byte, which JSON forbids raw, non-ASCII, `&`, backtick).
    private static let jsonByteClass: [UInt8] = (0..<256).map { b -> UInt8 in
        switch b {
        case 0x20: return 1
        case 0x22: return 2
        case 0x5C: return 3
        case 0x26, 0x60: return 4
        case 0x21...0x7F: return 0
        default: return 4
        }
    }

    /// `body` as first written (line split on Characters): the reference the fast pass is tested against.
    static func bodyByLines(_ raw: String) -> String {
        let folded = fold(raw)
        var paragraphs: [Substring] = []
        // Split on every newline form (Swift's "\r\n" is one Character, not "\n").
        for line in folded.split(whereSeparator: \.isNewline) {
            let collapsed = collapseSpaces(line)
            if !collapsed.isEmpty { paragraphs.append(Substring(collapsed)) }
        }
        return paragraphs.joined(separator: "\n")
    }

    /// A single line (titles): everything collapsed to single spaces, quotes and dashes kept
    /// typographic unless `foldPunctuation` is set.
    public static func line(_ raw: String, foldPunctuation: Bool = false) -> String {
        var s = decodeEntities(raw)
        if !isASCII(s) { s = s.precomposedStringWithCompatibilityMapping }
        if foldPunctuation { s = foldQuotesAndDashes(s) }
        // ASCII newlines are whitespace to `collapseSpaces` already.
        if isASCII(s) { return collapseSpaces(Substring(s)) }
        return collapseSpaces(Substring(String(s.map { $0.isNewline ? " " : $0 })))
    }

    /// Entities, NFKC, quotes, dashes and exotic spaces; keeps newlines.
    public static func fold(_ raw: String) -> String {
        let first = scan(raw)
        var s = first.ampersand ? decodeEntities(raw) : raw
        let scanned = first.ampersand ? scan(s) : first
        if !scanned.ascii {
            s = s.precomposedStringWithCompatibilityMapping
            s = foldQuotesAndDashes(s)
        } else if scanned.foldable {
            s = foldQuotesAndDashes(s)   // backticks and control whitespace are ASCII too
        }
        return s
    }

    /// One pass over the bytes: is the text ASCII, and does it hold a byte that
    /// `foldQuotesAndDashes` changes (backtick, tab, VT, FF, CR) or an `&`.
    struct Scan { var ascii = true, foldable = false, ampersand = false }

    static func scan(_ s: String) -> Scan {
        var result = Scan()
        let done: Bool? = s.utf8.withContiguousStorageIfAvailable { bytes in
            var high: UInt8 = 0
            var special = false, amp = false
            for b in bytes {
                high |= b
                if b < 0x61 {
                    if b == 0x26 { amp = true }
                    else if b == 0x60 || b == 0x09 || b == 0x0B || b == 0x0C || b == 0x0D { special = true }
                }
            }
            result = Scan(ascii: high < 0x80, foldable: special, ampersand: amp)
            return true
        }
        if done == nil {
            for b in s.utf8 {
                if b >= 0x80 { result.ascii = false }
                if b == 0x26 { result.ampersand = true }
                if b == 0x60 || b == 0x09 || b == 0x0B || b == 0x0C || b == 0x0D { result.foldable = true }
            }
        }
        return result
    }

    static func isASCII(_ s: String) -> Bool {
        scan(s).ascii
    }

    /// Curly quotes to straight, dashes and minus to `-`, unusual spaces to a plain space.
    public static func foldQuotesAndDashes(_ s: String) -> String {
        let scanned = scan(s)
        if scanned.ascii && !scanned.foldable { return s }
        var out = String.UnicodeScalarView()
        out.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            switch u.value {
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x02BC, 0x0060, 0x00B4: out.append("'")
            case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x00AB, 0x00BB: out.append("\"")
            case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D: out.append("-")
            case 0x00A0, 0x2000...0x200A, 0x202F, 0x205F, 0x3000, 0x0009, 0x000B, 0x000C: out.append(" ")
            case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD: continue   // zero-width and soft hyphen
            case 0x000D: out.append("\n")
            case 0x2028, 0x2029, 0x0085: out.append("\n")
            default: out.append(u)
            }
        }
        return String(out)
    }

    /// Collapses runs of spaces and tabs to one space and trims the ends.
    static func collapseSpaces(_ s: Substring) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        var pendingSpace = false
        for b in s.utf8 {
            if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A || b == 0x0B || b == 0x0C {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes HTML character references: the common named ones and every numeric form.
    /// An unknown or malformed reference is left as written.
    public static func decodeEntities(_ s: String) -> String {
        guard scan(s).ampersand else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == "&", let semi = s[i...].prefix(12).firstIndex(of: ";") {
                let name = s[s.index(after: i)..<semi]
                if let decoded = decodeEntity(name) {
                    out.append(decoded)
                    i = s.index(after: semi)
                    continue
                }
            }
            out.append(c)
            i = s.index(after: i)
        }
        return out
    }

    private static func decodeEntity(_ name: Substring) -> String? {
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value: UInt32?
            if digits.hasPrefix("x") || digits.hasPrefix("X") {
                value = UInt32(digits.dropFirst(), radix: 16)
            } else {
                value = UInt32(digits, radix: 10)
            }
            guard let v = value, v != 0, let scalar = Unicode.Scalar(v) else { return nil }
            return String(Character(scalar))
        }
        return namedEntities[String(name)]
    }

    static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ",
        "mdash": "\u{2014}", "ndash": "\u{2013}", "hellip": "\u{2026}", "minus": "\u{2212}",
        "lsquo": "\u{2018}", "rsquo": "\u{2019}", "sbquo": "\u{201A}", "ldquo": "\u{201C}",
        "rdquo": "\u{201D}", "bdquo": "\u{201E}", "laquo": "\u{00AB}", "raquo": "\u{00BB}",
        "copy": "\u{00A9}", "reg": "\u{00AE}", "trade": "\u{2122}", "deg": "\u{00B0}",
        "euro": "\u{20AC}", "pound": "\u{00A3}", "yen": "\u{00A5}", "cent": "\u{00A2}",
        "eacute": "\u{00E9}", "egrave": "\u{00E8}", "aacute": "\u{00E1}", "agrave": "\u{00E0}",
        "iacute": "\u{00ED}", "oacute": "\u{00F3}", "uacute": "\u{00FA}", "ntilde": "\u{00F1}",
        "ouml": "\u{00F6}", "uuml": "\u{00FC}", "auml": "\u{00E4}", "ccedil": "\u{00E7}",
        "szlig": "\u{00DF}", "middot": "\u{00B7}", "bull": "\u{2022}", "shy": "\u{00AD}",
        "thinsp": "\u{2009}", "ensp": "\u{2002}", "emsp": "\u{2003}", "times": "\u{00D7}",
        "frac12": "\u{00BD}", "frac14": "\u{00BC}", "frac34": "\u{00BE}", "sect": "\u{00A7}",
        "para": "\u{00B6}", "prime": "\u{2032}", "Prime": "\u{2033}",
    ]
}
