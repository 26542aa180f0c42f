/// The results schema written with `JSONText`: the same bytes as `ResultsWriter.encode` (keys in
/// sorted order, optionals left out when nil), without building the whole document first.
/// `JSONTextTests` compares the two on the demo results and on edge cases.
extension DuplicatesFile.Member {
    func write(to t: inout JSONText) throws {
        t.beginObject()
        try t.field("containment", containment)
        t.field("date", date)
        t.field("id", id)
        try t.field("jaccard", jaccard)
        t.field("night", night)
        t.field("role", role)
        t.field("sharedPassage", sharedPassage)
        t.field("sharedShingles", sharedShingles)
        try t.field("similarity", similarity)
        t.field("source", source)
        t.field("title", title)
        t.endObject()
    }
}

extension DuplicatesFile.Group {
    func write(to t: inout JSONText) throws {
        t.beginObject()
        t.field("canonical", canonical)
        t.field("canonicalNight", canonicalNight)
        t.field("id", id)
        t.key("members")
        t.beginArray()
        for m in members { try m.write(to: &t) }
        t.endArray()
        t.field("size", size)
        t.endObject()
    }
}

extension DuplicatesFile {
    /// The document around `groups`: what comes before the first group and after the last.
    static func writeHead(articles: Int, to t: inout JSONText) {
        t.beginObject()
        t.field("articles", articles)
        t.key("groups")
        t.beginArray()
    }

    static func writeTail(to t: inout JSONText) {
        t.endArray()
        t.field("schemaVersion", ResultsSchema.version)
        t.endObject()
        t.newline()
    }

    /// Depth of a group object in the document (root object, `groups` array).
    static let groupDepth = 2

    func write(to t: inout JSONText) throws {
        Self.writeHead(articles: articles, to: &t)
        for g in groups { try g.write(to: &t) }
        t.endArray()
        t.field("schemaVersion", schemaVersion)
        t.endObject()
    }
}

extension ClustersFile.Term {
    func write(to t: inout JSONText) throws {
        t.beginObject()
        t.field("term", term)
        try t.field("weight", weight)
        t.endObject()
    }
}

extension ClustersFile.Member {
    func write(to t: inout JSONText) throws {
        t.beginObject()
        t.field("date", date)
        t.field("duplicateGroup", duplicateGroup)
        t.field("id", id)
        try t.field("similarity", similarity)
        t.field("source", source)
        t.field("title", title)
        t.endObject()
    }
}

extension ClustersFile.Cluster {
    func write(to t: inout JSONText) throws {
        t.beginObject()
        t.field("duplicateGroups", duplicateGroups)
        t.field("firstDate", firstDate)
        t.field("headline", headline)
        t.field("headlineID", headlineID)
        t.field("id", id)
        t.field("lastDate", lastDate)
        t.key("members")
        t.beginArray()
        for m in members { try m.write(to: &t) }
        t.endArray()
        t.field("size", size)
        t.field("sources", sources)
        t.key("topTerms")
        t.beginArray()
        for term in topTerms { try term.write(to: &t) }
        t.endArray()
        t.endObject()
    }
}

extension ClustersFile {
    static func writeHead(articles: Int, to t: inout JSONText) {
        t.beginObject()
        t.field("articles", articles)
        t.key("clusters")
        t.beginArray()
    }

    static func writeTail(to t: inout JSONText) {
        t.endArray()
        t.field("schemaVersion", ResultsSchema.version)
        t.endObject()
        t.newline()
    }

    static let clusterDepth = 2

    func write(to t: inout JSONText) throws {
        Self.writeHead(articles: articles, to: &t)
        for c in clusters { try c.write(to: &t) }
        t.endArray()
        t.field("schemaVersion", schemaVersion)
        t.endObject()
    }
}

extension TopicsFile {
    func write(to t: inout JSONText) throws {
        func terms(_ k: String, _ list: [Term]) throws {
            t.key(k)
            t.beginArray()
            for x in list {
                t.beginObject()
                t.field("term", x.term)
                try t.field("weight", x.weight)
                t.endObject()
            }
            t.endArray()
        }
        func loadings(_ k: String, _ list: [Loading]) throws {
            t.key(k)
            t.beginArray()
            for x in list {
                t.beginObject()
                t.field("id", x.id)
                try t.field("loading", x.loading)
                t.field("title", x.title)
                t.endObject()
            }
            t.endArray()
        }
        t.beginObject()
        t.field("articles", articles)
        t.field("schemaVersion", schemaVersion)
        t.field("terms", self.terms)
        t.key("topics")
        t.beginArray()
        for topic in topics {
            t.beginObject()
            try loadings("articles", topic.articles)
            try t.field("explainedVarianceRatio", topic.explainedVarianceRatio)
            t.field("index", topic.index)
            try terms("negativeTerms", topic.negativeTerms)
            try terms("positiveTerms", topic.positiveTerms)
            try t.field("singularValue", topic.singularValue)
            try loadings("stories", topic.stories)
            t.endObject()
        }
        t.endArray()
        try t.field("totalVariance", totalVariance)
        t.endObject()
    }
}
