/// Settings of wire-copy detection. See docs/copies.md for how each one is derived.
public struct CopyConfiguration: Codable, Sendable, Equatable {
    /// Words per shingle.
    public var shingleSize: Int = 3
    /// One-permutation-hashing bins per signature (a power of two, at most 256).
    public var signatureBins: Int = 256
    /// The Jaccard similarity (over kept shingles) that LSH must turn into a candidate with
    /// probability at least `candidateRecall`; bands and rows are derived from it.
    public var targetJaccard: Double = 0.2
    public var candidateRecall: Double = 0.99
    /// A shingle found in more articles than this is common phrasing or a template, not evidence.
    public var maxShingleDocuments: Int = 50
    /// A shingle found in at least `max(boilerplateSourceArticles, boilerplateSourceFraction x
    /// that source's articles)` articles of one source is that outlet's boilerplate: footers
    /// recur in a share of an outlet's output, while copies of one story are a handful whatever
    /// the outlet's size.
    public var boilerplateSourceArticles: Int = 3
    public var boilerplateSourceFraction: Double = 0.01
    /// Verification: a pair is a copy when the shorter article's kept shingles are at least
    /// this much contained in the other ...
    public var minContainment: Double = 0.45
    /// ... and they share at least this many kept shingles.
    public var minSharedShingles: Int = 3
    /// ... and their TF-IDF cosine is at least this (copies are about the same thing; a shared
    /// quotation inside two different articles is not a copy).
    public var minCosine: Double = 0.3
    /// LSH buckets larger than this are skipped (counted in the manifest).
    public var maxBucketSize: Int = 500

    public init() {}
}
