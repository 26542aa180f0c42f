/// What `report.html` draws and lists. Caps keep the page quick to open at any corpus size;
/// the page says what was capped. They never change the JSON results.
public struct ReportConfiguration: Codable, Sendable, Equatable {
    /// Articles drawn on the topic map at most (the members of the coloured stories first, then
    /// a fixed pseudo-random sample of the rest).
    public var scatterPoints: Int = 5000
    /// Multi-article stories listed, largest first.
    public var stories: Int = 200
    /// Duplicate groups listed, largest first.
    public var duplicateGroups: Int = 300
    /// Articles listed per story.
    public var members: Int = 50
    /// Copies shown per duplicate group, each with its scores and what changed.
    public var copies: Int = 10
    /// Skipped and repaired inputs listed.
    public var issues: Int = 200
    /// The largest stories that get a colour of their own on the topic map (at most 10).
    public var colouredStories: Int = 10

    public init() {}

    enum CodingKeys: String, CodingKey { case scatterPoints, stories, duplicateGroups, members, copies, issues, colouredStories }

    /// Every key optional: a manifest from an older version may lack some.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ReportConfiguration()
        scatterPoints = try c.decodeIfPresent(Int.self, forKey: .scatterPoints) ?? d.scatterPoints
        stories = try c.decodeIfPresent(Int.self, forKey: .stories) ?? d.stories
        duplicateGroups = try c.decodeIfPresent(Int.self, forKey: .duplicateGroups) ?? d.duplicateGroups
        members = try c.decodeIfPresent(Int.self, forKey: .members) ?? d.members
        copies = try c.decodeIfPresent(Int.self, forKey: .copies) ?? d.copies
        issues = try c.decodeIfPresent(Int.self, forKey: .issues) ?? d.issues
        colouredStories = try c.decodeIfPresent(Int.self, forKey: .colouredStories) ?? d.colouredStories
    }
}
