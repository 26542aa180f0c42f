/// What the analysis pass extracts from every article: TF-IDF term counts (title weighted,
/// stop words removed) and the sorted, de-duplicated shingle keys of headline and body.
/// Only `explain` re-tokenizes (two articles). The pipeline releases the term counts once the
/// TF-IDF matrix holds them, and moves the shingles into `KeptShingles`.
public struct AnalyzedCorpus: Sendable {
    /// Terms seen, in first-seen order; `termIDs` index into this.
    public var terms: [String]
    /// Document `d`'s terms are `termStart[d]..<termStart[d+1]`, each once, in the terms' byte
    /// order (`termRank` ascending: the TF-IDF column order, so `TFIDFModel.transform` need
    /// not sort a row), not term id order.
    public var termStart: [Int]
    public var termIDs: [Int32]
    public var termCounts: [Float]
    /// Each term's place among `terms` in UTF-8 byte order (code-point order); empty when not
    /// known (`TFIDFVectorizer.fit` then sorts the strings itself).
    public var termRank: [Int32] = []
    /// Document `d`'s shingle keys are `shingleStart[d]..<shingleStart[d+1]`, ascending, unique.
    /// The pipeline moves `shingles` into `KeptShingles` (compacted in place) and leaves it
    /// empty here; `shingleStart` keeps every article's full set size.
    public var shingleStart: [Int]
    public var shingles: [UInt32]
    /// Tokens in the body (all tokens, stop words included): the article's length.
    public var tokenCounts: [Int32]
    /// The names each article writes (for the story stage's shared-name rule).
    public var names = ArticleNames()

    public var documentCount: Int { tokenCounts.count }

    public func shingles(of d: Int) -> ArraySlice<UInt32> {
        shingles[shingleStart[d]..<shingleStart[d + 1]]
    }
}
