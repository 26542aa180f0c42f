/// TF-IDF settings, named as scikit-learn's `TfidfVectorizer` names them.
public struct TFIDFConfiguration: Codable, Sendable, Equatable {
    /// Drop terms that occur in fewer than this many articles.
    public var minDF: Int = 2
    /// Drop terms that occur in more than this proportion of articles (1.0 keeps all).
    public var maxDF: Double = 1.0
    /// Use `1 + ln(tf)` instead of raw counts.
    public var sublinearTF: Bool = true
    /// `idf = ln((1 + n) / (1 + df)) + 1` when true, `ln(n / df) + 1` when false.
    public var smoothIDF: Bool = true
    /// Remove scikit-learn's English stop words.
    public var stopWords: Bool = true
    /// The title counts this many times (0 leaves it out of the vectors).
    public var titleWeight: Int = 2

    public init() {}
}
