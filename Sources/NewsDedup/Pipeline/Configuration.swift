/// Every setting of a run, one section per stage. Encoded into the run manifest.
public struct Configuration: Codable, Sendable, Equatable {
    public var reader = ReaderConfiguration()
    public var tfidf = TFIDFConfiguration()
    public var copies = CopyConfiguration()
    public var stories = StoryConfiguration()
    public var topics = TopicConfiguration()
    /// Worker threads for Swift's own parallel loops (nil: one per core).
    public var threads: Int? = nil

    public init() {}
}
