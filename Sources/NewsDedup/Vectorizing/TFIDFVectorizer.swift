import Foundation
import LinearAlgebra

/// Errors of the vectorizing stage.
public enum VectorizingError: Error, CustomStringConvertible, Equatable {
    case noTermsRemain(documents: Int, minDF: Int, maxDF: Double)

    public var description: String {
        switch self {
        case let .noTermsRemain(documents, minDF, maxDF):
            return "after pruning, no terms remain in \(documents) article(s) (tfidf.minDF = \(minDF), tfidf.maxDF = \(maxDF)); try a lower minDF or a higher maxDF"
        }
    }
}

/// Learns the vocabulary and idf from analysed articles (`fit`), then turns them into
/// L2-normalised TF-IDF rows (`TFIDFModel.transform`).
public struct TFIDFVectorizer: Sendable {
    public var configuration: TFIDFConfiguration

    public init(_ configuration: TFIDFConfiguration) {
        self.configuration = configuration
    }

    public func fit(_ corpus: AnalyzedCorpus) throws -> TFIDFModel {
        let n = corpus.documentCount
        // Document frequencies (an article lists each of its terms once), counted in parallel.
        let parts = Parallel.mapChunks(corpus.termIDs.count, chunks: max(1, Parallel.threads)) { range -> [Int32] in
            var df = [Int32](repeating: 0, count: corpus.terms.count)
            corpus.termIDs.withUnsafeBufferPointer { ids in for p in range { df[Int(ids[p])] += 1 } }
            return df
        }
        var df = parts[0]
        for part in parts.dropFirst() { for t in df.indices { df[t] += part[t] } }
        let high = configuration.maxDF >= 1.0 ? Double(n) : configuration.maxDF * Double(n)
        var kept: [Int] = []
        for t in 0..<df.count {
            let d = Int(df[t])
            if d >= configuration.minDF && Double(d) <= high { kept.append(t) }
        }
        if kept.isEmpty { throw VectorizingError.noTermsRemain(documents: n, minDF: configuration.minDF, maxDF: configuration.maxDF) }
        // scikit-learn orders the vocabulary by code point; UTF-8 byte order is the same order
        // (`termRank` when the analysis gave it).
        if corpus.termRank.count == corpus.terms.count {
            corpus.termRank.withUnsafeBufferPointer { rank in kept.sort { rank[$0] < rank[$1] } }
        } else {
            kept.sort { corpus.terms[$0].utf8.lexicographicallyPrecedes(corpus.terms[$1].utf8) }
        }
        var column = [Int32](repeating: -1, count: corpus.terms.count)
        var vocabulary: [String] = []
        var idf: [Double] = []
        vocabulary.reserveCapacity(kept.count)
        idf.reserveCapacity(kept.count)
        for (c, t) in kept.enumerated() {
            column[t] = Int32(c)
            vocabulary.append(corpus.terms[t])
            let d = Double(df[t])
            idf.append(configuration.smoothIDF ? log((1 + Double(n)) / (1 + d)) + 1 : log(Double(n) / d) + 1)
        }
        return TFIDFModel(configuration: configuration, vocabulary: vocabulary, idf: idf,
                          columnOfTerm: column, documentFrequency: kept.map { Int(df[$0]) }, documentCount: n)
    }
}

/// What `TFIDFVectorizer.fit` learned.
public struct TFIDFModel: Sendable {
    public var configuration: TFIDFConfiguration
    /// Terms in column order (code-point order, as scikit-learn).
    public var vocabulary: [String]
    public var idf: [Double]
    /// Maps an `AnalyzedCorpus` term id to its column, or -1 when pruned.
    public var columnOfTerm: [Int32]
    /// Articles containing each vocabulary term.
    public var documentFrequency: [Int]
    public var documentCount: Int

    /// L2-normalised TF-IDF rows, one per article, in parallel: each row's length first, then
    /// every chunk of rows writes its entries in place (no per-chunk arrays to concatenate).
    public func transform(_ corpus: AnalyzedCorpus) -> TermMatrix {
        let n = corpus.documentCount
        let sublinear = configuration.sublinearTF
        var counts = [Int](repeating: 0, count: n + 1)
        counts.withUnsafeMutableBufferPointer { c in
            let out = SharedMutableBuffer(c)
            Parallel.forEachChunk(n, minimumChunk: 1024) { range in
                for d in range {
                    var k = 0
                    for p in corpus.termStart[d]..<corpus.termStart[d + 1] where columnOfTerm[Int(corpus.termIDs[p])] >= 0 { k += 1 }
                    out[d + 1] = k
                }
            }
        }
        for d in 0..<n { counts[d + 1] += counts[d] }
        let rowStart = counts
        let total = rowStart[n]
        // log of the small whole counts (most counts: a token counts 1, a headline token
        // `titleWeight`), computed once by the same `log`, so the weights are the same.
        let logOfCount = (0..<256).map { log(Double($0)) }
        var values: [Double] = []
        let columnIndex = [Int32](unsafeUninitializedCapacity: total) { columnBuffer, columnCount in
            values = [Double](unsafeUninitializedCapacity: total) { valueBuffer, valueCount in
                let cols = SharedMutableBuffer(columnBuffer), vals = SharedMutableBuffer(valueBuffer)
                _ = Parallel.mapChunks(n, chunks: max(1, min(n, Parallel.threads * 4))) { range -> Int in
                    // A row's entries in column order: keys (column << 32 | entry), the weights
                    // looked up by entry. The analysis lists an article's terms in column order
                    // already (`AnalyzedCorpus.termStart`); other rows are sorted, as plain
                    // integers (a row's columns are distinct, so sorting by the columns alone, the
                    // upper four bytes, gives that order).
                    var keys: [UInt64] = [], scratch: [UInt64] = []
                    var weights: [Double] = []
                    for d in range {
                        keys.removeAll(keepingCapacity: true)
                        weights.removeAll(keepingCapacity: true)
                        var ascending = true, last: Int32 = -1
                        for p in corpus.termStart[d]..<corpus.termStart[d + 1] {
                            let c = columnOfTerm[Int(corpus.termIDs[p])]
                            if c < 0 { continue }
                            if c < last { ascending = false }
                            last = c
                            let tf = Double(corpus.termCounts[p])
                            keys.append(UInt64(UInt32(c)) << 32 | UInt64(weights.count))
                            var logTF = 0.0
                            if sublinear {
                                let whole = Int(exactly: tf) ?? -1
                                logTF = whole >= 0 && whole < logOfCount.count ? logOfCount[whole] : log(tf)
                            }
                            weights.append((sublinear ? 1 + logTF : tf) * idf[Int(c)])
                        }
                        if !ascending { KeySort.sort(&keys, scratch: &scratch, fromByte: 4) }
                        var norm = 0.0
                        for k in keys { let v = weights[Int(k & 0xFFFF_FFFF)]; norm += v * v }
                        norm = norm.squareRoot()
                        var q = rowStart[d]
                        for k in keys {
                            cols[q] = Int32(k >> 32)
                            vals[q] = norm > 0 ? weights[Int(k & 0xFFFF_FFFF)] / norm : 0
                            q += 1
                        }
                    }
                    return 0
                }
                valueCount = total
            }
            columnCount = total
        }
        let matrix = CSRMatrix(rows: n, columns: vocabulary.count, rowStart: rowStart, columnIndex: columnIndex, values: values)
        return TermMatrix(matrix: matrix, vocabulary: vocabulary, idf: idf)
    }
}

/// Articles x terms: L2-normalised TF-IDF rows in CSR form, with the vocabulary.
public struct TermMatrix: Sendable {
    public var matrix: CSRMatrix
    public var vocabulary: [String]
    public var idf: [Double]

    /// Cosine similarity of two articles (rows are unit length).
    public func cosine(_ a: Int, _ b: Int) -> Double { matrix.rowDot(a, b) }
}
