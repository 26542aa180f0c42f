import Foundation

/// `history.json`, written beside the other results when the run keeps history: which of
/// tonight's duplicate groups continue an earlier night's group, and which stories continue an
/// earlier story. Field by field: docs/nightly.md.
public struct HistoryFile: Codable, Sendable {
    public struct Group: Codable, Sendable {
        /// The earlier group's id, kept.
        public var id: String
        public var canonical: String
        public var canonicalTitle: String
        public var canonicalNight: String
        /// Tonight's members (copies of the earlier canonical).
        public var copies: [String]
    }
    public struct Story: Codable, Sendable {
        /// The earlier story's id, kept.
        public var id: String
        public var headline: String
        public var firstNight: String
        /// The last earlier night the story had articles.
        public var previousNight: String
        /// `copy`: a member copies an article of the earlier story; `centroid`: the two centroids'
        /// cosine is at least history.storyMinCosine.
        public var via: String
        public var similarity: Double
        /// Tonight's articles in the story.
        public var size: Int
        /// Articles over all kept nights, tonight's included.
        public var totalSize: Int
    }
    public var schemaVersion = ResultsSchema.version
    public var night: String
    /// Earlier nights consulted (within the retention window), oldest first.
    public var earlierNights: [String]
    public var retentionDays: Int
    /// Look-up counts: candidate and verified cross-night pairs, story term matches.
    public var lookups: [String: Int]
    public var groups: [Group]
    public var stories: [Story]
}

extension NightHistory {
    /// Rewrites the cross-night groups of `file` (built from the state by ResultsBuilder): the
    /// earlier canonical first, with its night; tonight's members as copies with their evidence
    /// against it (estimated from the stored shingles and terms, docs/nightly.md).
    static func annotate(_ file: inout DuplicatesFile, links: NightLinks) {
        for cross in links.groups where cross.group < file.groups.count {
            annotate(&file.groups[cross.group], cross: cross, night: links.night)
        }
    }

    /// One group whose canonical came from an earlier night (streamed writing calls this per group).
    static func annotate(_ g: inout DuplicatesFile.Group, cross: CrossNightGroup, night: String) {
        let r6 = ResultsBuilder.r6
        let c = cross.canonical
        for k in g.members.indices {
            let e = cross.evidence[k]
            g.members[k].role = "copy"
            g.members[k].similarity = r6(e.cosine)
            g.members[k].jaccard = r6(e.jaccard)
            g.members[k].containment = r6(e.containment)
            g.members[k].sharedShingles = e.shared
            g.members[k].sharedPassage = ""
            g.members[k].night = night
        }
        g.members.insert(.init(id: c.id, title: c.title, source: c.source, date: c.date, role: "canonical", similarity: 1,
                               jaccard: 1, containment: 1, sharedShingles: c.shingles.count, sharedPassage: "", night: c.night),
                         at: 0)
        g.canonical = c.id
        g.canonicalNight = c.night
        g.size = g.members.count
    }

    static func historyFile(links: NightLinks, state: PipelineState, retentionDays: Int) -> HistoryFile {
        let a = state.corpus.articles
        let groups = links.groups.map { cross -> HistoryFile.Group in
            let g = state.duplicates.groups[cross.group]
            return .init(id: g.id, canonical: cross.canonical.id, canonicalTitle: cross.canonical.title,
                         canonicalNight: cross.canonical.night, copies: g.members.map { a[$0].id })
        }
        let stories = links.stories.map { s -> HistoryFile.Story in
            let c = state.stories.clusters[s.cluster]
            return .init(id: c.id, headline: a[c.headline].title, firstNight: s.firstNight, previousNight: s.previousNight,
                         via: s.via, similarity: ResultsBuilder.r6(s.similarity), size: c.members.count,
                         totalSize: c.members.count + s.previous.size)
        }
        return HistoryFile(night: links.night, earlierNights: links.earlierNights, retentionDays: retentionDays,
                           lookups: links.lookups, groups: groups, stories: stories)
    }
}
