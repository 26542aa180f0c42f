import LinearAlgebra

/// One tokenization pass per article, in parallel, producing `AnalyzedCorpus`.
public struct TextAnalyzer: Sendable {
    public var stopWords: Bool
    public var titleWeight: Int
    public var shingleSize: Int
    public var tokenizer = Tokenizer()

    /// TF-IDF term counts follow `tfidf.stopWords` and `tfidf.titleWeight`; shingles are
    /// `shingleSize` consecutive tokens (stop words included) of the headline and of the body,
    /// never spanning the two.
    public init(tfidf: TFIDFConfiguration, shingleSize: Int) {
        self.stopWords = tfidf.stopWords
        self.titleWeight = tfidf.titleWeight
        self.shingleSize = shingleSize
    }

    private struct Chunk {
        var localTerms: [String] = []
        var termStart: [Int] = [0]
        var termIDs: [Int32] = []
        var termCounts: [Float] = []
        var shingleStart: [Int] = [0]
        var shingles: [UInt64] = []
        var tokenCounts: [Int32] = []
    }

    public func analyze(_ articles: [Article]) -> AnalyzedCorpus {
        let n = articles.count
        let chunks = Parallel.mapChunks(n, chunks: max(1, min(n, Parallel.threads * 4))) { range in
            analyzeChunk(articles, range)
        }
        // Merge chunk-local vocabularies into one, in chunk order (deterministic).
        var global: [String: Int32] = [:]
        var terms: [String] = []
        var out = AnalyzedCorpus(terms: [], termStart: [0], termIDs: [], termCounts: [],
                                 shingleStart: [0], shingles: [], tokenCounts: [])
        out.termStart.reserveCapacity(n + 1)
        out.shingleStart.reserveCapacity(n + 1)
        for chunk in chunks {
            var map = [Int32](repeating: 0, count: chunk.localTerms.count)
            for (i, t) in chunk.localTerms.enumerated() {
                if let g = global[t] { map[i] = g } else {
                    let g = Int32(terms.count)
                    global[t] = g
                    terms.append(t)
                    map[i] = g
                }
            }
            for d in 0..<(chunk.termStart.count - 1) {
                let lo = chunk.termStart[d], hi = chunk.termStart[d + 1]
                var pairs = (lo..<hi).map { (map[Int(chunk.termIDs[$0])], chunk.termCounts[$0]) }
                pairs.sort { $0.0 < $1.0 }
                for (t, c) in pairs { out.termIDs.append(t); out.termCounts.append(c) }
                out.termStart.append(out.termIDs.count)
            }
            let base = out.shingles.count
            out.shingles.append(contentsOf: chunk.shingles)
            for s in chunk.shingleStart.dropFirst() { out.shingleStart.append(base + s) }
            out.tokenCounts.append(contentsOf: chunk.tokenCounts)
        }
        out.terms = terms
        return out
    }

    private func analyzeChunk(_ articles: [Article], _ range: Range<Int>) -> Chunk {
        var chunk = Chunk()
        var local: [String: Int32] = [:]
        var counts: [Float] = []
        var touched: [Int32] = []
        var window: [String] = []
        var hashes: [UInt64] = []
        let k = max(1, shingleSize)
        let stop = stopWords ? StopWords.english : []

        func count(_ token: String, weight: Float) {
            if stop.contains(token) { return }
            let id: Int32
            if let existing = local[token] { id = existing } else {
                id = Int32(chunk.localTerms.count)
                local[token] = id
                chunk.localTerms.append(token)
                counts.append(0)
            }
            if counts[Int(id)] == 0 { touched.append(id) }
            counts[Int(id)] += weight
        }

        for index in range {
            let article = articles[index]
            window.removeAll(keepingCapacity: true)
            hashes.removeAll(keepingCapacity: true)
            // The headline is its own shingle segment: for copies whose body was cut to almost
            // nothing, the (lightly edited) headline is the remaining evidence.
            let w = Float(titleWeight)
            tokenizer.forEachToken(in: article.title) { token in
                if titleWeight > 0 { count(token, weight: w) }
                window.append(token)
                if window.count > k { window.removeFirst() }
                if window.count == k { hashes.append(ShingleHash.hash(tokens: window)) }
            }
            if hashes.isEmpty && !window.isEmpty { hashes.append(ShingleHash.hash(tokens: window)) }
            let titleShingles = hashes.count
            window.removeAll(keepingCapacity: true)
            var tokens: Int32 = 0
            tokenizer.forEachToken(in: article.text) { token in
                count(token, weight: 1)
                tokens += 1
                window.append(token)
                if window.count > k { window.removeFirst() }
                if window.count == k { hashes.append(ShingleHash.hash(tokens: window)) }
            }
            if hashes.count == titleShingles && !window.isEmpty {
                // Shorter than one shingle: the whole text is the only shingle.
                hashes.append(ShingleHash.hash(tokens: window))
            }
            for id in touched {
                chunk.termIDs.append(id)
                chunk.termCounts.append(counts[Int(id)])
                counts[Int(id)] = 0
            }
            touched.removeAll(keepingCapacity: true)
            chunk.termStart.append(chunk.termIDs.count)
            hashes.sort()
            var last: UInt64? = nil
            for h in hashes where h != last { chunk.shingles.append(h); last = h }
            chunk.shingleStart.append(chunk.shingles.count)
            chunk.tokenCounts.append(tokens)
        }
        return chunk
    }
}
