import Foundation
import XCTest
import LinearAlgebra
@testable import NewsDedup

/// The fast paths of `HeadlineTemplates` (ASCII answers before Unicode property lookups, ASCII
/// folding without Foundation, interning in parallel chunks) against the plain computations.
final class HeadlineTests: XCTestCase {
    /// Letters and digits, the number separators, punctuation, and scalars whose folding or
    /// properties differ from the ASCII rules: dotted capital I, sharp s, a ligature, titlecase
    /// digraphs, final sigma, superscript and fraction digits, Arabic-Indic digits, combining marks.
    private let tricky: [String] = ["a", "Z", "q", "Q", "7", "0", ".", ",", " ", "-", "'", ":", "$",
                                    "İ", "ı", "ß", "ẞ", "ﬁ", "ǅ", "Ǆ", "σ", "ς", "Σ", "é", "É", "e\u{301}",
                                    "²", "½", "٣", "Ⅻ", "ª", "º", "ŉ", "Å", "Æ", "ø", "Ω", "ö", "Ğ", "\u{300}"]

    private func randomString(_ rng: inout SplitMix64, from alphabet: [String], length: Int) -> String {
        var s = ""
        for _ in 0..<length { s += alphabet[Int(rng.next() % UInt64(alphabet.count))] }
        return s
    }

    func testASCIIAnswersAreTheUnicodeProperties() {
        let nonASCII: [Unicode.Scalar] = ["é", "İ", "ß", "²", "½", "٣", "ª", "Ⅻ", "\u{300}", "Σ", "ǅ"]
        for u in (0..<128).compactMap(Unicode.Scalar.init) + nonASCII {
            let p = u.properties
            XCTAssertEqual(HeadlineTemplates.isLetterOrDigit(u), p.isAlphabetic || p.numericType != nil, "\(u.value)")
            XCTAssertEqual(HeadlineTemplates.isNumeric(u), p.numericType != nil, "\(u.value)")
            XCTAssertEqual(HeadlineTemplates.isUppercase(u), p.isUppercase, "\(u.value)")
            XCTAssertEqual(HeadlineTemplates.isLowercase(u), p.isLowercase, "\(u.value)")
        }
    }

    /// `fold` is Foundation's case- and diacritic-insensitive folding, on every printable ASCII
    /// character and on mixes with the tricky scalars.
    func testFoldIsFoundationFolding() {
        func foundation(_ s: String) -> String { s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
        let printable = (32..<127).map { String(UnicodeScalar(UInt8($0))) }
        for c in printable { XCTAssertEqual(HeadlineTemplates.fold(c), foundation(c), c) }
        var rng = SplitMix64(seed: 11)
        for round in 0..<3_000 {
            let s = randomString(&rng, from: round % 2 == 0 ? printable : tricky + printable, length: Int(rng.next() % 12) + 1)
            XCTAssertEqual(HeadlineTemplates.fold(s), foundation(s), s)
        }
    }

    /// `words` splits as the scalar-by-scalar reference does (its form before the ASCII paths).
    func testWordsAreTheReferenceSplit() {
        func reference(_ s: String) -> [String] {
            var out: [String] = []
            var current = String.UnicodeScalarView()
            let scalars = Array(s.unicodeScalars)
            for (k, u) in scalars.enumerated() {
                let p = u.properties
                if p.isAlphabetic || p.numericType != nil {
                    current.append(u)
                } else if (u == "." || u == ","), !current.isEmpty, let last = current.last, last.properties.numericType != nil,
                          k + 1 < scalars.count, scalars[k + 1].properties.numericType != nil {
                    current.append(u)
                } else if !current.isEmpty {
                    out.append(String(current)); current = String.UnicodeScalarView()
                }
            }
            if !current.isEmpty { out.append(String(current)) }
            return out
        }
        var rng = SplitMix64(seed: 12)
        for s in ["", "1.", ".1", "1.2.3", "1,,2", "a.1", "1.a", "x 1,000.5 y", "٣.٣", "2.²"] {
            XCTAssertEqual(HeadlineTemplates.words(s), reference(s), s)
        }
        for _ in 0..<3_000 {
            let s = randomString(&rng, from: tricky, length: Int(rng.next() % 20))
            XCTAssertEqual(HeadlineTemplates.words(s), reference(s), s)
        }
    }

    /// Interning in parallel chunks gives the ids, names and sets of interning in one chunk.
    func testChunkedInterningIsSerialInterning() {
        var rng = SplitMix64(seed: 13)
        let words = ["BRIEF", "Harwick", "harwick", "HARWICK", "Härwick", "Instruments", "q3", "Q3", "shr", "1.12",
                     "Café", "cafe", "CAFÉ", "Straße", "strasse", "İstanbul", "storm", "Storm", "Idris", "the", "of"]
        let titles = (0..<700).map { _ in
            (0..<Int(rng.next() % 9)).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
        }
        let vocabulary = ["cafe", "café", "harwick", "istanbul", "straße", "storm"]
        let before = Parallel.threads
        defer { Parallel.threads = before }
        Parallel.threads = 1
        let serial = HeadlineTemplates(titles: titles, vocabulary: vocabulary)
        for threads in [2, 3, 7] {
            Parallel.threads = threads
            let chunked = HeadlineTemplates(titles: titles, vocabulary: vocabulary)
            XCTAssertEqual(chunked.start, serial.start)
            XCTAssertEqual(chunked.token, serial.token)
            XCTAssertEqual(chunked.isName, serial.isName)
            XCTAssertEqual(chunked.setStart, serial.setStart)
            XCTAssertEqual(chunked.set, serial.set)
            XCTAssertEqual(chunked.termOfToken, serial.termOfToken)
            XCTAssertEqual(chunked.text, serial.text)
        }
        XCTAssertTrue(serial.isName.contains(true))
        XCTAssertTrue(serial.termOfToken.contains { $0 >= 0 })
    }
}
