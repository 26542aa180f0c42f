import XCTest
@testable import NewsDedup
import LinearAlgebra

final class TextAnalyzerTests: XCTestCase {
    /// An article's names: terms it writes capitalised that the night writes capitalised
    /// mid-sentence, almost never lowercase, and at least once not after another capitalised
    /// word; months, weekdays, titles and stop words never count.
    func testArticleNames() {
        let analyzer = TextAnalyzer(tfidf: TFIDFConfiguration(), shingleSize: 3)
        let articles = [
            Article(id: "a", title: "Festival opens in Fjellby",
                    text: "Organizers of the Northern Lights Festival in Fjellby expect crowds. The festival runs all week, and festival staff said Dr. Berg opens it on Monday."),
            Article(id: "b", title: "Harbor City festival draws crowds",
                    text: "Visitors to the festival in Harbor City praised the food. Harbor City officials said the festival will return with Monday markets."),
            Article(id: "c", title: "No names here", text: "a quiet day with nothing named at all."),
        ]
        let analyzed = analyzer.analyze(articles)
        XCTAssertEqual(analyzed.names.documentCount, 3)
        func names(_ d: Int) -> [String] { analyzed.names.names(of: d).map { analyzed.terms[Int($0)] } }
        XCTAssertEqual(Set(names(0)), ["fjellby", "northern"])
        XCTAssertEqual(names(1), ["harbor"])
        XCTAssertEqual(names(2), [])
        for d in 0..<3 { XCTAssertEqual(Array(analyzed.names.names(of: d)), analyzed.names.names(of: d).sorted()) }
        XCTAssertTrue(ArticleNames.intersect([1, 4, 9], [2, 9]))
        XCTAssertFalse(ArticleNames.intersect([1, 4, 9], [2, 5, 10]))
        XCTAssertFalse(ArticleNames.intersect([], [2]))
    }

    /// Headlines keep their typography for display, but are folded before tokenizing, so a
    /// curly apostrophe counts like a straight one.
    func testCurlyApostrophesInHeadlinesTokenizeLikeStraightOnes() {
        var tfidf = TFIDFConfiguration()
        tfidf.stopWords = false
        let analyzer = TextAnalyzer(tfidf: tfidf, shingleSize: 3)
        let curly = Article(id: "a", title: "Musk\u{2019}s envoy don\u{2019}t go", text: "body text here")
        let straight = Article(id: "b", title: "Musk's envoy don't go", text: "body text here")
        let analyzed = analyzer.analyze([curly, straight])
        func terms(_ d: Int) -> Set<String> {
            Set((analyzed.termStart[d]..<analyzed.termStart[d + 1]).map { analyzed.terms[Int(analyzed.termIDs[$0])] })
        }
        XCTAssertEqual(terms(0), terms(1))
        XCTAssertTrue(terms(0).contains("don't"))
        XCTAssertTrue(terms(0).contains("musk"))
        XCTAssertEqual(Array(analyzed.shingles(of: 0)), Array(analyzed.shingles(of: 1)))
    }

    /// ASCII-only text folds backticks and carriage returns too.
    func testASCIIOnlyTextIsFolded() {
        XCTAssertEqual(TextNormalizer.body("it`s here\r\nnext"), "it's here\nnext")
    }

    /// The shingle-key sort used while tokenizing gives what the standard library's sort gives:
    /// sizes on both sides of the insertion-sort cut, duplicates, keys that agree on some bytes
    /// (skipped passes), and a scratch buffer reused across calls of different sizes.
    func testKeySortMatchesStandardSort() {
        var rng = SplitMix64(seed: 7)
        var scratch: [UInt32] = []
        for n in [0, 1, 2, 31, 32, 33, 100, 600, 2500] {
            for pattern in 0..<4 {
                var keys = (0..<n).map { _ -> UInt32 in
                    let r = UInt32(truncatingIfNeeded: rng.next())
                    switch pattern {
                    case 0: return r                                  // all bytes vary
                    case 1: return r % 50                             // many duplicates, high bytes equal
                    case 2: return 0xAB00_0000 | (r & 0x00FF_00FF)    // top byte and one middle byte constant
                    default: return r | 0xFFFF_FF00                   // only the low byte varies
                    }
                }
                let expected = keys.sorted()
                KeySort.sort(&keys, scratch: &scratch)
                XCTAssertEqual(keys, expected, "n \(n), pattern \(pattern)")
            }
        }
    }
}
