import XCTest
import LinearAlgebra
@testable import NewsDedup

/// Large nights fit the SVD on a sample of articles and project every article
/// (`topics.sampleArticles`): the topics must be the ones the full fit finds.
final class TopicSampleTests: XCTestCase {
    /// A TF-IDF-like matrix with planted topics: each row has one topic (sizes 1, 0.8, 0.64, ...)
    /// whose 15 terms each appear with probability 0.5, plus background terms at 0.03.
    private func planted(rows: Int, columns: Int = 240, topics: Int = 8, seed: UInt64 = 7) -> TermMatrix {
        var state = seed
        func unit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            return Double(ShingleHash.mix(state) >> 11) / Double(1 << 53)
        }
        var weights: [Double] = [], w = 1.0
        for _ in 0..<topics { weights.append(w); w *= 0.8 }
        let total = weights.reduce(0, +)
        var start = [0], index: [Int32] = [], values: [Double] = []
        for i in 0..<rows {
            var u = Double(i % 997) / 997 * total, topic = 0
            while topic < topics - 1 && u >= weights[topic] { u -= weights[topic]; topic += 1 }
            var row: [Int: Double] = [:]
            for c in 0..<15 where unit() < 0.5 { row[topic * 15 + c] = 0.5 + unit() }
            for j in 0..<columns where unit() < 0.03 { row[j, default: 0] += unit() }
            for j in row.keys.sorted() { index.append(Int32(j)); values.append(row[j]!) }
            start.append(index.count)
        }
        let m = CSRMatrix(rows: rows, columns: columns, rowStart: start, columnIndex: index, values: values)
        return TermMatrix(matrix: m, vocabulary: (0..<columns).map { "t\($0)" }, idf: [Double](repeating: 1, count: columns))
    }

    private func fit(_ terms: TermMatrix, sample: Int) throws -> TopicModel.Fit {
        var c = TopicConfiguration()
        c.topics = 6
        c.sampleArticles = sample
        return try TopicModel(c).fit(terms: terms)
    }

    func testSampledFitFindsTheFullFitsTopics() throws {
        let terms = planted(rows: 12000)
        let full = try fit(terms, sample: 0)
        let sampled = try fit(terms, sample: 3000)
        let picked = try XCTUnwrap(TopicModel.sample(terms.matrix, about: 3000))
        XCTAssertEqual(Double(picked.count), 3000, accuracy: 200, "about the requested sample size")
        XCTAssertNil(TopicModel.sample(terms.matrix, about: 12000), "a night within the limit is fitted whole")
        for j in 0..<6 {
            // Singular values of all rows (norms of the projections), within 2%.
            XCTAssertEqual(sampled.svd.singularValues[j], full.svd.singularValues[j],
                           accuracy: 0.02 * full.svd.singularValues[j], "sigma \(j)")
            // Reduced vectors are U * sigma, for every article (not only the sampled ones).
            for i in stride(from: 0, to: terms.matrix.rows, by: 577) {
                XCTAssertEqual(sampled.vectors[i, j], sampled.svd.u[i, j] * sampled.svd.singularValues[j],
                               accuracy: 1e-9 * sampled.svd.singularValues[j])
            }
        }
        XCTAssertEqual(sampled.svd.singularValues, sampled.svd.singularValues.sorted(by: >), "descending")
        // The same topic subspace: the cosine of the largest principal angle between the spans
        // of the two fits' leading topics (the smallest singular value of V_full V_sampledᵀ).
        // Single directions are not compared: where two singular values are close, any rotation
        // within their span is an equally good answer.
        for k in [3, 6] {
            let overlap = try BLAS.multiply(full.svd.vt.leadingRows(k), sampled.svd.vt.leadingRows(k), transposeB: true)
            let cosine = try LAPACK.svd(overlap).s.min() ?? 0
            XCTAssertGreaterThan(cosine, 0.99, "top-\(k) topic subspace")
        }
    }

    func testSampleDoesNotDependOnRowOrder() throws {
        let terms = planted(rows: 3000, seed: 11)
        let rows = terms.matrix.rows
        let reversed = TermMatrix(matrix: terms.matrix.selectingRows(Array((0..<rows).reversed())),
                                  vocabulary: terms.vocabulary, idf: terms.idf)
        let a = try fit(terms, sample: 1000), b = try fit(reversed, sample: 1000)
        let pa = try XCTUnwrap(TopicModel.sample(terms.matrix, about: 1000))
        let pb = try XCTUnwrap(TopicModel.sample(reversed.matrix, about: 1000))
        XCTAssertEqual(Set(pa), Set(pb.map { rows - 1 - $0 }), "the same articles are sampled")
        for j in 0..<6 {
            XCTAssertEqual(a.svd.singularValues[j], b.svd.singularValues[j], accuracy: 1e-9 * a.svd.singularValues[j])
            XCTAssertEqual(a.vectors[17, j], b.vectors[rows - 18, j], accuracy: 1e-9 * a.svd.singularValues[j])
        }
    }
}
