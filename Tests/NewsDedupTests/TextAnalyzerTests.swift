import XCTest
@testable import NewsDedup

final class TextAnalyzerTests: XCTestCase {
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
}
