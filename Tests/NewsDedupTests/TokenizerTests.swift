import Foundation
import XCTest
@testable import NewsDedup

final class TokenizerTests: XCTestCase {
    private struct Case: Decodable {
        var input: String
        var tokens: [String]
    }

    /// Swift's `==` on strings is canonical equivalence; tokens must match scalar for scalar.
    private func scalars(_ tokens: [String]) -> [[Unicode.Scalar]] {
        tokens.map { Array($0.unicodeScalars) }
    }

    /// Every case of the fixture written by scripts/fixtures/tokenizer_reference.py (the plain
    /// Python reference, cross-checked there against the scikit-learn token_pattern).
    func testEveryFixtureCase() throws {
        let data = try Data(contentsOf: TestSupport.fixtureURL("tokenizer_cases.json"))
        let cases = try JSONDecoder().decode([Case].self, from: data)
        XCTAssertGreaterThan(cases.count, 40, "the fixture holds its cases")
        let tokenizer = Tokenizer()
        for c in cases {
            let got = tokenizer.tokens(c.input)
            XCTAssertEqual(scalars(got), scalars(c.tokens), "input \(c.input.debugDescription): got \(got), want \(c.tokens)")
        }
    }

    /// `forEachToken` and `tokens` are the same stream.
    func testForEachTokenAgreesWithTokens() {
        let text = "Musk's secret Iran meeting: rock'n'roll, 1,000 jobs and o'neill's café."
        var streamed: [String] = []
        Tokenizer().forEachToken(in: text) { streamed.append($0) }
        XCTAssertEqual(streamed, Tokenizer().tokens(text))
        XCTAssertFalse(streamed.isEmpty)
    }

    /// Lowercasing can lengthen a token past its input bytes (U+0130 "İ", 2 bytes, becomes
    /// "i" + U+0307, 3 bytes): the token buffer grows instead of overflowing.
    func testTokenLongerThanItsInputBytes() {
        let word = String(repeating: "\u{130}", count: 40)
        let text = "x \(word) \(word)y z"
        XCTAssertEqual(scalars(Tokenizer().tokens(text)), scalars([word.lowercased(), word.lowercased() + "y"]))
        XCTAssertEqual(word.lowercased().utf8.count, 120, "the premise: lowercased is longer than the input")
    }

    /// How each token was written: case of its first letter, sentence starts (after . ! ? : ;
    /// and line breaks), and whether the word before it in the sentence was capitalised (even
    /// a sentence's first word: `Mill` in "The Mill Street").
    func testTokenCases() {
        var got: [(String, TokenCase)] = []
        Tokenizer().forEachCasedToken(in: "The Mill Street library opened. Harbor City's mayor, Ana Ruiz, said: ÉLAN 2024\nnext") {
            got.append((String(decoding: $0, as: UTF8.self), $1))
        }
        let want: [(String, TokenCase)] = [
            ("the", [.capitalised, .sentenceStart]), ("mill", [.capitalised, .afterCapital]), ("street", [.capitalised, .afterCapital]),
            ("library", [.lowercase, .afterCapital]), ("opened", [.lowercase]),
            ("harbor", [.capitalised, .sentenceStart]), ("city", [.capitalised, .afterCapital]),
            ("mayor", [.lowercase, .afterCapital]), ("ana", [.capitalised]), ("ruiz", [.capitalised, .afterCapital]),
            ("said", [.lowercase, .afterCapital]), ("élan", [.capitalised, .sentenceStart]), ("2024", [.afterCapital]),
            ("next", [.lowercase, .sentenceStart]),
        ]
        XCTAssertEqual(got.map(\.0), want.map(\.0))
        for (g, w) in zip(got, want) { XCTAssertEqual(g.1, w.1, "token \(g.0)") }
        // The plain stream is the same tokens.
        XCTAssertEqual(got.map(\.0), Tokenizer().tokens("The Mill Street library opened. Harbor City's mayor, Ana Ruiz, said: ÉLAN 2024\nnext"))
    }

    /// The table-driven `forEachCasedToken` against the `[UInt8]` reference it replaced (tokens and
    /// their case flags), on random mixes of ASCII words, apostrophes (possessive, inner, doubled,
    /// trailing), curly quotes, sentence ends, non-ASCII letters and numbers, lowercasing that
    /// lengthens a token (U+0130), marks and emoji.
    func testTableDrivenTokenizerMatchesReference() {
        let pieces = ["word", "WORD", "Musk", "'s", "'S", "'", "''", "don't", "O'Neill's", "rock'n'roll", "42", "3.5", " ", "  ", "\n", "-",
                      ",", ".", "!", "?", ": ", ";", "_", "x", "I", "\u{2019}", "\u{201C}", "\u{C9}COLE", "Z\u{FC}rich", "\u{130}", "\u{130}\u{130}\u{130}",
                      "STRA\u{DF}E", "\u{1E9E}", "\u{394}\u{395}", "\u{6771}\u{4EAC}", "e\u{301}", "\u{1F642}", "\u{2162}", "\u{BD}",
                      "\u{FB01}", "\u{A0}", "\u{212B}", "`", "&amp;"]
        var state: UInt64 = 42
        let tokenizer = Tokenizer()
        // `tokenize` into one buffer reused from text to text (pass 1 does so over a chunk), from
        // a small one that long texts and lengthening lowercase must grow.
        var reused = TokenBuffer(bytes: 8, tokens: 2)
        defer { reused.release() }
        for _ in 0..<5000 {
            var text = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            for _ in 0..<Int(state >> 58) + 1 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            var got: [[UInt8]] = [], want: [[UInt8]] = [], gotCases: [UInt8] = [], wantCases: [UInt8] = []
            tokenizer.forEachCasedToken(in: text) { got.append(Array($0)); gotCases.append($1.rawValue) }
            tokenizer.forEachCasedTokenReference(in: text) { want.append(Array($0)); wantCases.append($1.rawValue) }
            XCTAssertEqual(got, want, text.debugDescription)
            XCTAssertEqual(gotCases, wantCases, text.debugDescription)
            tokenizer.tokenize(text, into: &reused)
            var lo = 0
            let fromBuffer = (0..<reused.count).map { t -> [UInt8] in
                defer { lo = Int(reused.ends[t]) }
                return Array(UnsafeBufferPointer(start: reused.bytes + lo, count: Int(reused.ends[t]) - lo))
            }
            XCTAssertEqual(fromBuffer, want, text.debugDescription)
            XCTAssertEqual((0..<reused.count).map { reused.flags[$0].rawValue }, wantCases, text.debugDescription)
        }
    }

    /// The 8-byte word-character test and lowercasing against the byte table, for every byte
    /// value at every position of the word, among neighbours of every kind.
    func testASCIIWordBytesMatchesTable() {
        for b in 0..<256 {
            for position in 0..<8 {
                for fill: UInt8 in [0x00, 0x2F, 0x30, 0x39, 0x3A, 0x40, 0x41, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7B, 0x7F, 0x80, 0xC3, 0xFF] {
                    var bytes = [UInt8](repeating: fill, count: 8)
                    bytes[position] = UInt8(b)
                    let x = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    let (word, lowered) = Tokenizer.asciiWordBytes(x)
                    for k in 0..<8 {
                        let expected = Tokenizer.asciiLower[Int(bytes[k])]
                        XCTAssertEqual((word >> UInt64(8 * k + 7)) & 1 == 1, expected != 0, "byte \(bytes[k]) at \(k)")
                        XCTAssertEqual((word >> UInt64(8 * k)) & 0x7F, 0)
                        if expected != 0 { XCTAssertEqual(UInt8(truncatingIfNeeded: lowered >> UInt64(8 * k)), expected) }
                    }
                }
            }
        }
    }

    func testReadableCases() {
        let table: [(String, [String])] = [
            // Lowercased, possessive 's dropped, single letters dropped.
            ("Musk's TESLA Deal", ["musk", "tesla", "deal"]),
            ("O'NEILL'S Pub", ["o'neill", "pub"]),
            ("It's A Test", ["it", "test"]),
            // Numbers are tokens; separators split them.
            ("Q3 shr 1.12 dlrs vs 0.98 dlrs", ["q3", "shr", "12", "dlrs", "vs", "98", "dlrs"]),
            ("85,000 homes", ["85", "000", "homes"]),
            // Hyphens, slashes and dots split words; the U.S. vanishes (single letters).
            ("U.S.-Iran talks", ["iran", "talks"]),
            ("state-of-the-art", ["state", "of", "the", "art"]),
            // Non-ASCII letters are word characters and are lowercased.
            ("ÉCOLE Zürich", ["école", "zürich"]),
            // An unfolded curly apostrophe is not an apostrophe: fold with TextNormalizer first.
            ("don\u{2019}t", ["don"]),
            (TextNormalizer.body("don\u{2019}t"), ["don't"]),
            // Underscore is not a word character.
            ("snake_case", ["snake", "case"]),
            ("", []),
        ]
        for (input, expected) in table {
            XCTAssertEqual(scalars(Tokenizer().tokens(input)), scalars(expected), "input \(input.debugDescription)")
        }
    }
}

extension Tokenizer {
    /// `forEachCasedToken` as first written (a growing `[UInt8]`, byte by byte): the reference
    /// the table-driven version is tested against.
    func forEachCasedTokenReference(in text: String, _ body: (UnsafeBufferPointer<UInt8>, TokenCase) -> Void) {
        var text = text
        text.withUTF8 { bytes in
            var token: [UInt8] = []
            token.reserveCapacity(64)
            var scalars = 0                 // code points in `token`
            var pendingApostrophe = false
            var lastWasWord = false
            var boundary = true             // the next word opens a sentence
            var previousCapitalised = false
            var flags = TokenCase()

            func flush() {
                if scalars > 0 {
                    var count = token.count, length = scalars
                    // A trailing 's is removed.
                    if count >= 2 && token[count - 2] == 0x27 && token[count - 1] == 0x73 {
                        count -= 2
                        length -= 2
                    }
                    if length >= 2 { token.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<count]), flags) } }
                    previousCapitalised = flags.contains(.capitalised)
                    token.removeAll(keepingCapacity: true)
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

            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                var scalar: Unicode.Scalar
                if b < 0x80 {
                    // ASCII fast path.
                    let isUpper = b >= 0x41 && b <= 0x5A
                    let isLower = b >= 0x61 && b <= 0x7A
                    if isUpper || isLower || (b >= 0x30 && b <= 0x39) {
                        if scalars == 0 { begin(upper: isUpper, lower: isLower) }
                        if pendingApostrophe { token.append(0x27); scalars += 1; pendingApostrophe = false }
                        token.append(isUpper ? b + 32 : b)
                        scalars += 1
                        lastWasWord = true
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
                scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
                if Tokenizer.isWordScalar(scalar) {
                    if scalars == 0 { begin(upper: scalar.properties.isUppercase, lower: scalar.properties.isLowercase) }
                    if pendingApostrophe { token.append(0x27); scalars += 1; pendingApostrophe = false }
                    for l in scalar.properties.lowercaseMapping.unicodeScalars {
                        token.append(contentsOf: String(l).utf8)
                        scalars += 1
                    }
                    lastWasWord = true
                } else {
                    pendingApostrophe = false
                    lastWasWord = false
                    flush()
                }
            }
            flush()
        }
    }
}
