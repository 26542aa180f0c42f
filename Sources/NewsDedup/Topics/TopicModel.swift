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

    /// The SVD and the reduced article vectors, before any labelling (the story stage may use
    /// the vectors).
    public struct Fit: Sendable {
        public var svd: RandomizedSVD.Result
        /// Articles x topics: U * diag(sigma).
        public var vectors: Matrix
        public var explained: [Double]
        public var totalVariance: Double
    }

    public func fit(terms: TermMatrix) throws -> Fit {
        let randomized = RandomizedSVD(components: configuration.topics, oversampling: configuration.oversampling,
                                       powerIterations: configuration.powerIterations, seed: configuration.seed)
        let m = terms.matrix.rows
        let svd: RandomizedSVD.Result
        if let sample = TopicModel.sample(terms.matrix, about: configuration.sampleArticles) {
            // Topics are directions in term space: a large uniform sample of the night finds the
            // same ones. Every article is then projected onto them (A V, one product) instead of
            // taking part in all 2q + 2 products of the power iterations.
            let fitted = try TopicModel.fit(randomized, terms.matrix.selectingRows(sample))
            svd = try TopicModel.project(terms.matrix, onto: fitted.vt)
        } else {
            svd = try TopicModel.fit(randomized, terms.matrix)
        }
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
        return Fit(svd: svd, vectors: vectors, explained: explained, totalVariance: total)
    }

    /// The rows of a sample of about `count` of `a`'s rows, picked by a hash of each row's terms
    /// (so the same whatever the row order), or nil when `a` has at most `count` rows (or
    /// `count` is 0).
    static func sample(_ a: CSRMatrix, about count: Int) -> [Int]? {
        guard count > 0, a.rows > count else { return nil }
        let limit = UInt64(Double(count) / Double(a.rows) * Double(UInt64.max))
        let picked = Parallel.mapChunks(a.rows, chunks: max(1, Parallel.threads * 4)) { range -> [Int] in
            var out: [Int] = []
            for i in range {
                var h: UInt64 = 0xCBF2_9CE4_8422_2325
                for p in a.rowStart[i]..<a.rowStart[i + 1] { h = (h ^ UInt64(UInt32(bitPattern: a.columnIndex[p]))) &* 0x100_0000_01B3 }
                if ShingleHash.mix(h) < limit { out.append(i) }
            }
            return out
        }
        let rows = picked.flatMap { $0 }
        return rows.count > 1 ? rows : nil
    }

    /// The topics `vt` (fitted on a sample) for all of `a`: U Σ = A V, the singular values are
    /// the norms of its columns, in descending order, signs fixed as `RandomizedSVD` does.
    /// A fitted matrix of up to this many stored entries (12 bytes each: 192 MiB) gets an explicit
    /// transpose: a sample, or a night of at most `sampleArticles` articles.
    static let transposeEntries = 16 << 20

    /// The randomized fit, with the transpose built once when it is small: the products with Aᵀ
    /// then gather along Aᵀ's rows (each thread its own rows) instead of every thread scanning
    /// all of A for the entries of its column range. Same sums in the same order, so the same
    /// result (`testExplicitTransposeGivesTheSameResult`).
    static func fit(_ randomized: RandomizedSVD, _ a: CSRMatrix) throws -> RandomizedSVD.Result {
        try randomized.fit(a, transpose: a.nonzeroCount <= transposeEntries ? a.transposed : nil)
    }

    static func project(_ a: CSRMatrix, onto vt: Matrix) throws -> RandomizedSVD.Result {
        let av = try a.multiply(vt.transposed)   // m x k
        let m = av.rows, k = av.columns
        let norms = (0..<k).map { j in (0..<m).reduce(0.0) { $0 + av.elements[$1 + j * m] * av.elements[$1 + j * m] }.squareRoot() }
        let order = (0..<k).sorted { norms[$0] != norms[$1] ? norms[$0] > norms[$1] : $0 < $1 }
        var u = Matrix(zeros: m, k), v = Matrix(zeros: k, vt.columns)
        for (to, from) in order.enumerated() {
            let scale = norms[from] > 0 ? 1 / norms[from] : 0
            for i in 0..<m { u.elements[i + to * m] = av.elements[i + from * m] * scale }
            for c in 0..<vt.columns { v.elements[to + c * k] = vt.elements[from + c * k] }
        }
        RandomizedSVD.fixSigns(u: &u, vt: &v)
        return RandomizedSVD.Result(u: u, singularValues: order.map { norms[$0] }, vt: v)
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
        label(try fit(terms: terms), terms: terms, stories: stories)
    }

    /// Terms, articles and stories for each topic of `fit`.
    public func label(_ fit: Fit, terms: TermMatrix, stories: StoryClusters) -> Topics {
        let svd = fit.svd, vectors = fit.vectors, explained = fit.explained, total = fit.totalVariance
        let m = vectors.rows, n = svd.vt.columns, l = svd.vt.rows
        let multi = stories.clusters.enumerated().filter { $0.element.members.count > 1 }
        // Labels per topic, in parallel; partial selection instead of full sorts.
        let labelled = Parallel.mapChunks(svd.singularValues.count, chunks: svd.singularValues.count) { range -> [Topic] in
            range.map { j in
                let positive = TopicModel.top(configuration.terms, of: n) { svd.vt.elements[j + $0 * l] }
                    .filter { $0.1 > 0 }.map { (term: terms.vocabulary[$0.0], weight: $0.1) }
                let negative = TopicModel.top(configuration.terms, of: n) { -svd.vt.elements[j + $0 * l] }
                    .filter { $0.1 > 0 }.map { (term: terms.vocabulary[$0.0], weight: -$0.1) }
                let articles = TopicModel.top(configuration.articles, of: m) { vectors.elements[$0 + j * m] }
                    .map { (index: $0.0, loading: $0.1) }
                let means = multi.map { c in c.element.members.reduce(0.0) { $0 + vectors.elements[$1 + j * m] } / Double(c.element.members.count) }
                let stories = TopicModel.top(configuration.stories, of: multi.count) { means[$0] }
                    .map { (index: multi[$0.0].offset, loading: $0.1) }
                return Topic(singularValue: svd.singularValues[j], explainedVarianceRatio: explained[j],
                             positiveTerms: positive, negativeTerms: negative, articles: articles, stories: stories)
            }
        }
        return Topics(topics: labelled.flatMap { $0 }, articleVectors: vectors, totalVariance: total)
    }

    /// The `count` indices in `0..<n` with the largest `value`, descending; ties by smaller index.
    static func top(_ count: Int, of n: Int, _ value: (Int) -> Double) -> [(Int, Double)] {
        var best: [(Int, Double)] = []
        best.reserveCapacity(count + 1)
        if count <= 0 { return best }
        for i in 0..<n {
            let v = value(i)
            if best.count == count, let last = best.last, !(v > last.1) { continue }
            var p = best.count
            while p > 0 && v > best[p - 1].1 { p -= 1 }
            best.insert((i, v), at: p)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
