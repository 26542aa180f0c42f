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

    /// The table-driven `forEachTokenBytes` against the `[UInt8]` reference it replaced, on random
    /// mixes of ASCII words, apostrophes (possessive, inner, doubled, trailing), curly quotes,
    /// non-ASCII letters and numbers, lowercasing that lengthens a token (U+0130), marks and emoji.
    func testTableDrivenTokenizerMatchesReference() {
        let pieces = ["word", "WORD", "Musk", "'s", "'S", "'", "''", "don't", "O'Neill's", "rock'n'roll", "42", "3.5", " ", "  ", "\n", "-",
                      ",", ".", "_", "x", "I", "\u{2019}", "\u{201C}", "\u{C9}COLE", "Z\u{FC}rich", "\u{130}", "\u{130}\u{130}\u{130}",
                      "STRA\u{DF}E", "\u{1E9E}", "\u{394}\u{395}", "\u{6771}\u{4EAC}", "e\u{301}", "\u{1F642}", "\u{2162}", "\u{BD}",
                      "\u{FB01}", "\u{A0}", "\u{212B}", "`", "&amp;"]
        var state: UInt64 = 42
        let tokenizer = Tokenizer()
        for _ in 0..<5000 {
            var text = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            for _ in 0..<Int(state >> 58) + 1 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            var got: [[UInt8]] = [], want: [[UInt8]] = []
            tokenizer.forEachTokenBytes(in: text) { got.append(Array($0)) }
            tokenizer.forEachTokenBytesReference(in: text) { want.append(Array($0)) }
            XCTAssertEqual(got, want, text.debugDescription)
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
