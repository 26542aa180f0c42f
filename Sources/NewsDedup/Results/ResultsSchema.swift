/// The JSON files a run writes. Field by field documentation: docs/results.md.
public enum ResultsSchema {
    public static let version = 1
    public static let tool = "newsdedup"
    public static let toolVersion = "0.1.0"
}

public struct ArticleRef: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var source: String?
    public var date: String?
}

public struct DuplicatesFile: Codable, Sendable {
    public struct Member: Codable, Sendable {
        public var id: String
        public var title: String
        public var source: String?
        public var date: String?
        /// `canonical` or `copy`.
        public var role: String
        /// TF-IDF cosine to the canonical (1 for the canonical).
        public var similarity: Double
        public var jaccard: Double
        public var containment: Double
        public var sharedShingles: Int
        /// The longest run of words shared with the canonical (at most 40 words); empty in a
        /// group whose canonical came from an earlier night (earlier texts are not kept).
        public var sharedPassage: String
        /// With history (docs/nightly.md), in a group whose canonical came from an earlier night:
        /// the night each member was read. Absent otherwise.
        public var night: String? = nil
    }
    public struct Group: Codable, Sendable {
        public var id: String
        public var canonical: String
        public var size: Int
        public var members: [Member]
        /// With history: the earlier night the canonical was read on, when it was not tonight
        /// (the group continues that night's group and keeps its id). Absent otherwise.
        public var canonicalNight: String? = nil
    }
    public var schemaVersion = ResultsSchema.version
    public var articles: Int
    public var groups: [Group]
}

public struct ClustersFile: Codable, Sendable {
    public struct Term: Codable, Sendable { public var term: String; public var weight: Double }
    public struct Member: Codable, Sendable {
        public var id: String
        public var title: String
        public var source: String?
        public var date: String?
        /// Cosine to the story centroid.
        public var similarity: Double
        /// The duplicate group the article belongs to, if any.
        public var duplicateGroup: String?
    }
    public struct Cluster: Codable, Sendable {
        public var id: String
        public var headline: String
        public var headlineID: String
        public var size: Int
        public var sources: [String]
        public var firstDate: String?
        public var lastDate: String?
        public var topTerms: [Term]
        public var duplicateGroups: [String]
        public var members: [Member]
    }
    public var schemaVersion = ResultsSchema.version
    public var articles: Int
    public var clusters: [Cluster]
}

public struct TopicsFile: Codable, Sendable {
    public struct Term: Codable, Sendable { public var term: String; public var weight: Double }
    public struct Loading: Codable, Sendable { public var id: String; public var title: String; public var loading: Double }
    public struct Topic: Codable, Sendable {
        public var index: Int
        public var singularValue: Double
        public var explainedVarianceRatio: Double
        public var positiveTerms: [Term]
        public var negativeTerms: [Term]
        public var articles: [Loading]
        public var stories: [Loading]
    }
    public var schemaVersion = ResultsSchema.version
    public var articles: Int
    public var terms: Int
    public var totalVariance: Double
    public var topics: [Topic]
}
