import Foundation
import XCTest
@testable import NewsDedup

final class TextNormalizerTests: XCTestCase {
    /// Swift's `==` on strings ignores the difference between composed and decomposed forms;
    /// normalisation must be checked scalar by scalar.
    private func assertScalars(_ got: String, _ expected: String, _ message: String = "",
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Array(got.unicodeScalars), Array(expected.unicodeScalars),
                       "\(message) got \(got.debugDescription), want \(expected.debugDescription)", file: file, line: line)
    }

    // MARK: - Entities

    func testNamedAndNumericEntities() {
        assertScalars(TextNormalizer.body("Tom &amp; Jerry"), "Tom & Jerry")
        assertScalars(TextNormalizer.decodeEntities("&lt;b&gt; &quot;x&quot;"), "<b> \"x\"")
        // Decimal and hex numeric references (decodeEntities alone keeps the typographic character).
        assertScalars(TextNormalizer.decodeEntities("it&#8217;s"), "it\u{2019}s")
        assertScalars(TextNormalizer.decodeEntities("a&#x2014;b &#X41;"), "a\u{2014}b A")
        // In the body they are then folded to ASCII.
        assertScalars(TextNormalizer.body("it&#8217;s a&#x2014;b"), "it's a-b")
    }

    func testUnknownOrMalformedEntitiesAreKept() {
        assertScalars(TextNormalizer.body("&foo; stays"), "&foo; stays")
        assertScalars(TextNormalizer.body("AT&T and R&D"), "AT&T and R&D")
        assertScalars(TextNormalizer.body("&amp without semicolon"), "&amp without semicolon")
        assertScalars(TextNormalizer.body("&#xZZ; &#; &#0;"), "&#xZZ; &#; &#0;")
        // A surrogate code point is not a scalar: kept as written.
        assertScalars(TextNormalizer.body("&#xD800;"), "&#xD800;")
    }

    func testDoubleEscapedEntityIsDecodedOnce() {
        assertScalars(TextNormalizer.body("&amp;amp;"), "&amp;")
    }

    // MARK: - Unicode NFKC

    func testDecomposedAccentBecomesComposed() {
        let decomposed = "Cafe\u{0301} Zu\u{0308}rich"
        XCTAssertEqual(decomposed.unicodeScalars.count, 13)
        assertScalars(TextNormalizer.body(decomposed), "Caf\u{00E9} Z\u{00FC}rich")
        assertScalars(TextNormalizer.line(decomposed), "Caf\u{00E9} Z\u{00FC}rich")
    }

    func testCompatibilityCharactersAreMapped() {
        assertScalars(TextNormalizer.body("\u{FB01}nance o\u{FB03}ce \u{FB02}ow"), "finance office flow")   // fi, ffi, fl ligatures
        assertScalars(TextNormalizer.body("\u{FF21}\u{FF22}\u{FF23} 10\u{00B3}"), "ABC 103")       // full-width, superscript
    }

    // MARK: - Quotes and dashes

    func testCurlyQuotesAndDashesAreFoldedInTheBody() {
        let raw = "\u{201C}Hi,\u{201D} she said \u{2014} it\u{2019}s \u{2018}ok\u{2019} \u{2013} fine, \u{2212}5 \u{00AB}x\u{00BB}"
        assertScalars(TextNormalizer.body(raw), "\"Hi,\" she said - it's 'ok' - fine, -5 \"x\"")
    }

    func testTitlesKeepTypographyUnlessAsked() {
        assertScalars(TextNormalizer.line("Musk\u{2019}s \u{201C}deal\u{201D}"), "Musk\u{2019}s \u{201C}deal\u{201D}")
        assertScalars(TextNormalizer.line("Musk\u{2019}s \u{201C}deal\u{201D} \u{2014} now", foldPunctuation: true),
                      "Musk's \"deal\" - now")
        assertScalars(TextNormalizer.line("Musk&#8217;s"), "Musk\u{2019}s")
    }

    func testBodyFoldingMakesTypographicVariantsTokenizeAlike() {
        let plain = TextNormalizer.body("It's \"Musk's\" deal -- Tom & Jerry")
        let fancy = TextNormalizer.body("It\u{2019}s \u{201C}Musk\u{2019}s\u{201D} deal \u{2014} Tom &amp; Jerry")
        XCTAssertEqual(Tokenizer().tokens(plain), Tokenizer().tokens(fancy))
    }

    // MARK: - Whitespace and paragraphs

    /// The one-pass `body` against the line-splitting original, on random mixes of words,
    /// every whitespace and newline form, typography and non-ASCII text.
    func testOnePassBodyMatchesLineSplitting() {
        let pieces = ["word", "Caf\u{E9}", "\u{6771}\u{4EAC}", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "\u{0B}", "\u{0C}",
                      "\u{85}", "\u{2028}", "\u{2029}", "\u{A0}", "\u{2014}", "\u{201C}q\u{201D}", "&amp;", "&#8217;", "`", "e\u{301}",
                      "\u{FB01}", "\u{1F642}", "x", "."]
        var state: UInt64 = 12345
        for _ in 0..<3000 {
            var text = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            for _ in 0..<Int(state >> 60) + 1 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            XCTAssertEqual(TextNormalizer.body(text), TextNormalizer.bodyByLines(text), text.debugDescription)
        }
    }

    /// The one-pass `body` of a JSON string literal (the reader's fast path) against decoding the
    /// string and calling `body`, on random mixes of escapes, whitespace, apostrophes, curly quotes,
    /// entities and non-ASCII text: equal whenever it answers, and it answers for the plain cases.
    func testBodyOfJSONStringMatchesDecodedBody() throws {
        let pieces = ["The quick brown fox jumps over the lazy dog.", "a b c d e f g h i j", "word", "It's", "don't", "O'Neill", " ", "   ", #"\n"#, #"\n\n"#, #"\r\n"#, #"\r"#, #"\t"#, #"\""#,
                      #"\\"#, #"\/"#, "Musk's", ".", ",", "x", "42", "-",
                      // These send it to the general path.
                      #"\b"#, #"\f"#, #"\u0041"#, #"\u2019"#, "caf\u{E9}", "\u{2019}", "\u{201C}", "&amp;", "AT&T", "`", "\u{A0}"]
        var state: UInt64 = 987654321
        var answered = 0
        for round in 0..<4000 {
            var content = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Every other round only from the plain pieces, so that the fast path is exercised.
            let choices = round % 2 == 0 ? 22 : pieces.count
            for _ in 0..<Int(state >> 59) + 1 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                content += pieces[Int((state >> 33) % UInt64(choices))]
            }
            let literal = "\"" + content + "\""
            let decoded = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(("[" + literal + "]").utf8)) as? [String]).first!
            let bytes = Array((literal + ", \"more\": 1}").utf8)
            let fast = bytes.withUnsafeBufferPointer { TextNormalizer.bodyOfJSONString($0, from: 1) }
            if let fast {
                answered += 1
                assertScalars(fast.body, TextNormalizer.body(decoded), literal)
                XCTAssertEqual(fast.end, literal.utf8.count, literal)
            } else if round % 2 == 0 {
                XCTFail("plain content took the general path: \(literal)")
            }
        }
        XCTAssertGreaterThan(answered, 2000)
        // Invalid JSON content (raw control bytes, a bad escape, no closing quote) is never answered.
        for bad in ["\"raw\ttab\"", "\"raw\nnewline\"", #""bad \q escape""#, #""unterminated"#, #""ends in \"#] {
            XCTAssertNil(Array(bad.utf8).withUnsafeBufferPointer { TextNormalizer.bodyOfJSONString($0, from: 1) }, bad)
        }
    }

    /// The 8-byte test of the JSON body fast path against a byte-by-byte reference, on words made
    /// of the bytes it must tell apart.
    func testPlainBlockMatchesByteByByte() {
        let interesting: [UInt8] = [0x20, 0x20, 0x20, 0x61, 0x5A, 0x30, 0x27, 0x21, 0x7E, 0x7F, 0x1F, 0x0A, 0x00, 0x22, 0x5C,
                                    0x26, 0x60, 0x80, 0xC3, 0xFF, 0x5B, 0x5D, 0x25, 0x27, 0x61, 0x62, 0x63, 0x64]
        var state: UInt64 = 5
        var plain = 0
        for _ in 0..<200_000 {
            var bytes: [UInt8] = []
            for _ in 0..<8 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                // Mostly letters and spaces, so that true answers are common too.
                bytes.append(state >> 62 == 0 ? interesting[Int(state >> 33) % interesting.count] : (state >> 61 & 1 == 0 ? 0x20 : 0x6B))
            }
            let x = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
            var want = true
            for (k, b) in bytes.enumerated() {
                if b < 0x20 || b >= 0x80 || b == 0x22 || b == 0x5C || b == 0x26 || b == 0x60 { want = false }
                if b == 0x20 && (k == 7 || bytes[k + 1] == 0x20) { want = false }
            }
            XCTAssertEqual(TextNormalizer.isPlainBlock(x), want, "\(bytes)")
            if want { plain += 1 }
        }
        XCTAssertGreaterThan(plain, 1000)
    }

    func testWhitespaceIsCollapsed() {
        assertScalars(TextNormalizer.body("  a \t  b\u{00A0}\u{00A0}c   "), "a b c")
        assertScalars(TextNormalizer.body("thin\u{2009}space and\u{3000}ideographic"), "thin space and ideographic")
        assertScalars(TextNormalizer.body("zero\u{200B}width soft\u{00AD}hyphen"), "zerowidth softhyphen")
        assertScalars(TextNormalizer.line("  Breaking:\n  News \t today "), "Breaking: News today")
    }

    func testParagraphsAreKeptAsSingleNewlines() {
        assertScalars(TextNormalizer.body("One.\n\nTwo  words.\n\n\n   \n  Three.\n"), "One.\nTwo words.\nThree.")
        // JSON text: single newlines separate paragraphs too.
        assertScalars(TextNormalizer.body("a\nb"), "a\nb")
        assertScalars(TextNormalizer.body("\n\n  \n"), "")
        // Unicode paragraph and line separators.
        assertScalars(TextNormalizer.body("Caf\u{E9}.\u{2029}Two."), "Caf\u{E9}.\nTwo.")
    }

    /// CRLF line endings (a file saved on Windows) must keep paragraphs exactly like LF ones.
    /// With non-ASCII text they do (the fold maps U+000D to a newline); with pure ASCII text the
    /// fold is skipped, `"\r\n"` is one Swift `Character` that `split(separator: "\n")` does not
    /// match, and all paragraphs collapse into one line. See the report: bug in TextNormalizer.body.
    func testCRLFParagraphsAreKept() {
        assertScalars(TextNormalizer.body("Caf\u{E9} one.\r\n\r\nTwo."), "Caf\u{E9} one.\nTwo.", "non-ASCII CRLF")
        assertScalars(TextNormalizer.body("One.\r\n\r\nTwo."), "One.\nTwo.", "ASCII CRLF")
    }

    func testNormalisationIsIdempotent() {
        let raw = "\u{201C}Caf\u{0065}\u{0301}\u{201D} &amp; \u{FB01}ne\n\n  \u{2014} end  "
        let once = TextNormalizer.body(raw)
        assertScalars(TextNormalizer.body(once), once)
    }
}
