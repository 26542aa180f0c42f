/// Settings of the reading stage.
public struct ReaderConfiguration: Codable, Sendable, Equatable {
    /// A `.txt` file larger than this is skipped (one article should never be this big).
    public var maxFileBytes: Int = 16 << 20
    /// A JSONL line longer than this is skipped.
    public var maxLineBytes: Int = 16 << 20
    /// Bytes read from a JSONL file per batch (lines in a batch are parsed in parallel).
    public var batchBytes: Int = 8 << 20

    public init() {}
}
