/// A set of wire copies: the canonical article and the others, each verified.
public struct DuplicateGroup: Sendable {
    /// Stable id derived from the canonical article's id (see `CopyDetector.groupID`).
    public var id: String
    /// Index of the canonical article (earliest date, then longest text, then smallest id).
    public var canonical: Int
    /// All member indices, the canonical included, in canonical order.
    public var members: [Int]
    /// Evidence of each member against the canonical, parallel to `members`.
    public var evidence: [PairEvidence]
}

/// The output of the copies stage.
public struct DuplicateGroups: Sendable {
    public var groups: [DuplicateGroup]
    /// For each article, the index of its group in `groups`, or -1.
    public var groupOfArticle: [Int32]
    public var stats: CopyStats

    /// One representative per duplicate group plus every article outside a group: the
    /// "voices" that the story stage counts once each.
    public func representative(of article: Int) -> Int {
        let g = groupOfArticle[article]
        return g < 0 ? article : groups[Int(g)].canonical
    }
}

/// Counts for the manifest.
public struct CopyStats: Codable, Sendable, Equatable {
    public var shingles = 0
    public var keptShingles = 0
    public var commonShingles = 0
    public var boilerplateShingles = 0
    public var bands = 0
    public var rows = 0
    public var candidatePairs = 0
    public var oversizedBuckets = 0
    public var verifiedPairs = 0
    public var groups = 0
    public var articlesInGroups = 0
    public init() {}
}
