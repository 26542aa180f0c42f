import Foundation
import LinearAlgebra

/// Turns the pipeline's state into the JSON documents (rounded, sorted, stable).
///
/// Two ways to the same bytes: `duplicates`, `clusters` and `topics` build the schema values
/// (for tests and callers that want them), `writeDuplicates`, `writeClusters` and `writeTopics`
/// stream them to a file window by window, each window's elements built and serialized in
/// parallel chunks and written in order, so memory stays bounded at any corpus size.
enum ResultsBuilder {
    /// Rounds to 6 decimals so that last-bit differences between BLAS builds or thread
    /// counts rarely change the bytes written (a value that lands on a rounding boundary can still
    /// differ in the last digit between BLAS builds; thread counts never change it).
    static func r6(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }

    /// Elements per streamed window, counted in articles (members); bounds the bytes held at once.
    static let windowArticles = 32_768

    // MARK: duplicates.json

    /// One group, reading each member's text once through `text` (the shared passages need them).
    static func group(_ s: PipelineState, _ g: DuplicateGroup, text: (Int) -> String) -> DuplicatesFile.Group {
        group(s, g, passages: passages(of: g, text: text))
    }

    /// Each member's shared passage with the group's canonical ("" for the canonical), reading
    /// each member's text once through `text`.
    static func passages(of g: DuplicateGroup, text: (Int) -> String) -> [String] {
        let canonical = SharedPassage.Indexed(SharedPassage.Words(text(g.canonical)))
        return g.members.map { m in m == g.canonical ? "" : SharedPassage.longest(SharedPassage.Words(text(m)), in: canonical) }
    }

    /// One group, given its members' shared passages (`passages(of:text:)`).
    static func group(_ s: PipelineState, _ g: DuplicateGroup, passages: [String]) -> DuplicatesFile.Group {
        let a = s.corpus.articles
        let members = zip(zip(g.members, g.evidence), passages).map { (me, passage) -> DuplicatesFile.Member in
            let (m, e) = me
            // Fields read one by one: a copy of the whole article would retain all its strings.
            return DuplicatesFile.Member(
                id: a[m].id, title: a[m].title, source: a[m].source, date: a[m].date?.iso,
                role: m == g.canonical ? "canonical" : "copy", similarity: r6(e.cosine),
                jaccard: r6(e.jaccard), containment: r6(e.containment), sharedShingles: e.shared,
                sharedPassage: passage)
        }
        return .init(id: g.id, canonical: a[g.canonical].id, size: g.members.count, members: members)
    }

    static func duplicates(_ s: PipelineState) -> DuplicatesFile {
        let all = s.duplicates.groups
        let groups = Parallel.mapChunks(all.count) { range in
            all[range].map { group(s, $0, text: s.corpus.text(of:)) }
        }.flatMap { $0 }
        return DuplicatesFile(articles: s.corpus.articles.count, groups: groups)
    }

    /// Streams `duplicates.json` to `file`. Returns the texts of the articles in `keep` (read
    /// once here for the shared passages, kept for the report).
    /// `adjust(groupIndex, &group)` may rewrite a group before it is written (history).
    /// `prepared`: groups whose passages are worked out already (`PassagePrep.take()`), by
    /// group index; one is used only for the same canonical and members (with its texts).
    static func writeDuplicates(_ s: PipelineState, to file: ResultsFile, keepingTextsOf keep: Set<Int> = [],
                                window: Int = windowArticles, prepared: [PassagePrep.Prepared?] = [],
                                adjust: ((Int, inout DuplicatesFile.Group) -> Void)? = nil) throws -> [Int: String] {
        let groups = s.duplicates.groups
        var t = JSONText()
        DuplicatesFile.writeHead(articles: s.corpus.articles.count, to: &t)
        let kept = try stream(groups.count, weight: { groups[$0].members.count }, window: window,
                              depth: DuplicatesFile.groupDepth, into: &t, file: file) { range, part -> [(Int, String)] in
            var kept: [(Int, String)] = []
            for gi in range {
                let source = groups[gi]
                let p: PassagePrep.Prepared
                if gi < prepared.count, let q = prepared[gi], q.canonical == source.canonical, q.members == source.members {
                    p = q
                } else {
                    p = PassagePrep.prepare(source, corpus: s.corpus, keep: keep)
                }
                var g = group(s, source, passages: p.passages)
                // The report's set may hold members the preparing thread did not keep.
                for i in source.members where keep.contains(i) {
                    kept.append((i, p.texts.first { $0.0 == i }?.1 ?? s.corpus.text(of: i)))
                }
                adjust?(gi, &g)
                try g.write(to: &part)
            }
            return kept
        }
        DuplicatesFile.writeTail(to: &t)
        try t.drain(to: file)
        return Dictionary(kept.joined(), uniquingKeysWith: { first, _ in first })
    }

    // MARK: clusters.json

    static func cluster(_ s: PipelineState, _ c: StoryCluster) -> ClustersFile.Cluster {
        let a = s.corpus.articles
        let groups = s.duplicates.groups
        let dates = c.members.compactMap { a[$0].date }
        let members = zip(c.members, c.similarity).map { (m, sim) -> ClustersFile.Member in
            let g = s.duplicates.groupOfArticle[m]
            return .init(id: a[m].id, title: a[m].title, source: a[m].source, date: a[m].date?.iso,
                         similarity: r6(sim), duplicateGroup: g >= 0 ? groups[Int(g)].id : nil)
        }
        let sources: [String]
        if c.members.count == 1 {
            sources = a[c.members[0]].source.map { [$0] } ?? []
        } else {
            sources = Array(Set(c.members.compactMap { a[$0].source })).sorted()
        }
        return .init(
            id: c.id, headline: a[c.headline].title, headlineID: a[c.headline].id, size: c.members.count,
            sources: sources, firstDate: dates.min()?.iso, lastDate: dates.max()?.iso,
            topTerms: c.topTerms.map { .init(term: $0.term, weight: r6($0.weight)) },
            duplicateGroups: c.duplicateGroups.map { groups[$0].id }.sorted(),
            members: members)
    }

    static func clusters(_ s: PipelineState) -> ClustersFile {
        ClustersFile(articles: s.corpus.articles.count, clusters: s.stories.clusters.map { cluster(s, $0) })
    }

    static func writeClusters(_ s: PipelineState, to file: ResultsFile, window: Int = windowArticles) throws {
        let clusters = s.stories.clusters
        var t = JSONText()
        ClustersFile.writeHead(articles: s.corpus.articles.count, to: &t)
        _ = try stream(clusters.count, weight: { clusters[$0].members.count }, window: window,
                       depth: ClustersFile.clusterDepth, into: &t, file: file) { range, part in
            for ci in range { try cluster(s, clusters[ci]).write(to: &part) }
        }
        ClustersFile.writeTail(to: &t)
        try t.drain(to: file)
    }

    // MARK: topics.json

    static func topics(_ s: PipelineState) -> TopicsFile {
        let a = s.corpus.articles
        guard let t = s.topics else {
            return TopicsFile(articles: a.count, terms: s.terms.vocabulary.count, totalVariance: 0, topics: [])
        }
        let topics = t.topics.enumerated().map { (i, topic) -> TopicsFile.Topic in
            .init(index: i, singularValue: r6(topic.singularValue), explainedVarianceRatio: r6(topic.explainedVarianceRatio),
                  positiveTerms: topic.positiveTerms.map { .init(term: $0.term, weight: r6($0.weight)) },
                  negativeTerms: topic.negativeTerms.map { .init(term: $0.term, weight: r6($0.weight)) },
                  articles: topic.articles.map { .init(id: a[$0.index].id, title: a[$0.index].title, loading: r6($0.loading)) },
                  stories: topic.stories.map {
                      let c = s.stories.clusters[$0.index]
                      return .init(id: c.id, title: a[c.headline].title, loading: r6($0.loading))
                  })
        }
        return TopicsFile(articles: a.count, terms: s.terms.vocabulary.count, totalVariance: r6(t.totalVariance), topics: topics)
    }

    static func writeTopics(_ s: PipelineState, to file: ResultsFile) throws {
        var t = JSONText()
        try topics(s).write(to: &t)
        t.newline()
        try t.drain(to: file)
    }

    // MARK: Streaming

    /// About 4 chunks per thread for `n` elements, none of them empty (`Parallel.mapChunks`
    /// runs serially with lower bounds past `n` when a chunk count leaves the last ones empty).
    static func chunkCount(_ n: Int) -> Int {
        let wanted = max(1, min(n, 4 * max(1, Parallel.threads)))
        let size = (n + wanted - 1) / wanted
        return size == 0 ? 1 : (n + size - 1) / size
    }

    /// Writes elements `0..<count` into the innermost open array of `t` (nested `depth` deep):
    /// window by window (about `window` of `weight` each), each window split in chunks
    /// that `build` serializes in parallel, appended in order and written to `file`.
    /// Returns what `build` returned for each chunk, in order.
    static func stream<Extra>(_ count: Int, weight: (Int) -> Int, window: Int, depth: Int, into t: inout JSONText, file: ResultsFile,
                              build: (Range<Int>, inout JSONText) throws -> Extra) throws -> [Extra] {
        var extras: [Extra] = []
        var lo = 0
        while lo < count {
            var hi = lo, w = 0
            while hi < count && (hi == lo || w + weight(hi) <= window) { w += weight(hi); hi += 1 }
            let base = lo
            let n = hi - lo
            let parts = Parallel.mapChunks(n, chunks: chunkCount(n)) { r -> Result<(JSONText, Extra), Error> in
                let range = (base + r.lowerBound)..<(base + r.upperBound)
                var part = JSONText(arrayElementsAtDepth: depth, continuing: range.lowerBound > 0,
                                    capacity: range.isEmpty ? 0 : 1 << 16)
                return Result { let e = try build(range, &part); return (part, e) }
            }
            // The parts go to the file as they are, after what `t` holds (no copy into `t`).
            try t.drain(to: file)
            for p in parts {
                var (part, extra) = try p.get()
                if !part.isEmpty {
                    try part.drain(to: file)
                    t.noteElements()
                }
                extras.append(extra)
            }
            lo = hi
        }
        return extras
    }
}
