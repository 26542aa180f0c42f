/// Settings of story clustering.
public struct StoryConfiguration: Codable, Sendable, Equatable {
    /// Two dated articles more than this many days apart are never in one story.
    public var windowDays: Int = 3
    /// Each voice is indexed under its strongest terms; candidates share at least one.
    public var indexTerms: Int = 12
    /// Terms carried by more voices than this are too common to find neighbours by.
    public var maxPosting: Int = 2000
    /// Neighbours kept per voice (the sparse similarity graph's degree bound).
    public var neighbours: Int = 20
    /// Clusters merge while their average similarity (missing pairs count as 0) is at least this.
    public var threshold: Double = 0.3
    /// Terms reported per story.
    public var topTerms: Int = 8

    public init() {}
}
