import LinearAlgebra

/// One latent topic: a right singular vector of the TF-IDF matrix.
public struct Topic: Sendable {
    public var singularValue: Double
    public var explainedVarianceRatio: Double
    /// Largest positive and most negative term weights.
    public var positiveTerms: [(term: String, weight: Double)]
    public var negativeTerms: [(term: String, weight: Double)]
    /// Articles with the largest loading (U * sigma), descending.
    public var articles: [(index: Int, loading: Double)]
    /// Stories whose members load most on the topic (mean loading), descending.
    public var stories: [(index: Int, loading: Double)]
}

/// The output of the topic stage, with the reduced article vectors for later stages.
public struct Topics: Sendable {
    public var topics: [Topic]
    /// Articles x topics: U * diag(sigma).
    public var articleVectors: Matrix
    public var totalVariance: Double
}

/// Fits topics with `RandomizedSVD` and labels them with terms, articles and stories.
public struct TopicModel: Sendable {
    public var configuration: TopicConfiguration

    public init(_ configuration: TopicConfiguration) {
        self.configuration = configuration
    }

    public func fit(terms: TermMatrix) throws -> (svd: RandomizedSVD.Result, vectors: Matrix, explained: [Double], total: Double) {
        let svd = try RandomizedSVD(components: configuration.topics, oversampling: configuration.oversampling,
                                    powerIterations: configuration.powerIterations, seed: configuration.seed)
            .fit(terms.matrix)
        let m = terms.matrix.rows
        var vectors = svd.u
        for j in 0..<vectors.columns {
            for i in 0..<m { vectors[i, j] *= svd.singularValues[j] }
        }
        // As scikit-learn: explained variance of each component over the total variance of X.
        let total = TopicModel.totalVariance(terms.matrix)
        var explained: [Double] = []
        for j in 0..<vectors.columns {
            var mean = 0.0, sq = 0.0
            for i in 0..<m { let x = vectors[i, j]; mean += x; sq += x * x }
            mean /= Double(max(1, m))
            let variance = sq / Double(max(1, m)) - mean * mean
            explained.append(total > 0 ? variance / total : 0)
        }
        return (svd, vectors, explained, total)
    }

    /// Sum over columns of the population variance of the column.
    static func totalVariance(_ x: CSRMatrix) -> Double {
        let m = Double(max(1, x.rows))
        var colSum = [Double](repeating: 0, count: x.columns)
        var sq = 0.0
        for p in 0..<x.values.count {
            colSum[Int(x.columnIndex[p])] += x.values[p]
            sq += x.values[p] * x.values[p]
        }
        var meanSq = 0.0
        for s in colSum { meanSq += (s / m) * (s / m) }
        return sq / m - meanSq
    }

    public func topics(terms: TermMatrix, stories: StoryClusters) throws -> Topics {
        let (svd, vectors, explained, total) = try fit(terms: terms)
        var out: [Topic] = []
        let m = vectors.rows
        for j in 0..<svd.singularValues.count {
            var weights: [(Int, Double)] = (0..<svd.vt.columns).map { ($0, svd.vt[j, $0]) }
            weights.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            let positive = weights.prefix(configuration.terms).filter { $0.1 > 0 }.map { (term: terms.vocabulary[$0.0], weight: $0.1) }
            let negative = weights.reversed().prefix(configuration.terms).filter { $0.1 < 0 }.map { (term: terms.vocabulary[$0.0], weight: $0.1) }
            var loads: [(Int, Double)] = (0..<m).map { ($0, vectors[$0, j]) }
            loads.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            let articles = loads.prefix(configuration.articles).map { (index: $0.0, loading: $0.1) }
            var storyLoads: [(Int, Double)] = []
            for (ci, c) in stories.clusters.enumerated() where c.members.count > 1 {
                let mean = c.members.reduce(0.0) { $0 + vectors[$1, j] } / Double(c.members.count)
                storyLoads.append((ci, mean))
            }
            storyLoads.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            out.append(Topic(singularValue: svd.singularValues[j], explainedVarianceRatio: explained[j],
                             positiveTerms: positive, negativeTerms: negative, articles: articles,
                             stories: storyLoads.prefix(configuration.stories).map { (index: $0.0, loading: $0.1) }))
        }
        return Topics(topics: out, articleVectors: vectors, totalVariance: total)
    }
}
