/// Splits normalised text into lowercase word and number tokens.
///
/// The rule (the TF-IDF reference test reproduces it with a scikit-learn `token_pattern`):
/// - a word character is a Unicode letter (L*) or number (N*); not `_`, not a mark;
/// - a token is a maximal run of word characters; runs joined by a single `'` with word
///   characters on both sides are one token (`don't`, `o'neill`);
/// - a trailing `'s` is removed (`musk's` becomes `musk`);
/// - tokens shorter than two characters are dropped.
/// Input must already be folded (`TextNormalizer`): curly apostrophes are `'` by then.
public struct Tokenizer: Sendable {
    public init() {}

    /// Calls `body` with each token, lowercased.
    public func forEachToken(in text: String, _ body: (String) -> Void) {
        forEachTokenBytes(in: text) { body(String(decoding: $0, as: UTF8.self)) }
    }

    /// Calls `body` with the UTF-8 bytes of each token, lowercased, in a reusable buffer (valid
    /// only during the call). Works on the text's UTF-8 bytes: ASCII needs no decoding, runs of
    /// ASCII word characters are copied by a table lookup each, and nothing is allocated per
    /// token (the buffer is raw memory: no uniqueness or capacity check per byte).
    public func forEachTokenBytes(in text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        forEachCasedToken(in: text) { bytes, _ in body(bytes) }
    }

    /// `forEachTokenBytes`, also telling how each token was written (`TokenCase`): the case of
    /// its first character, whether it opens a sentence, and whether the word before it in the
    /// sentence was capitalised. Dropped tokens (one character) still count as that word.
    public func forEachCasedToken(in text: String, _ body: (UnsafeBufferPointer<UInt8>, TokenCase) -> Void) {
        var tokens = TokenBuffer()
        defer { tokens.release() }
        tokenize(text, into: &tokens)
        var lo = 0
        for t in 0..<tokens.count {
            let hi = Int(tokens.ends[t])
            body(UnsafeBufferPointer(start: tokens.bytes + lo, count: hi - lo), tokens.flags[t])
            lo = hi
        }
    }

    /// The tokens of `text` (as `forEachCasedToken` gives them) into `out`, which is emptied
    /// first: their bytes back to back, where each ends and how each was written. No call per
    /// token; `out` is reused from text to text.
    func tokenize(_ text: String, into out: inout TokenBuffer) {
        var text = text
        text.withUTF8 { bytes in
            let n = bytes.count
            // Invariant: `count` + input bytes left + 1 <= `capacity`. An ASCII byte is copied as
            // one byte; lowercasing non-ASCII can lengthen a token (U+0130 "İ", 2 bytes, is
            // "i" + U+0307, 3 bytes): that path grows the buffer to keep the invariant. Every
            // token kept took at least two input bytes: at most n / 2 of them.
            out.reset(bytes: n + 16, tokens: n / 2 + 1)
            var token = out.bytes
            var capacity = out.byteCapacity
            var ends = out.ends, caseFlags = out.flags
            var tokenCount = 0
            var start = 0                   // where the current token starts in `token`
            var count = 0                   // bytes in `token` (the tokens kept, then the current one)
            var scalars = 0                 // code points in the current token
            var pendingApostrophe = false
            var lastWasWord = false
            var boundary = true             // the next word opens a sentence
            var previousCapitalised = false
            var flags = TokenCase()

            @inline(__always) func flush() {
                if scalars > 0 {
                    var c = count - start, length = scalars
                    // A trailing 's is removed.
                    if c >= 2 && token[count - 2] == 0x27 && token[count - 1] == 0x73 {
                        c -= 2
                        length -= 2
                    }
                    if length >= 2 {
                        if tokenCount == out.tokenCapacity {
                            // Not reached (see the bound above); kept so that a miscount cannot overflow.
                            out.growTokens(keeping: tokenCount)
                            ends = out.ends
                            caseFlags = out.flags
                        }
                        start += c
                        ends[tokenCount] = Int32(start)
                        caseFlags[tokenCount] = flags
                        tokenCount += 1
                    }
                    previousCapitalised = flags.contains(.capitalised)
                    count = start
                    scalars = 0
                }
            }
            @inline(__always) func begin(upper: Bool, lower: Bool) {
                flags = TokenCase()
                if upper { flags.insert(.capitalised) }
                if lower { flags.insert(.lowercase) }
                if boundary { flags.insert(.sentenceStart) } else if previousCapitalised { flags.insert(.afterCapital) }
                boundary = false
            }

            Tokenizer.asciiLower.withUnsafeBufferPointer { lower in
                var i = 0
                while i < n {
                    let b = bytes[i]
                    if b < 0x80 {
                        let l = lower[Int(b)]
                        if l != 0 {
                            if scalars == 0 { begin(upper: l != b, lower: b >= 0x61) }
                            if pendingApostrophe { token[count] = 0x27; count += 1; scalars += 1; pendingApostrophe = false }
                            // The run of ASCII word characters this byte starts.
                            let runStart = count
                            token[count] = l
                            count += 1
                            i += 1
                            // Eight bytes at a time while at least eight are left: all eight are
                            // stored lowercased (room: the invariant above, with eight input bytes
                            // left), and `count` moves past the word characters among them.
                            while i + 8 <= n {
                                let x = UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self)
                                let (word, lowered) = Tokenizer.asciiWordBytes(x)
                                UnsafeMutableRawPointer(token + count).storeBytes(of: lowered, as: UInt64.self)
                                if word == Tokenizer.highBits {
                                    count += 8
                                    i += 8
                                    continue
                                }
                                let run = (~word & Tokenizer.highBits).trailingZeroBitCount >> 3
                                count += run
                                i += run
                                break
                            }
                            while i < n {
                                let m = lower[Int(bytes[i])]
                                if m == 0 { break }
                                token[count] = m
                                count += 1
                                i += 1
                            }
                            scalars += count - runStart
                            lastWasWord = true
                            continue
                        } else if b == 0x27 && lastWasWord && !pendingApostrophe {
                            pendingApostrophe = true
                            lastWasWord = false
                        } else {
                            pendingApostrophe = false
                            lastWasWord = false
                            flush()
                            // . ! ? : ; and line breaks end a sentence.
                            if b == 0x2E || b == 0x21 || b == 0x3F || b == 0x3A || b == 0x3B || b == 0x0A { boundary = true }
                        }
                        i += 1
                        continue
                    }
                    // Decode one multi-byte scalar (the input is valid UTF-8: it is a String).
                    let length = b >= 0xF0 ? 4 : (b >= 0xE0 ? 3 : 2)
                    var value = UInt32(b) & (length == 2 ? 0x1F : (length == 3 ? 0x0F : 0x07))
                    for k in 1..<length where i + k < n { value = (value << 6) | (UInt32(bytes[i + k]) & 0x3F) }
                    i += length
                    let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
                    if Tokenizer.isWordScalar(scalar) {
                        if scalars == 0 { begin(upper: scalar.properties.isUppercase, lower: scalar.properties.isLowercase) }
                        if pendingApostrophe { token[count] = 0x27; count += 1; scalars += 1; pendingApostrophe = false }
                        for l in scalar.properties.lowercaseMapping.unicodeScalars {
                            // Room for this scalar, for every input byte left (ASCII copies one
                            // byte per byte) and for a pending apostrophe.
                            let needed = count + 4 + (n - i) + 1
                            if needed > capacity {
                                out.growBytes(to: max(capacity * 2, needed), keeping: count)
                                token = out.bytes
                                capacity = out.byteCapacity
                            }
                            for u in UTF8.encode(l)! { token[count] = u; count += 1 }
                            scalars += 1
                        }
                        lastWasWord = true
                    } else {
                        pendingApostrophe = false
                        lastWasWord = false
                        flush()
                    }
                }
            }
            flush()
            out.count = tokenCount
        }
    }

    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// For 8 bytes (a little-endian word): 0x80 in each byte that is an ASCII letter or digit
    /// (a word character `asciiLower` maps to non-zero), 0 in the others; and the bytes with
    /// every ASCII uppercase letter lowercased (`asciiLower` on the word characters). Bit tricks
    /// on the word, no loop and no branch per byte: each byte's 7 low bits plus a constant of at
    /// most 0x80 stay within the byte, so its 0x80 bit tells the comparison.
    @inline(__always)
    static func asciiWordBytes(_ x: UInt64) -> (word: UInt64, lowered: UInt64) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let y = x & ~highBits
        @inline(__always) func atLeast(_ v: UInt64, _ c: UInt64) -> UInt64 { (v &+ ones &* (0x80 - c)) & highBits }
        let digit = atLeast(y, 0x30) & ~atLeast(y, 0x3A)
        let folded = y | (ones &* 0x20)
        let letter = atLeast(folded, 0x61) & ~atLeast(folded, 0x7B)
        let upper = letter & ~((y & (ones &* 0x20)) << 2)
        let word = (digit | letter) & ~(x & highBits)
        return (word, x | (upper >> 2))
    }

    /// Per ASCII byte: its lowercase form if it is a word character (letter or digit), else 0;
    /// 0 for every byte from 0x80 (those start a multi-byte scalar, decoded on the slow path).
    static let asciiLower: [UInt8] = (0..<256).map { b -> UInt8 in
        switch b {
        case 0x41...0x5A: return UInt8(b + 32)
        case 0x61...0x7A, 0x30...0x39: return UInt8(b)
        default: return 0
        }
    }

    public func tokens(_ text: String) -> [String] {
        var out: [String] = []
        forEachToken(in: text) { out.append($0) }
        return out
    }

    @inline(__always)
    static func isWordScalar(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x80 {
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39)
        }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func appendLowercased(_ u: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        let v = u.value
        if v < 0x80 {
            out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 32)! : u)
        } else {
            out.append(contentsOf: u.properties.lowercaseMapping.unicodeScalars)
        }
    }
}

/// The tokens of one text (`Tokenizer.tokenize`): their bytes back to back in `bytes`, token
/// `t` ending at `ends[t]` (and starting where token `t - 1` ends, 0 for the first), written as
/// `flags[t]` tells. Raw memory, kept between texts and grown when a text needs more; the
/// owner calls `release()`.
struct TokenBuffer {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var ends: UnsafeMutablePointer<Int32>
    private(set) var flags: UnsafeMutablePointer<TokenCase>
    private(set) var byteCapacity: Int
    private(set) var tokenCapacity: Int
    /// Tokens in the buffer.
    var count = 0

    init(bytes: Int = 4096, tokens: Int = 1024) {
        byteCapacity = bytes
        tokenCapacity = tokens
        self.bytes = .allocate(capacity: bytes)
        ends = .allocate(capacity: tokens)
        flags = .allocate(capacity: tokens)
    }

    /// Empties the buffer, with room for at least this many bytes and tokens.
    mutating func reset(bytes b: Int, tokens t: Int) {
        count = 0
        if b > byteCapacity { growBytes(to: max(b, 2 * byteCapacity), keeping: 0) }
        if t > tokenCapacity {
            tokenCapacity = max(t, 2 * tokenCapacity)
            ends.deallocate()
            flags.deallocate()
            ends = .allocate(capacity: tokenCapacity)
            flags = .allocate(capacity: tokenCapacity)
        }
    }

    /// Twice the room for tokens, the first `keeping` copied over.
    mutating func growTokens(keeping: Int) {
        tokenCapacity *= 2
        let biggerEnds = UnsafeMutablePointer<Int32>.allocate(capacity: tokenCapacity)
        let biggerFlags = UnsafeMutablePointer<TokenCase>.allocate(capacity: tokenCapacity)
        biggerEnds.update(from: ends, count: keeping)
        biggerFlags.update(from: flags, count: keeping)
        ends.deallocate()
        flags.deallocate()
        ends = biggerEnds
        flags = biggerFlags
    }

    /// A larger byte buffer, the first `keeping` bytes copied over.
    mutating func growBytes(to capacity: Int, keeping: Int) {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        bigger.update(from: bytes, count: keeping)
        bytes.deallocate()
        bytes = bigger
        byteCapacity = capacity
    }

    func release() {
        bytes.deallocate()
        ends.deallocate()
        flags.deallocate()
    }
}

/// How a token was written, for telling names from common words (`ArticleNames`).
public struct TokenCase: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The first character is an uppercase (or titlecase) letter.
    public static let capitalised = TokenCase(rawValue: 1)
    /// The first character is a lowercase letter.
    public static let lowercase = TokenCase(rawValue: 2)
    /// The first word of the text or after `.`, `!`, `?`, `:`, `;` or a line break.
    public static let sentenceStart = TokenCase(rawValue: 4)
    /// Not a sentence start, and the word before it was capitalised (`Street` in `Mill Street`).
    public static let afterCapital = TokenCase(rawValue: 8)
}
