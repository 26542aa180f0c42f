import LinearAlgebra

/// Tokenizes articles, in parallel, into shingle sets (for copy detection) and TF-IDF term
/// counts. Two passes: shingles first, so that the outlet boilerplate they reveal can be kept
/// out of the term counts of the second.
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

    /// Both passes; body tokens covered by a shingle in `boilerplate` (sorted) are left out of
    /// the term counts.
    public func analyze(_ articles: [Article], boilerplate: [UInt64] = []) -> AnalyzedCorpus {
        let s = shingles(articles)
        return terms(articles, shingles: s, boilerplate: boilerplate)
    }

    // MARK: - Pass 1: shingles

    public func shingles(_ articles: [Article]) -> AnalyzedCorpus {
        let n = articles.count
        let k = max(1, shingleSize)
        let chunks = Parallel.mapChunks(n, chunks: max(1, min(n, Parallel.threads * 4))) { range -> ([Int], [UInt64], [Int32]) in
            var start: [Int] = []
            var out: [UInt64] = []
            var tokenCounts: [Int32] = []
            var hashes: [UInt64] = []
            var window = ShingleWindow(size: k)
            for index in range {
                let article = articles[index]
                hashes.removeAll(keepingCapacity: true)
                // The headline is its own shingle segment: for copies whose body was cut to
                // almost nothing, the (lightly edited) headline is the remaining evidence.
                window.reset()
                tokenizer.forEachToken(in: TextNormalizer.foldQuotesAndDashes(article.title)) { if let h = window.push($0) { hashes.append(h) } }
                if hashes.isEmpty, let h = window.partial() { hashes.append(h) }
                let titleCount = hashes.count
                window.reset()
                var tokens: Int32 = 0
                tokenizer.forEachToken(in: article.text) { token in
                    tokens += 1
                    if let h = window.push(token) { hashes.append(h) }
                }
                if hashes.count == titleCount, let h = window.partial() { hashes.append(h) }
                hashes.sort()
                var last: UInt64? = nil
                for h in hashes where h != last { out.append(h); last = h }
                start.append(out.count)
                tokenCounts.append(tokens)
            }
            return (start, out, tokenCounts)
        }
        var result = AnalyzedCorpus(terms: [], termStart: [0], termIDs: [], termCounts: [],
                                    shingleStart: [0], shingles: [], tokenCounts: [])
        result.shingleStart.reserveCapacity(n + 1)
        for (start, hashes, counts) in chunks {
            let base = result.shingles.count
            result.shingles.append(contentsOf: hashes)
            for s in start { result.shingleStart.append(base + s) }
            result.tokenCounts.append(contentsOf: counts)
        }
        result.termStart = [Int](repeating: 0, count: n + 1)
        return result
    }

    // MARK: - Pass 2: term counts

    private struct Chunk {
        var localTerms: [String] = []
        var termStart: [Int] = []
        var termIDs: [Int32] = []
        var termCounts: [Float] = []
    }

    /// Fills the term counts of `shingles` (the result of pass 1).
    public func terms(_ articles: [Article], shingles: AnalyzedCorpus, boilerplate: [UInt64]) -> AnalyzedCorpus {
        let n = articles.count
        let chunks = Parallel.mapChunks(n, chunks: max(1, min(n, Parallel.threads * 4))) { range in
            countChunk(articles, range, boilerplate: boilerplate)
        }
        // Merge chunk-local vocabularies into one, in chunk order (deterministic).
        var global: [String: Int32] = [:]
        var terms: [String] = []
        var out = shingles
        out.termStart = [0]
        out.termStart.reserveCapacity(n + 1)
        out.termIDs = []
        out.termCounts = []
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
            var lo = 0
            for hi in chunk.termStart {
                var pairs = (lo..<hi).map { (map[Int(chunk.termIDs[$0])], chunk.termCounts[$0]) }
                pairs.sort { $0.0 < $1.0 }
                for (t, c) in pairs { out.termIDs.append(t); out.termCounts.append(c) }
                out.termStart.append(out.termIDs.count)
                lo = hi
            }
        }
        out.terms = terms
        return out
    }

    private func countChunk(_ articles: [Article], _ range: Range<Int>, boilerplate boilerplateList: [UInt64]) -> Chunk {
        let boilerplate = Set(boilerplateList)
        var chunk = Chunk()
        var local: [String: Int32] = [:]
        var counts: [Float] = []
        var touched: [Int32] = []
        var bodyTokens: [String] = []
        var masked: [Bool] = []
        var window = ShingleWindow(size: max(1, shingleSize))
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
            if titleWeight > 0 {
                let w = Float(titleWeight)
                tokenizer.forEachToken(in: TextNormalizer.foldQuotesAndDashes(article.title)) { count($0, weight: w) }
            }
            if boilerplate.isEmpty {
                tokenizer.forEachToken(in: article.text) { count($0, weight: 1) }
            } else {
                bodyTokens.removeAll(keepingCapacity: true)
                masked.removeAll(keepingCapacity: true)
                window.reset()
                let k = window.size
                tokenizer.forEachToken(in: article.text) { token in
                    bodyTokens.append(token)
                    masked.append(false)
                    if let h = window.push(token), boilerplate.contains(h) {
                        for p in (bodyTokens.count - k)..<bodyTokens.count { masked[p] = true }
                    }
                }
                for (token, isMasked) in zip(bodyTokens, masked) where !isMasked { count(token, weight: 1) }
            }
            for id in touched {
                chunk.termIDs.append(id)
                chunk.termCounts.append(counts[Int(id)])
                counts[Int(id)] = 0
            }
            touched.removeAll(keepingCapacity: true)
            chunk.termStart.append(chunk.termIDs.count)
        }
        return chunk
    }
}

/// The last `size` tokens, and the fixed hash of them once there are that many.
struct ShingleWindow {
    let size: Int
    private var tokens: [String] = []

    init(size: Int) { self.size = size }

    mutating func reset() { tokens.removeAll(keepingCapacity: true) }

    /// Adds a token; returns the hash of the full window, if full.
    mutating func push(_ token: String) -> UInt64? {
        tokens.append(token)
        if tokens.count > size { tokens.removeFirst() }
        return tokens.count == size ? ShingleHash.hash(tokens: tokens) : nil
    }

    /// The hash of a segment shorter than one shingle (its only shingle), or nil when empty.
    func partial() -> UInt64? {
        tokens.isEmpty || tokens.count == size ? nil : ShingleHash.hash(tokens: tokens)
    }
}
