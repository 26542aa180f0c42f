import Foundation
import XCTest
@testable import NewsDedup

/// `Fixtures/tfidf_reference.json` (scripts/fixtures/make_tfidf_fixture.py): scikit-learn's
/// TfidfVectorizer on 36 invented documents under seven settings.
private struct TFIDFReference: Decodable {
    struct Document: Decodable { var title: String; var text: String }
    struct Settings: Decodable {
        var minDF: Int
        var maxDF: Double
        var sublinearTF: Bool
        var smoothIDF: Bool
        var stopWords: Bool
        var titleWeight: Int
    }
    struct Row: Decodable { var indices: [Int]; var values: [Double] }
    struct Case: Decodable {
        var name: String
        var settings: Settings
        var vocabulary: [String]
        var idf: [Double]
        var rows: [Row]
    }
    var documents: [Document]
    var cases: [Case]

    static func load() throws -> TFIDFReference {
        try JSONDecoder().decode(TFIDFReference.self, from: Data(contentsOf: TestSupport.fixtureURL("tfidf_reference.json")))
    }
}

final class TFIDFParityTests: XCTestCase {
    private func configuration(_ s: TFIDFReference.Settings) -> TFIDFConfiguration {
        var c = TFIDFConfiguration()
        c.minDF = s.minDF
        c.maxDF = s.maxDF
        c.sublinearTF = s.sublinearTF
        c.smoothIDF = s.smoothIDF
        c.stopWords = s.stopWords
        c.titleWeight = s.titleWeight
        return c
    }

    /// The fixture analyses `(title + "\n") * titleWeight + text` with sklearn's analyzer. Swift's
    /// `TextAnalyzer` tokenizes the title once and counts each title token with weight
    /// `titleWeight`, then the body with weight 1. The two give the same term counts because the
    /// newline after the title is a token boundary for both tokenizers (no token can span title
    /// and text), and the documents are passed as they are (already NFC with ASCII quotes), so
    /// no normalisation step could make the two sides see different text. Counts, document
    /// frequencies, idf and the l2-normalised rows must therefore agree to rounding.
    private func vectorize(_ ref: TFIDFReference, _ settings: TFIDFReference.Settings) throws -> (TFIDFModel, TermMatrix) {
        let articles = ref.documents.enumerated().map { i, d in Article(id: "doc-\(i)", title: d.title, text: d.text) }
        let config = configuration(settings)
        let analyzed = TextAnalyzer(tfidf: config, shingleSize: 3).analyze(articles)
        XCTAssertEqual(analyzed.documentCount, ref.documents.count)
        let model = try TFIDFVectorizer(config).fit(analyzed)
        return (model, model.transform(analyzed))
    }

    func testEveryCaseMatchesScikitLearn() throws {
        let ref = try TFIDFReference.load()
        XCTAssertEqual(ref.cases.count, 7)
        for c in ref.cases {
            let (model, terms) = try vectorize(ref, c.settings)
            XCTAssertEqual(model.vocabulary, c.vocabulary, "\(c.name): vocabulary (same terms, same order)")
            XCTAssertEqual(terms.vocabulary, c.vocabulary, "\(c.name): term matrix vocabulary")
            XCTAssertEqual(model.idf.count, c.idf.count, "\(c.name): idf count")
            for (j, (got, want)) in zip(model.idf, c.idf).enumerated() {
                XCTAssertEqual(got, want, accuracy: 1e-9, "\(c.name): idf of \(c.vocabulary[j])")
            }
            let m = terms.matrix
            XCTAssertEqual(m.rows, c.rows.count, c.name)
            XCTAssertEqual(m.columns, c.vocabulary.count, c.name)
            for (i, row) in c.rows.enumerated() {
                let got = m.row(i)
                XCTAssertEqual(got.map(\.column), row.indices, "\(c.name): indices of row \(i)")
                guard got.count == row.values.count else { continue }
                for (k, entry) in got.enumerated() {
                    XCTAssertEqual(entry.value, row.values[k], accuracy: 1e-9,
                                   "\(c.name): row \(i), term \(c.vocabulary[entry.column])")
                }
            }
        }
    }

    func testRowsHaveUnitNormAndCosineIsSymmetric() throws {
        let ref = try TFIDFReference.load()
        for c in ref.cases {
            let (_, terms) = try vectorize(ref, c.settings)
            let m = terms.matrix
            for i in 0..<m.rows {
                let norm = m.row(i).reduce(0) { $0 + $1.value * $1.value }.squareRoot()
                if m.row(i).isEmpty {
                    XCTAssertEqual(norm, 0, "\(c.name): empty row \(i)")
                } else {
                    XCTAssertEqual(norm, 1, accuracy: 1e-12, "\(c.name): row \(i) has unit norm")
                    XCTAssertEqual(terms.cosine(i, i), 1, accuracy: 1e-12, "\(c.name): self-cosine of row \(i)")
                }
                XCTAssertTrue(m.row(i).allSatisfy { $0.value > 0 }, "\(c.name): TF-IDF weights are positive")
            }
            for i in 0..<m.rows {
                for j in (i + 1)..<m.rows {
                    let a = terms.cosine(i, j), b = terms.cosine(j, i)
                    XCTAssertEqual(a, b, accuracy: 1e-15, "\(c.name): cosine(\(i), \(j))")
                    XCTAssertGreaterThanOrEqual(a, 0)
                    XCTAssertLessThanOrEqual(a, 1 + 1e-12)
                }
            }
        }
    }

    /// The document made only of stop words has an empty row once stop words are removed
    /// (the fixture asserts the same on the sklearn side).
    func testStopWordOnlyDocumentIsEmptyWhenStopWordsAreRemoved() throws {
        let ref = try TFIDFReference.load()
        guard let index = ref.documents.firstIndex(where: { $0.title == "Nothing Here" }) else {
            return XCTFail("fixture lost its stop-word-only document")
        }
        for c in ref.cases where c.settings.stopWords {
            let (_, terms) = try vectorize(ref, c.settings)
            XCTAssertTrue(terms.matrix.row(index).isEmpty, c.name)
            XCTAssertTrue(c.rows[index].indices.isEmpty, c.name)
        }
    }

    func testNoTermsRemainIsReported() {
        var config = TFIDFConfiguration()
        config.minDF = 5
        let articles = [Article(id: "a", title: "Alpha", text: "beta gamma"), Article(id: "b", title: "Delta", text: "epsilon")]
        let analyzed = TextAnalyzer(tfidf: config, shingleSize: 3).analyze(articles)
        XCTAssertThrowsError(try TFIDFVectorizer(config).fit(analyzed)) { error in
            XCTAssertEqual(error as? VectorizingError, .noTermsRemain(documents: 2, minDF: 5, maxDF: 1.0))
            XCTAssertTrue("\(error)".contains("minDF"), "\(error)")
        }
    }
}
