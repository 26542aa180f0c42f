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
        var df = [Int32](repeating: 0, count: corpus.terms.count)
        for t in corpus.termIDs { df[Int(t)] += 1 }
        let high = configuration.maxDF >= 1.0 ? Double(n) : configuration.maxDF * Double(n)
        var kept: [Int] = []
        for t in 0..<df.count {
            let d = Int(df[t])
            if d >= configuration.minDF && Double(d) <= high { kept.append(t) }
        }
        if kept.isEmpty { throw VectorizingError.noTermsRemain(documents: n, minDF: configuration.minDF, maxDF: configuration.maxDF) }
        // scikit-learn orders the vocabulary by code point; UTF-8 byte order is the same order.
        kept.sort { corpus.terms[$0].utf8.lexicographicallyPrecedes(corpus.terms[$1].utf8) }
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

    /// L2-normalised TF-IDF rows, one per article, in parallel.
    public func transform(_ corpus: AnalyzedCorpus) -> TermMatrix {
        let n = corpus.documentCount
        let sublinear = configuration.sublinearTF
        var parts = Parallel.mapChunks(n, chunks: max(1, min(n, Parallel.threads * 4))) { range -> ([Int], [Int32], [Double]) in
            var starts: [Int] = []
            var cols: [Int32] = []
            var vals: [Double] = []
            // A row's entries in column order: keys (column << 32 | entry) sorted as plain
            // integers (a row's columns are distinct, so sorting by the columns alone, the upper
            // four bytes, gives that order), the weights looked up by entry.
            var keys: [UInt64] = [], scratch: [UInt64] = []
            var weights: [Double] = []
            for d in range {
                keys.removeAll(keepingCapacity: true)
                weights.removeAll(keepingCapacity: true)
                for p in corpus.termStart[d]..<corpus.termStart[d + 1] {
                    let c = columnOfTerm[Int(corpus.termIDs[p])]
                    if c < 0 { continue }
                    let tf = Double(corpus.termCounts[p])
                    keys.append(UInt64(UInt32(c)) << 32 | UInt64(weights.count))
                    weights.append((sublinear ? 1 + log(tf) : tf) * idf[Int(c)])
                }
                KeySort.sort(&keys, scratch: &scratch, fromByte: 4)
                var norm = 0.0
                for k in keys { let v = weights[Int(k & 0xFFFF_FFFF)]; norm += v * v }
                norm = norm.squareRoot()
                for k in keys {
                    cols.append(Int32(k >> 32))
                    vals.append(norm > 0 ? weights[Int(k & 0xFFFF_FFFF)] / norm : 0)
                }
                starts.append(cols.count)
            }
            return (starts, cols, vals)
        }
        // Concatenate into arrays sized once, freeing each part as it is copied (no doubling).
        let total = parts.reduce(0) { $0 + $1.1.count }
        var rowStart = [0]
        rowStart.reserveCapacity(n + 1)
        var columnIndex: [Int32] = []
        columnIndex.reserveCapacity(total)
        var values: [Double] = []
        values.reserveCapacity(total)
        for p in parts.indices {
            let base = columnIndex.count
            rowStart.append(contentsOf: parts[p].0.map { $0 + base })
            columnIndex.append(contentsOf: parts[p].1)
            values.append(contentsOf: parts[p].2)
            parts[p] = ([], [], [])
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
