import Dispatch
import Foundation
import LinearAlgebra
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tokenizes articles, in parallel, into shingle sets (for copy detection) and TF-IDF term
/// counts. Two passes, so that the outlet boilerplate the shingles reveal can be kept out of
/// the term counts:
/// 1. `tokenize`: each chunk of articles interns its tokens into a chunk-local vocabulary (an
///    open-addressing table over the token bytes: no `String` per token), keeps the token-id
///    stream, and hashes the shingles of headline and body.
/// 2. `terms`: counts the terms of each article from its token ids, leaving out stop words and
///    body tokens covered by a boilerplate shingle, then frees the chunk's token stream.
/// Memory between the passes: 4 bytes per token plus the shingle sets.
public struct TextAnalyzer: Sendable {
    public var stopWords: Bool
    public var titleWeight: Int
    public var shingleSize: Int
    public var tokenizer = Tokenizer()

    /// Articles per chunk: small enough that token streams are freed progressively.
    static let chunkArticles = 2048

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
    public func analyze(_ articles: [Article], boilerplate: [UInt32] = []) -> AnalyzedCorpus {
        terms(tokenize(articles), boilerplate: boilerplate)
    }

    /// One article's full shingle-key set, ascending (for explaining a pair).
    public func shingleKeys(of article: Article) -> [UInt32] {
        let t = tokenize(count: 1) { _ in article }
        return Array(t.analyzed.shingles)
    }

    // MARK: - Pass 1: tokens and shingles

    /// Pass 1. The result's `shingles` are final; its term fields are filled by `terms`.
    public func tokenize(_ articles: [Article]) -> TokenizedCorpus {
        tokenize(count: articles.count) { articles[$0] }
    }

    /// Pass 1 over articles given by index (so callers can stream or drop text as they go).
    public func tokenize(count n: Int, article: (Int) -> Article) -> TokenizedCorpus {
        var stream = TokenStream(analyzer: self)
        stream.add(count: n, article: article)
        return stream.finish()
    }

    /// Pass 1 over a stream of article batches: `add` each batch as it is read, then `finish`.
    /// Chunks never span batches; the result does not depend on where batches end.
    public struct TokenStream: Sendable {
        let analyzer: TextAnalyzer
        var chunks: [TokenChunk] = []
        var count = 0
        /// Batches being tokenized on threads of their own, oldest first (at most
        /// `batchesInFlight`): a batch's chunks start while the previous batch's last chunk is
        /// still running and while the reader parses the next batch, so no core waits at the
        /// end of each batch for the slowest of its chunks.
        var inFlight: [BackgroundValue<[TokenChunk]>] = []
        static let batchesInFlight = 2

        public init(analyzer: TextAnalyzer) { self.analyzer = analyzer }

        /// Tokenizes `n` more articles (in parallel chunks); `article(i)` gives the i-th of them.
        public mutating func add(count n: Int, article: (Int) -> Article) {
            add(count: n) { i -> (title: String, text: String) in
                let a = article(i)
                return (a.title, a.text)
            }
        }

        /// `add(count:article:)` given only what pass 1 reads of each article, its headline and
        /// text: a caller that owns the articles can hand these over without copying the whole
        /// `Article` (its six strings retained and released again).
        public mutating func add(count n: Int, texts: (Int) -> (title: String, text: String)) {
            count += n
            if Parallel.threads <= 1 || n == 0 {
                chunks.append(contentsOf: analyzer.tokenChunks(count: n, texts: texts))
                return
            }
            // The batch's texts are taken now: the caller's storage is its own again on return.
            let batch = (0..<n).map(texts)
            let analyzer = self.analyzer
            inFlight.append(BackgroundValue { analyzer.tokenChunks(count: batch.count) { batch[$0] } })
            while inFlight.count > Self.batchesInFlight { chunks.append(contentsOf: inFlight.removeFirst().value()) }
        }

        /// Hands the chunks over and leaves the stream empty. (A `consuming` method called on a
        /// variable a closure captures copies the value and leaves the original alive: the whole
        /// night's token streams stayed referenced, and each chunk edit below copied them.)
        public mutating func finish() -> TokenizedCorpus {
            for batch in inFlight { chunks.append(contentsOf: batch.value()) }
            inFlight = []
            var taken: [TokenChunk] = []
            swap(&taken, &chunks)
            let n = count
            count = 0
            return TextAnalyzer.assemble(taken, count: n)
        }
    }

    func tokenChunks(count n: Int, texts: (Int) -> (title: String, text: String)) -> [TokenChunk] {
        if n == 0 { return [] }
        let k = max(1, shingleSize)
        let chunkCount = max(1, (n + Self.chunkArticles - 1) / Self.chunkArticles)
        let stop = StopWordSet(stopWords ? StopWords.english : [])
        return Parallel.mapChunks(n, chunks: chunkCount) { range -> TokenChunk in
            var builder = ChunkBuilder(range: range)
            defer { builder.release() }
            var hashes: [UInt32] = [], scratch: [UInt32] = []
            for index in range {
                let a = texts(index)
                hashes.removeAll(keepingCapacity: true)
                // The headline is its own shingle segment: for copies whose body was cut to
                // almost nothing, the (lightly edited) headline is the remaining evidence.
                // Each segment's shingles are hashed as soon as it is tokenized, from its bytes
                // (`lastTextKeys`), while they are in cache.
                let titleStart = builder.tokenCount
                builder.add(TextNormalizer.foldQuotesAndDashes(a.title), tokenizer: tokenizer, stop: stop, body: false)
                let bodyStart = builder.tokenCount
                builder.lastTextKeys(size: k, from: titleStart, into: &hashes)
                builder.add(a.text, tokenizer: tokenizer, stop: stop, body: true)
                let end = builder.tokenCount
                builder.lastTextKeys(size: k, from: bodyStart, into: &hashes)
                KeySort.sortUniform(&hashes, scratch: &scratch)
                hashes.withUnsafeBufferPointer { builder.appendShingles(sorted: $0) }
                builder.chunk.bodyStart.append(Int32(bodyStart))
                builder.chunk.tokenEnd.append(Int32(end))
                builder.chunk.tokenCounts.append(Int32(end - bodyStart))
            }
            return builder.finish()
        }
    }

    /// Joins the chunks' shingle sets into one array, freeing each chunk's copy as it goes. The
    /// copies run in parallel over chunks, each into its own place (the array's fresh pages are
    /// faulted in on both cores: one thread alone made this a serial step of the read stage).
    static func assemble(_ chunkList: consuming [TokenChunk], count n: Int) -> TokenizedCorpus {
        var chunks = chunkList
        var result = AnalyzedCorpus(terms: [], termStart: [Int](repeating: 0, count: n + 1), termIDs: [], termCounts: [],
                                    shingleStart: [0], shingles: [], tokenCounts: [])
        var base = [0]
        for c in chunks { base.append(base[base.count - 1] + c.shingles.count) }
        let total = base[chunks.count]
        result.shingleStart.reserveCapacity(n + 1)
        result.tokenCounts.reserveCapacity(n)
        for c in chunks.indices {
            for s in chunks[c].shingleEnd { result.shingleStart.append(base[c] + s) }
            result.tokenCounts.append(contentsOf: chunks[c].tokenCounts)
            chunks[c].shingleEnd = []
            chunks[c].tokenCounts = []
        }
        result.shingles = [UInt32](unsafeUninitializedCapacity: total) { out, written in
            let target = SharedMutableBuffer(out)
            chunks.withUnsafeMutableBufferPointer { buffer in
                let shared = SharedMutableBuffer(buffer)
                Parallel.forEachChunk(buffer.count, minimumChunk: 1) { range in
                    for c in range {
                        shared[c].shingles.withUnsafeBufferPointer { from in
                            if let source = from.baseAddress { (target.base + base[c]).initialize(from: source, count: from.count) }
                        }
                        shared[c].shingles = TokenStorage()
                    }
                }
            }
            written = total
        }
        return TokenizedCorpus(analyzed: result, chunks: chunks)
    }

    // MARK: - Pass 2: term counts

    /// Pass 2: fills the term counts. Consumes the token streams.
    /// `hasBoilerplate[d]`: whether article d may have a boilerplate shingle (`KeptShingles`);
    /// the others' bodies are not shingled again. Empty: every article may.
    public func terms(_ tokenized: consuming TokenizedCorpus, boilerplate: [UInt32], hasBoilerplate: [Bool] = []) -> AnalyzedCorpus {
        var out = tokenized.analyzed
        var chunkList = tokenized.chunks
        tokenized.chunks = []
        let filter = ShingleFilter(boilerplate)
        // Each chunk's first article, over the whole corpus.
        var firstArticle = [0]
        for c in chunkList { firstArticle.append(firstArticle[firstArticle.count - 1] + c.range.count) }
        precondition(hasBoilerplate.isEmpty || hasBoilerplate.count == firstArticle[firstArticle.count - 1],
                     "terms: boilerplate flags for \(hasBoilerplate.count) articles")
        let k = max(1, shingleSize)
        let weight = Float(titleWeight)
        // Merge chunk-local vocabularies into one, in chunk order (first-seen order over the
        // corpus, whatever the chunking): a serial pass over each chunk's distinct terms only.
        // Found by the hashes the chunks computed in parallel: the serial part probes a table and
        // compares bytes only when the hashes match (a `[String: Int32]` hashed every chunk's
        // every term again here). With more than one thread the merge runs on a thread of its
        // own, each chunk as soon as it is counted, behind the counting rather than after it.
        let chunkCount = chunkList.count
        let slots = UnsafeMutablePointer<CountedChunk>.allocate(capacity: max(1, chunkCount))
        defer { slots.deallocate() }
        let countedSlots = SharedMutableBuffer(UnsafeMutableBufferPointer(start: slots, count: chunkCount))
        let ready = (0..<chunkCount).map { _ in DispatchSemaphore(value: 0) }
        let overlap = Parallel.threads > 1 && chunkCount > 1
        /// Chunk c's terms into the night's vocabulary (its local terms, hashes and cases then freed).
        @Sendable func merge(_ c: Int, into global: inout ByteInterner, cases: inout CaseTotals) -> [Int32] {
            let chunk = countedSlots.base + c
            var map = [Int32](repeating: 0, count: chunk.pointee.localTerms.count)
            for i in map.indices {
                var term = chunk.pointee.localTerms[i]
                map[i] = term.withUTF8 { global.id(of: $0, hash: UInt64(chunk.pointee.localHashes[i])) }
            }
            cases.add(chunk.pointee.cases, map: map)
            chunk.pointee.localTerms = []
            chunk.pointee.localHashes = []
            chunk.pointee.cases = CaseTally()
            return map
        }
        let merger = overlap ? BackgroundValue { () -> (ByteInterner, [[Int32]], CaseTotals) in
            var global = ByteInterner(), cases = CaseTotals()
            var maps: [[Int32]] = []
            maps.reserveCapacity(chunkCount)
            for c in 0..<chunkCount {
                ready[c].wait()
                maps.append(merge(c, into: &global, cases: &cases))
            }
            return (global, maps, cases)
        } : nil
        chunkList.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedMutableBuffer(buffer)
            if buffer.isEmpty { return }
            _ = Parallel.mapChunks(buffer.count, chunks: buffer.count) { range in
                for c in range {
                    (countedSlots.base + c).initialize(to: countChunk(
                        shared[c], boilerplate: filter, size: k, titleWeight: weight,
                        hasBoilerplate: hasBoilerplate.isEmpty ? nil : hasBoilerplate[firstArticle[c]..<firstArticle[c + 1]]))
                    shared[c] = TokenChunk(range: 0..<0)   // frees this chunk's tokens
                    ready[c].signal()
                }
            }
        }
        var global: ByteInterner, maps: [[Int32]], cases: CaseTotals
        if let merger {
            (global, maps, cases) = merger.value()
        } else {
            global = ByteInterner()
            cases = CaseTotals()
            maps = (0..<chunkCount).map { merge($0, into: &global, cases: &cases) }
        }
        var counted = Array(UnsafeMutableBufferPointer(start: slots, count: chunkCount))
        slots.deinitialize(count: chunkCount)
        var entryBase = [0], articleBase = [0]
        for c in counted.indices {
            entryBase.append(entryBase[c] + counted[c].termIDs.count)
            articleBase.append(articleBase[c] + counted[c].termEnd.count)
        }
        let terms = (0..<global.count).map(global.string)
        // Each term's place in byte order (the TF-IDF column order), and the term at each place.
        let rank = global.byteOrderRanks()
        var termAt = [Int32](repeating: 0, count: rank.count)
        for (t, r) in rank.enumerated() { termAt[Int(r)] = Int32(t) }
        global = ByteInterner()
        out.names = Self.names(counted, maps: maps, cases: cases, terms: terms)
        // Each article's entries, renumbered and sorted by the terms' byte order (so a TF-IDF row
        // needs no sort of its own), written in parallel over chunks into place; each chunk is
        // freed once written (no second full copy). The output pages are only touched as they
        // are written.
        let entries = entryBase[counted.count], articles = articleBase[counted.count]
        var termIDs = [Int32](unsafeUninitializedCapacity: entries) { _, c in c = entries }
        var termCounts = [Float](unsafeUninitializedCapacity: entries) { _, c in c = entries }
        var termStart = [Int](unsafeUninitializedCapacity: articles + 1) { b, c in b[0] = 0; c = articles + 1 }
        counted.withUnsafeMutableBufferPointer { chunkBuffer in
            let chunks = SharedMutableBuffer(chunkBuffer)
            termIDs.withUnsafeMutableBufferPointer { idBuffer in
                termCounts.withUnsafeMutableBufferPointer { countBuffer in
                    termStart.withUnsafeMutableBufferPointer { startBuffer in
                        let ids = SharedMutableBuffer(idBuffer), counts = SharedMutableBuffer(countBuffer)
                        let starts = SharedMutableBuffer(startBuffer)
                        Parallel.forEachChunk(chunkBuffer.count, minimumChunk: 1) { range in
                            // (rank, count) packed in one word, sorted by the rank (an article's
                            // terms are distinct): a radix sort of integers, not a comparison sort
                            // of pairs.
                            var packed: [UInt64] = [], scratch: [UInt64] = []
                            for c in range {
                                let chunk = chunks[c]
                                chunks[c] = CountedChunk()
                                let ranks = maps[c].map { rank[Int($0)] }
                                var w = entryBase[c], lo = 0
                                for (a, hi) in chunk.termEnd.enumerated() {
                                    packed.removeAll(keepingCapacity: true)
                                    for e in lo..<hi {
                                        packed.append(UInt64(UInt32(bitPattern: ranks[Int(chunk.termIDs[e])])) << 32
                                                      | UInt64(chunk.termCounts[e].bitPattern))
                                    }
                                    KeySort.sort(&packed, scratch: &scratch, fromByte: 4)
                                    for x in packed {
                                        ids[w] = termAt[Int(x >> 32)]
                                        counts[w] = Float(bitPattern: UInt32(truncatingIfNeeded: x))
                                        w += 1
                                    }
                                    starts[articleBase[c] + a + 1] = w
                                    lo = hi
                                }
                            }
                        }
                    }
                }
            }
        }
        out.termIDs = termIDs
        out.termCounts = termCounts
        out.termStart = termStart
        out.terms = terms
        out.termRank = rank
        return out
    }

    struct CountedChunk {
        var localTerms: [String] = []
        /// `TokenVocabulary.hash` of each local term (its low 32 bits: every chunk keeps these
        /// until the merge, 4 bytes a term), computed in parallel for the serial merge.
        var localHashes: [UInt32] = []
        var termEnd: [Int] = []
        var termIDs: [Int32] = []
        var termCounts: [Float] = []
        /// `TokenChunk.cases` and `capitalised` renumbered to local terms (ids never counted,
        /// such as stop words, left out).
        var cases = CaseTally()
        var capitalised: [Int32] = []
        var capitalisedEnd: [Int] = []
    }

    /// Each article's names (`ArticleNames`): its capitalised terms that the night's counts
    /// make names, as global ids, ascending. Parallel over chunks.
    static func names(_ counted: [CountedChunk], maps: [[Int32]], cases: CaseTotals, terms: [String]) -> ArticleNames {
        var isName = [Bool](repeating: false, count: terms.count)
        for g in 0..<min(terms.count, cases.lowercase.count) where cases.midSentenceCapitalised[g] > 0 {
            isName[g] = ArticleNames.isName(terms[g], midSentenceCapitalised: cases.midSentenceCapitalised[g],
                                            phraseInitial: cases.phraseInitial[g], lowercase: cases.lowercase[g])
        }
        let parts = Parallel.mapChunks(counted.count, chunks: counted.count) { range -> (ids: [Int32], ends: [Int]) in
            var ids: [Int32] = [], ends: [Int] = []
            for c in range {
                let chunk = counted[c], map = maps[c]
                var lo = 0
                for hi in chunk.capitalisedEnd {
                    let first = ids.count
                    for t in chunk.capitalised[lo..<hi] where isName[Int(map[Int(t)])] { ids.append(map[Int(t)]) }
                    ids[first...].sort()
                    ends.append(ids.count)
                    lo = hi
                }
            }
            return (ids, ends)
        }
        var names = ArticleNames()
        for part in parts {
            let base = names.ids.count
            names.ids.append(contentsOf: part.ids)
            for e in part.ends { names.start.append(base + e) }
        }
        return names
    }

    private func countChunk(_ chunk: TokenChunk, boilerplate: ShingleFilter, size k: Int, titleWeight: Float,
                            hasBoilerplate: ArraySlice<Bool>?) -> CountedChunk {
        var counter = TermCounter(vocabulary: chunk.vocabulary)
        defer { counter.release() }
        // An article has at most as many distinct terms as tokens: room for the chunk's entries
        // at once, so the two arrays are not doubled and copied (each copy mapped and faulted in
        // afresh when freed memory goes back to the system); pages never written cost nothing.
        counter.out.termIDs.reserveCapacity(chunk.tokens.count)
        counter.out.termCounts.reserveCapacity(chunk.tokens.count)
        counter.out.termEnd.reserveCapacity(chunk.range.count)
        counter.out.capitalisedEnd.reserveCapacity(chunk.range.count)
        var masked: [Bool] = []
        var hashes: [UInt32] = [], capitalised: [UInt32] = [], sortScratch: [UInt32] = []
        chunk.tokens.withUnsafeBufferPointer { tokens in
            var start = 0
            for a in 0..<chunk.range.count {
                let bodyStart = Int(chunk.bodyStart[a]), end = Int(chunk.tokenEnd[a])
                capitalised.removeAll(keepingCapacity: true)
                for p in start..<bodyStart where tokens[p] & TokenChunk.capitalisedBit != 0 { capitalised.append(tokens[p] & TokenChunk.idMask) }
                if titleWeight > 0 { for p in start..<bodyStart { counter.count(tokens[p] & TokenChunk.idMask, titleWeight) } }
                let body = tokens[bodyStart..<end]
                var anyMasked = false
                // An article without a boilerplate shingle in its set has none in its body.
                let mayHave = hasBoilerplate.map { $0[$0.startIndex + a] } ?? true
                if !boilerplate.isEmpty && body.count >= k && mayHave {
                    hashes.removeAll(keepingCapacity: true)
                    chunk.vocabulary.shingles(body, size: k, into: &hashes)
                    for (s, h) in hashes.enumerated() where boilerplate.contains(h) {
                        if !anyMasked {
                            // Cleared only for an article with a boilerplate shingle.
                            masked.removeAll(keepingCapacity: true)
                            masked.append(contentsOf: repeatElement(false, count: body.count))
                            anyMasked = true
                        }
                        for p in s..<(s + k) { masked[p] = true }
                    }
                }
                if anyMasked {
                    for (i, v) in body.enumerated() where !masked[i] {
                        if v & TokenChunk.capitalisedBit != 0 { capitalised.append(v & TokenChunk.idMask) }
                        counter.count(v & TokenChunk.idMask, 1)
                    }
                } else {
                    for v in body {
                        if v & TokenChunk.capitalisedBit != 0 { capitalised.append(v & TokenChunk.idMask) }
                        counter.count(v & TokenChunk.idMask, 1)
                    }
                }
                counter.endArticle()
                // Capitalised outside boilerplate: the candidates for names, as local terms.
                KeySort.sort(&capitalised, scratch: &sortScratch)
                var previous: UInt32? = nil
                for v in capitalised where v != previous {
                    previous = v
                    if counter.termOf[Int(v)] >= 0 { counter.out.capitalised.append(counter.termOf[Int(v)]) }
                }
                counter.out.capitalisedEnd.append(counter.out.capitalised.count)
                start = end
            }
        }
        var out = counter.out
        out.cases = chunk.cases.renumbered(UnsafePointer(counter.termOf), count: out.localTerms.count)
        return out
    }
}

/// Pass 2's per-chunk state, a value passed `inout` (no closure captures, so no boxed state or
/// dynamic exclusivity checks per token). Its per-token tables are raw memory sized once for
/// the chunk's vocabulary (a chunk has at most that many terms, an article at most that many
/// distinct ones): no bounds, uniqueness or capacity checks per token. `release()` frees them.
private struct TermCounter {
    let vocabulary: TokenVocabulary
    var out = TextAnalyzer.CountedChunk()
    /// Vocabulary id -> local term; -1 not seen yet, -2 a stop word.
    let termOf: UnsafeMutablePointer<Int32>
    /// Vocabulary id -> its count in the current article, and the ids counted in it so far
    /// (both by vocabulary id, not local term: the two loads per token do not wait on each other).
    let counts: UnsafeMutablePointer<Float>
    let touched: UnsafeMutablePointer<UInt32>
    var touchedCount = 0
    var termCount = 0

    init(vocabulary: TokenVocabulary) {
        self.vocabulary = vocabulary
        let n = max(1, vocabulary.count)
        termOf = .allocate(capacity: n)
        counts = .allocate(capacity: n)
        touched = .allocate(capacity: n)
        vocabulary.isStop.withUnsafeBufferPointer { stop in
            for v in 0..<stop.count { termOf[v] = stop[v] ? -2 : -1 }
        }
    }

    func release() {
        termOf.deallocate()
        counts.deallocate()
        touched.deallocate()
    }

    @inline(__always) mutating func count(_ v: UInt32, _ weight: Float) {
        let i = Int(v)
        let t = termOf[i]
        if t < 0 {
            if t == -2 { return }
            termOf[i] = Int32(termCount)
            termCount += 1
            out.localTerms.append(vocabulary.string(v))
            out.localHashes.append(UInt32(truncatingIfNeeded: vocabulary.hash(v)))
            counts[i] = 0
        }
        if counts[i] == 0 { touched[touchedCount] = v; touchedCount += 1 }
        counts[i] += weight
    }

    mutating func endArticle() {
        for k in 0..<touchedCount {
            let i = Int(touched[k])
            out.termIDs.append(termOf[i])
            out.termCounts.append(counts[i])
            counts[i] = 0
        }
        touchedCount = 0
        out.termEnd.append(out.termIDs.count)
    }
}

/// Pass 1's per-chunk state, a value passed `inout` like `TermCounter`: the token stream is raw
/// memory (copied to an array of exactly its size at the end, as the array's growth slack was
/// trimmed before), so appending a token checks no uniqueness or capacity. A text is tokenized
/// whole into `text` (`Tokenizer.tokenize`, no call per token) before any of its tokens is
/// looked up: the lookups, many of them cache misses in a table of a chunk's tens of thousands
/// of distinct tokens, then follow one another with little in between, so the processor
/// overlaps them.
private struct ChunkBuilder {
    var chunk: TokenChunk
    private(set) var tokens: UnsafeMutablePointer<UInt32>
    private(set) var tokenCount = 0
    private var tokenCapacity: Int
    private var text = TokenBuffer()
    /// The text's table keys and the hints `TokenVocabulary.firstSlots` reads for them.
    private var keys: UnsafeMutablePointer<TokenVocabulary.Key>
    private var hints: UnsafeMutablePointer<UInt64>
    private var keyCapacity = 1024
    /// The chunk's shingle sets so far (`appendShingles`), moved to `chunk.shingles` by `finish`.
    private var shingles: UnsafeMutablePointer<UInt32>
    private var shingleCount = 0
    private var shingleCapacity: Int

    init(range: Range<Int>) {
        chunk = TokenChunk(range: range)
        // About 28 distinct tokens per article in a chunk of a thousand news articles (32k in
        // the synthetic night's chunks of 1,150).
        chunk.vocabulary = TokenVocabulary(expectedTokens: range.count * 28)
        // Room for long articles (news runs 400-600 tokens; the synthetic corpus 505), so the
        // stream is not doubled and copied part-way.
        tokenCapacity = max(1024, range.count * 640)
        tokens = TokenStorage.allocate(tokenCapacity)
        keys = .allocate(capacity: keyCapacity)
        hints = .allocate(capacity: keyCapacity)
        // An article has about as many distinct shingles as tokens: the same room, so the
        // buffer is not doubled (1, 2, 4 MiB, each one mapped and faulted in) on the way.
        shingleCapacity = tokenCapacity
        shingles = TokenStorage.allocate(shingleCapacity)
    }

    /// Appends the tokens of `text` to the stream; body tokens also count in `chunk.cases`.
    mutating func add(_ string: String, tokenizer: Tokenizer, stop: StopWordSet, body: Bool) {
        tokenizer.tokenize(string, into: &text)
        let n = text.count
        if n == 0 { return }
        if tokenCount + n > tokenCapacity {
            let grown = max(2 * tokenCapacity, tokenCount + n)
            tokens = TokenStorage.reallocate(tokens, grown)
            tokenCapacity = grown
        }
        if n > keyCapacity {
            keys.deallocate()
            hints.deallocate()
            keyCapacity = max(n, 2 * keyCapacity)
            keys = .allocate(capacity: keyCapacity)
            hints = .allocate(capacity: keyCapacity)
        }
        var lo = 0
        for t in 0..<n {
            let hi = Int(text.ends[t])
            (keys + t).initialize(to: TokenVocabulary.Key(UnsafeBufferPointer(start: text.bytes + lo, count: hi - lo)))
            lo = hi
        }
        let generation = chunk.vocabulary.generation
        chunk.vocabulary.firstSlots(keys, count: n, into: hints)
        let first = tokenCount
        var maxID: UInt32 = 0
        lo = 0
        for t in 0..<n {
            let hi = Int(text.ends[t])
            let bytes = UnsafeBufferPointer(start: text.bytes + lo, count: hi - lo)
            let id = chunk.vocabulary.intern(bytes, key: keys[t], stop: stop, hint: hints[t], hintGeneration: generation)
            maxID = max(maxID, id)
            tokens[tokenCount] = text.flags[t].contains(.capitalised) ? id | TokenChunk.capitalisedBit : id
            tokenCount += 1
            lo = hi
        }
        if body {
            // How each id is written: the tallies cover ids up to the largest recorded.
            chunk.cases.cover(Int(maxID) + 1)
            chunk.cases.lowercase.withUnsafeMutableBufferPointer { lower in
                chunk.cases.midSentenceCapitalised.withUnsafeMutableBufferPointer { mid in
                    chunk.cases.phraseInitial.withUnsafeMutableBufferPointer { initial in
                        for t in 0..<n {
                            let i = Int(tokens[first + t] & TokenChunk.idMask), c = text.flags[t]
                            if c.contains(.lowercase) {
                                if lower[i] < .max { lower[i] += 1 }
                            } else if c.contains(.capitalised) && !c.contains(.sentenceStart) {
                                if mid[i] < .max { mid[i] += 1 }
                                if !c.contains(.afterCapital) && initial[i] < .max { initial[i] += 1 }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Ends the article's shingle set: appends `sorted` (ascending) without repeats.
    mutating func appendShingles(sorted h: UnsafeBufferPointer<UInt32>) {
        if shingleCount + h.count > shingleCapacity {
            shingleCapacity = max(2 * shingleCapacity, shingleCount + h.count)
            shingles = TokenStorage.reallocate(shingles, shingleCapacity)
        }
        if var last = h.first {
            shingles[shingleCount] = last
            shingleCount += 1
            for x in h.dropFirst() where x != last {
                shingles[shingleCount] = x
                shingleCount += 1
                last = x
            }
        }
        chunk.shingleEnd.append(shingleCount)
    }

    /// Appends the size-`k` shingle keys of the text the last `add` took, whose tokens are the
    /// stream's from `first` on: `TokenVocabulary.shingles` of those tokens. For size 3 they are
    /// hashed from the text's own token bytes, back to back in `text` and still in cache
    /// (`TokenVocabulary.shingles3(bytes:ends:count:into:)`), not looked up by id in the arena.
    func lastTextShingles(size k: Int, from first: Int, into out: inout [UInt32]) {
        if k == 3 && text.count == tokenCount - first {
            TokenVocabulary.shingles3(bytes: text.bytes, ends: text.ends, count: text.count, into: &out)
        } else {
            let t = UnsafeBufferPointer(start: tokens, count: tokenCount)
            chunk.vocabulary.shingles(t[first..<tokenCount], size: k, into: &out)
        }
    }

    /// `lastTextShingles`, or the text's partial key (`TokenVocabulary.partial`) when it has too
    /// few tokens for a shingle: a segment's keys.
    func lastTextKeys(size k: Int, from first: Int, into out: inout [UInt32]) {
        let before = out.count
        lastTextShingles(size: k, from: first, into: &out)
        if out.count == before {
            let t = UnsafeBufferPointer(start: tokens, count: tokenCount)
            chunk.vocabulary.partial(t[first..<tokenCount], into: &out)
        }
    }

    /// The chunk, its buffers trimmed to their size; the lookup table freed.
    mutating func finish() -> TokenChunk {
        chunk.vocabulary.finishInterning()
        // The growth slack trimmed in place (`realloc`), as the token stream's below.
        chunk.shingles = TokenStorage(adopting: TokenStorage.reallocate(shingles, shingleCount), count: shingleCount)
        shingles = TokenStorage.allocate(1)   // what `release()` frees
        // Shrunk in place (`realloc`), not copied: no second stream, no fresh pages to fault in.
        chunk.tokens = TokenStorage(adopting: TokenStorage.reallocate(tokens, tokenCount), count: tokenCount)
        tokens = TokenStorage.allocate(1)   // what `release()` frees
        return chunk
    }

    func release() {
        free(tokens)
        free(shingles)
        text.release()
        keys.deallocate()
        hints.deallocate()
    }
}

/// Stop words found by a token's table key and bytes (`TokenVocabulary.Key`), with no `String`
/// or `Hasher` per new token.
struct StopWordSet: Sendable {
    private var table = ByteInterner()
    let isEmpty: Bool

    init(_ words: Set<String>) {
        isEmpty = words.isEmpty
        for word in words.sorted() {
            var word = word
            _ = word.withUTF8 { table.id(of: $0, hash: TokenVocabulary.Key($0).hash) }
        }
    }

    func contains(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Bool {
        !isEmpty && table.find(bytes, hash: hash) != nil
    }
}

/// Pass 1's result: the final shingle sets and, per chunk of articles, the token streams that
/// pass 2 counts.
public struct TokenizedCorpus: Sendable {
    public var analyzed: AnalyzedCorpus
    var chunks: [TokenChunk]
}

/// One chunk's tokens: ids into its own vocabulary, headline then body for each article.
struct TokenChunk: Sendable {
    var range: Range<Int>
    var vocabulary = TokenVocabulary()
    var tokens = TokenStorage()
    /// Per article: where its body starts and its tokens end in `tokens` (its headline starts
    /// where the previous article's tokens end).
    var bodyStart: [Int32] = []
    var tokenEnd: [Int32] = []
    /// The articles' shingle sets one after another; article `a`'s ends at `shingleEnd[a]`.
    var shingles = TokenStorage()
    var shingleEnd: [Int] = []
    var tokenCounts: [Int32] = []
    /// How each vocabulary id is written in the bodies (for `ArticleNames`).
    var cases = CaseTally()

    /// Set in a `tokens` entry written capitalised; the id is the entry without it (`idMask`).
    static let capitalisedBit: UInt32 = 1 << 31
    static let idMask: UInt32 = ~capitalisedBit

    init(range: Range<Int>) { self.range = range }
}

/// A chunk's token stream or shingle sets (`TokenChunk.tokens`, `.shingles`) in `malloc`'d
/// memory, freed with its last reference: pass 1 writes it in place and shrinks it to its size
/// with `realloc` (an array of exactly its size was a copy of the whole stream into fresh
/// pages), then pass 2 reads the tokens and `assemble` the shingles.
final class TokenStorage: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt32>?
    let count: Int

    init() {
        base = nil
        count = 0
    }

    /// Takes over `base` (from `allocate` or `reallocate`), whose first `count` tokens are set.
    init(adopting base: UnsafeMutablePointer<UInt32>, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { free(base) }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt32>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Room for `capacity` tokens, to be freed with `free` (or adopted).
    static func allocate(_ capacity: Int) -> UnsafeMutablePointer<UInt32> {
        guard let raw = malloc(max(1, capacity) * MemoryLayout<UInt32>.stride) else { fatalError("out of memory") }
        return raw.bindMemory(to: UInt32.self, capacity: max(1, capacity))
    }

    /// `p` (from `allocate`) resized to `capacity` tokens, its first ones kept (in place when it
    /// shrinks).
    static func reallocate(_ p: UnsafeMutablePointer<UInt32>, _ capacity: Int) -> UnsafeMutablePointer<UInt32> {
        guard let raw = realloc(p, max(1, capacity) * MemoryLayout<UInt32>.stride) else { fatalError("out of memory") }
        return raw.bindMemory(to: UInt32.self, capacity: max(1, capacity))
    }
}

/// A chunk-local token vocabulary: token bytes in one arena, an open-addressing table from
/// bytes to id. Ids are dense, in first-seen order.
struct TokenVocabulary: Sendable {
    private(set) var arena: [UInt8] = []
    private(set) var offsets: [Int32] = [0]
    private(set) var isStop: [Bool] = []
    /// Two words per slot: the token's first 8 bytes (zero-padded), then its bytes 8..<11 and
    /// length (the low 32 bits, `TokenVocabulary.Key.rest`) and its id + 1 (the high 32 bits;
    /// 0: an empty slot). A token of up to 11 bytes, most of them, is found by comparing the slot
    /// alone: one cache line per lookup, not the slot, a tag, the offsets and the arena.
    private var table = [UInt64](repeating: 0, count: 2 << 12)
    /// Counts the table's growths: a slot read before a growth says nothing after it.
    private(set) var generation = 0

    var count: Int { isStop.count }

    init() {}

    /// A vocabulary whose table holds about `expectedTokens` distinct tokens (up to 64k) before
    /// it grows: a chunk's table no longer grows four times on the way there (each growth
    /// rehashes every token). Ids are first-seen order whatever the table's size.
    init(expectedTokens: Int) {
        var slots = table.count / 2
        while slots < 2 * expectedTokens && slots < 1 << 17 { slots *= 2 }
        if slots != table.count / 2 { table = TablePool.shared.take(count: 2 * slots) }
    }

    /// Gives the lookup table back once every token is interned (pass 2 reads strings and stop
    /// flags only): 16 bytes per slot, twice the chunk's distinct tokens, for each of a night's chunks.
    mutating func finishInterning() {
        TablePool.shared.give(&table)
    }

    /// Lookup tables kept for the next chunks. A table of a thousand articles is 1-2 MiB: for a
    /// large night (`Pipeline.MemoryPolicy.returnFreed`) each fresh one was mapped pages, faulted
    /// in and zeroed by the kernel once per chunk (at a million articles 0.4M page faults, about
    /// a second of system time); a kept one is zeroed in place. At most `limit` are kept, and
    /// only tables of chunks (`minimumCount` words and more: the default table is not worth it).
    final class TablePool: @unchecked Sendable {
        static let shared = TablePool()
        private let lock = NSLock()
        private var tables: [[UInt64]] = []
        private let limit = 8
        private let minimumCount = 1 << 16

        /// A table of `count` zeros: a kept one of that size, else a new one.
        func take(count: Int) -> [UInt64] {
            lock.lock()
            let kept = tables.lastIndex { $0.count == count }.map { tables.remove(at: $0) }
            lock.unlock()
            guard var table = kept else { return [UInt64](repeating: 0, count: count) }
            table.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            return table
        }

        /// Keeps `table` (when there is room) and leaves it empty.
        func give(_ table: inout [UInt64]) {
            let t = table
            table = []
            guard t.count >= minimumCount else { return }
            lock.lock()
            if tables.count < limit { tables.append(t) }
            lock.unlock()
        }
    }

    /// The table hash of token `id` (`Key.hash` of its bytes): the same for the same bytes in
    /// any chunk, so the chunks' terms can be merged by hash (`ByteInterner`).
    func hash(_ id: UInt32) -> UInt64 {
        let lo = Int(offsets[Int(id)]), hi = Int(offsets[Int(id) + 1])
        return arena.withUnsafeBufferPointer { Key(UnsafeBufferPointer(rebasing: $0[lo..<hi])).hash }
    }

    func string(_ id: UInt32) -> String {
        let lo = Int(offsets[Int(id)]), hi = Int(offsets[Int(id) + 1])
        return arena.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[lo..<hi]), as: UTF8.self) }
    }

    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, stopWords: Set<String>) -> UInt32 {
        intern(bytes, key: Key(bytes), stop: StopWordSet(stopWords))
    }

    /// For each of `count` keys, the second word (length, id) of the slot its probe starts at,
    /// 0 when empty: read for a whole text before any of its tokens is interned, so that the
    /// cache misses overlap (no branch waits on them), and the hints for `intern(_:key:stop:hint:)`.
    func firstSlots(_ keys: UnsafePointer<Key>, count: Int, into hints: UnsafeMutablePointer<UInt64>) {
        table.withUnsafeBufferPointer { t in
            let mask = t.count / 2 - 1
            for i in 0..<count { hints[i] = t[2 * (Int(truncatingIfNeeded: keys[i].hash) & mask) + 1] }
        }
    }

    /// `intern(_:key:stop:)` given `hint`, what `firstSlots` read for this key while the table
    /// was in `generation`: a filled slot never changes until the table grows, so when the hint
    /// holds this token's length word, its slot is compared without another probe.
    @inline(__always)
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, key: Key, stop: StopWordSet,
                         hint: UInt64, hintGeneration: Int) -> UInt32 {
        if hint != 0 && hintGeneration == generation && UInt32(truncatingIfNeeded: hint) == key.rest {
            let s = Int(truncatingIfNeeded: key.hash) & (table.count / 2 - 1)
            let id = Int(hint >> 32) - 1
            if table[2 * s] == key.head {
                let n = bytes.count
                if n <= Key.inline { return UInt32(id) }
                let lo = Int(offsets[id]), hi = Int(offsets[id + 1])
                if hi - lo == n && arena.withUnsafeBufferPointer({ memcmpEqual($0.baseAddress! + lo, bytes.baseAddress!, n) }) {
                    return UInt32(id)
                }
            }
        }
        return intern(bytes, key: key, stop: stop)
    }

    /// The id of the token with these bytes and this key (`Key(bytes)`), a new one when unseen.
    @inline(__always)
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, key: Key, stop: StopWordSet) -> UInt32 {
        let n = bytes.count
        let slotCount = table.count / 2
        var s = Int(truncatingIfNeeded: key.hash) & (slotCount - 1)
        let found: Int? = table.withUnsafeBufferPointer { t in
            while true {
                let meta = t[2 * s + 1]
                if meta == 0 { return nil }
                if t[2 * s] == key.head && UInt32(truncatingIfNeeded: meta) == key.rest {
                    let id = Int(meta >> 32) - 1
                    if n <= Key.inline { return id }
                    let lo = Int(offsets[id]), hi = Int(offsets[id + 1])
                    if hi - lo == n {
                        let same = arena.withUnsafeBufferPointer { a in
                            memcmpEqual(a.baseAddress! + lo, bytes.baseAddress!, n)
                        }
                        if same { return id }
                    }
                }
                s = (s + 1) & (slotCount - 1)
            }
        }
        if let found { return UInt32(found) }
        return insert(bytes, key: key, slot: s, stop: stop)
    }

    /// Adds an unseen token at the free slot `s` its probe ended on.
    @inline(never)
    private mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, key: Key, slot s: Int, stop: StopWordSet) -> UInt32 {
        let slotCount = table.count / 2
        let id = isStop.count
        arena.append(contentsOf: bytes)
        offsets.append(Int32(arena.count))
        isStop.append(stop.contains(bytes, hash: key.hash))
        table[2 * s] = key.head
        table[2 * s + 1] = UInt64(key.rest) | UInt64(id + 1) << 32
        if isStop.count * 2 > slotCount { grow() }
        return UInt32(id)
    }

    private mutating func grow() {
        let slotCount = table.count   // twice the slots
        var newTable = [UInt64](repeating: 0, count: 2 * slotCount)
        let mask = slotCount - 1
        arena.withUnsafeBufferPointer { a in
            for id in 0..<isStop.count {
                let lo = Int(offsets[id]), hi = Int(offsets[id + 1])
                let key = Key(UnsafeBufferPointer(rebasing: a[lo..<hi]))
                var s = Int(truncatingIfNeeded: key.hash) & mask
                while newTable[2 * s + 1] != 0 { s = (s + 1) & mask }
                newTable[2 * s] = key.head
                newTable[2 * s + 1] = UInt64(key.rest) | UInt64(id + 1) << 32
            }
        }
        table = newTable
        generation += 1
    }

    /// A token's table key: its first 8 bytes, its bytes 8..<11 with its length, and a hash of
    /// all its bytes (8 at a time, not byte by byte). Internal to the table: ids are first-seen
    /// order whatever the hash, so it changes no output.
    struct Key {
        /// Tokens of up to this many bytes are wholly in `head` and `rest`.
        static let inline = 11
        var head: UInt64
        var rest: UInt32
        var hash: UInt64

        @inline(__always)
        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            let n = bytes.count
            guard let p = bytes.baseAddress, n > 0 else {
                head = 0; rest = 0; hash = ShingleHash.mix(0x9E37_79B9_7F4A_7C15)
                return
            }
            head = Key.packed(p, min(n, 8))
            rest = (n > 8 ? UInt32(truncatingIfNeeded: Key.packed(p + 8, min(n - 8, 3))) : 0) | UInt32(min(n, 255)) << 24
            var h = head ^ (UInt64(rest) &* 0x9E37_79B9_7F4A_7C15)
            if n > Key.inline {
                let raw = UnsafeRawPointer(p)
                var i = Key.inline
                while i + 8 < n {
                    h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                    h ^= h >> 29
                    i += 8
                }
                h = (h ^ raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9   // overlaps: the tail
            }
            hash = ShingleHash.mix(h)
        }

        /// Bytes `p[0..<m]` (`m` at most 8) as a little-endian word, zero above; reads nothing past them.
        @inline(__always)
        static func packed(_ p: UnsafePointer<UInt8>, _ m: Int) -> UInt64 {
            let raw = UnsafeRawPointer(p)
            if m >= 8 { return raw.loadUnaligned(as: UInt64.self) }
            if m >= 4 {
                let lo = UInt64(raw.loadUnaligned(as: UInt32.self))
                let hi = UInt64(raw.loadUnaligned(fromByteOffset: m - 4, as: UInt32.self))
                return lo | hi << UInt64(8 * (m - 4))   // the overlap holds the same bytes
            }
            if m > 0 {
                return UInt64(p[0]) | UInt64(p[m >> 1]) << UInt64(8 * (m >> 1)) | UInt64(p[m - 1]) << UInt64(8 * (m - 1))
            }
            return 0
        }
    }

    /// Appends the key (`ShingleHash.key` of the hash of the tokens' bytes joined by single spaces) of every
    /// window of `size` consecutive tokens of `tokens`.
    func shingles(_ tokens: UnsafeBufferPointer<UInt32>.SubSequence, size k: Int, into out: inout [UInt32]) {
        if k == 3 { shingles3(tokens, into: &out) } else { shinglesGeneric(tokens, size: k, into: &out) }
    }

    /// `shingles` for the default size 3: the three windows a token belongs to are hashed side by
    /// side, each byte fed to three independent FNV chains, instead of hashing each window from
    /// scratch (one chain, each multiply waiting for the last). Same keys, same order.
    func shingles3(_ tokens: UnsafeBufferPointer<UInt32>.SubSequence, into out: inout [UInt32]) {
        guard tokens.count >= 3, !arena.isEmpty else { return }
        // The keys are written in place (room made first), not appended one by one.
        let old = out.count
        out.append(contentsOf: repeatElement(0, count: tokens.count - 2))
        out.withUnsafeMutableBufferPointer { written in
            arena.withUnsafeBufferPointer { a in
                offsets.withUnsafeBufferPointer { o in
                    let offs = o.baseAddress!, first = tokens.startIndex
                    Self.windows3(tokens.count, bytes: a.baseAddress!, into: written.baseAddress! + old) { q in
                        let id = Int(tokens[first + q] & TokenChunk.idMask)
                        return (Int(offs[id]), Int(offs[id + 1]))
                    }
                }
            }
        }
    }

    /// `shingles3` of `n` tokens given as their bytes back to back (token `t` ends at `ends[t]`
    /// and starts where token `t - 1` ends, 0 for the first: a `TokenBuffer`) rather than as ids:
    /// the same keys for the same token bytes, with no lookup of each token's bytes by its id.
    static func shingles3(bytes: UnsafePointer<UInt8>, ends: UnsafePointer<Int32>, count n: Int, into out: inout [UInt32]) {
        guard n >= 3 else { return }
        let old = out.count
        out.append(contentsOf: repeatElement(0, count: n - 2))
        out.withUnsafeMutableBufferPointer { written in
            windows3(n, bytes: bytes, into: written.baseAddress! + old) { q in (q == 0 ? 0 : Int(ends[q - 1]), Int(ends[q])) }
        }
    }

    /// The keys of the `n - 2` windows of 3 of `n` tokens, token `q` being `bytes[range(q)]`,
    /// into `keys`: the three windows a token belongs to are hashed side by side. Before token q,
    /// h1 is the window starting at q-2 (two tokens in), h2 the one starting at q-1 (one token
    /// in); token q completes h1 and starts h3.
    @inline(__always)
    static func windows3(_ n: Int, bytes: UnsafePointer<UInt8>, into keys: UnsafeMutablePointer<UInt32>,
                         range: (Int) -> (Int, Int)) {
        let prime = ShingleHash.prime
        var h1 = ShingleHash.offsetBasis, h2 = ShingleHash.offsetBasis
        for q in 0..<n {
            var h3 = ShingleHash.offsetBasis
            h1 = (h1 ^ 0x20) &* prime
            h2 = (h2 ^ 0x20) &* prime
            var (b, end) = range(q)
            while b < end {
                let x = UInt64(bytes[b])
                h1 = (h1 ^ x) &* prime
                h2 = (h2 ^ x) &* prime
                h3 = (h3 ^ x) &* prime
                b += 1
            }
            if q >= 2 { keys[q - 2] = ShingleHash.key(ShingleHash.mix(h1)) }
            h1 = h2
            h2 = h3
        }
    }

    /// `shingles` for any size, one window at a time.
    func shinglesGeneric(_ tokens: UnsafeBufferPointer<UInt32>.SubSequence, size k: Int, into out: inout [UInt32]) {
        guard tokens.count >= k else { return }
        arena.withUnsafeBufferPointer { a in
            offsets.withUnsafeBufferPointer { o in
                var p = tokens.startIndex
                while p + k <= tokens.endIndex {
                    var h = ShingleHash.offsetBasis
                    for q in p..<(p + k) {
                        if q > p { h = (h ^ 0x20) &* ShingleHash.prime }
                        let id = Int(tokens[q] & TokenChunk.idMask)
                        for b in Int(o[id])..<Int(o[id + 1]) { h = (h ^ UInt64(a[b])) &* ShingleHash.prime }
                    }
                    out.append(ShingleHash.key(ShingleHash.mix(h)))
                    p += 1
                }
            }
        }
    }

    /// The hash of a segment shorter than one shingle (its only shingle); nothing when empty.
    func partial(_ tokens: UnsafeBufferPointer<UInt32>.SubSequence, into out: inout [UInt32]) {
        if tokens.isEmpty { return }
        shingles(tokens, size: tokens.count, into: &out)
    }
}

@inline(__always)
private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}
