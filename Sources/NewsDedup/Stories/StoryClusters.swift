/// One story: articles about the same event, duplicate groups inside it counted once.
public struct StoryCluster: Sendable {
    public var id: String
    /// Article indices, in canonical order.
    public var members: [Int]
    /// Index of the headline article (nearest the centroid, a canonical preferred).
    public var headline: Int
    /// Cosine of each member to the cluster centroid, parallel to `members`.
    public var similarity: [Double]
    /// Strongest centroid terms with their weights.
    public var topTerms: [(term: String, weight: Double)]
    /// Indices into `DuplicateGroups.groups` of the groups inside this story.
    public var duplicateGroups: [Int]
}

/// The output of the story stage: every article in exactly one story.
public struct StoryClusters: Sendable {
    public var clusters: [StoryCluster]
    public var clusterOfArticle: [Int32]
    public var stats: StoryStats

    public init(clusters: [StoryCluster], clusterOfArticle: [Int32], stats: StoryStats) {
        self.clusters = clusters
        self.clusterOfArticle = clusterOfArticle
        self.stats = stats
    }
}

public struct StoryStats: Codable, Sendable, Equatable {
    public var voices = 0
    public var candidatePairs = 0
    public var edges = 0
    /// Neighbour pairs left unlinked because their headlines are two instances of one template.
    public var templatePairs = 0
    /// Neighbour pairs left unlinked because both voices write names and share none.
    public var unsharedNamePairs = 0
    public var merges = 0
    public var clusters = 0
    public var multiArticleClusters = 0
    /// The background: mean and standard deviation of the similarity of random voice pairs
    /// within the date window, and the mean number of voices in a window.
    public var backgroundMean = 0.0
    public var backgroundDeviation = 0.0
    public var windowVoices = 0.0
    /// The derived chance level of one pair (0 when not derived); see docs/stories.md.
    public var floor = 0.0
    public init() {}
}
