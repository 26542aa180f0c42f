/// Settings of the history across nights (docs/nightly.md).
public struct HistoryConfiguration: Codable, Sendable, Equatable {
    /// Nights older than this many days before tonight's night are pruned from the state database.
    public var retentionDays: Int = 30
    /// Tonight's story continues an earlier story when the cosine of their centroids (each cut to
    /// its `storyTerms` strongest terms and renormalised) is at least this, within the story date
    /// window (docs/nightly.md explains the value).
    public var storyMinCosine: Double = 0.5
    /// Strongest TF-IDF terms stored per story centroid (the look-up index and the cosine above).
    public var storyTerms: Int = 24
    /// Strongest TF-IDF terms stored per article, for the cosine guard of cross-night copies.
    public var articleTerms: Int = 40

    public init() {}
}
