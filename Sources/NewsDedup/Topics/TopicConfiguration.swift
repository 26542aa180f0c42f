/// Settings of the topic stage (randomized truncated SVD).
public struct TopicConfiguration: Codable, Sendable, Equatable {
    /// Number of topics (SVD components).
    public var topics: Int = 20
    public var oversampling: Int = 10
    public var powerIterations: Int = 4
    public var seed: UInt64 = 42
    /// Nights with more articles than this fit the SVD on a sample of about this many (chosen
    /// by a hash of each article's terms: the same whatever the input order), then project every
    /// article onto the topics with one product. 0 fits on all articles.
    public var sampleArticles: Int = 25_000
    /// Terms reported per sign of each topic.
    public var terms: Int = 10
    /// Articles and stories reported per topic.
    public var articles: Int = 5
    public var stories: Int = 3

    public init() {}
}
