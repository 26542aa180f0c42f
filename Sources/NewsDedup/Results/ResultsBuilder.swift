import Foundation
import LinearAlgebra

/// Turns the pipeline's state into the JSON documents (rounded, sorted, stable).
enum ResultsBuilder {
    /// Rounds to 6 decimals so that last-bit differences between BLAS builds or thread
    /// counts rarely change the bytes written (a value that lands on a rounding boundary can still
    /// differ in the last digit between BLAS builds; thread counts never change it).
    static func r6(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }

    static func duplicates(_ s: PipelineState) -> DuplicatesFile {
        let a = s.corpus.articles
        let all = s.duplicates.groups
        let groups = Parallel.mapChunks(all.count) { range in all[range].map { g -> DuplicatesFile.Group in
            let canonical = a[g.canonical]
            let canonicalText = s.corpus.text(of: g.canonical)
            let members = zip(g.members, g.evidence).map { (m, e) -> DuplicatesFile.Member in
                DuplicatesFile.Member(
                    id: a[m].id, title: a[m].title, source: a[m].source, date: a[m].date?.iso,
                    role: m == g.canonical ? "canonical" : "copy", similarity: r6(e.cosine),
                    jaccard: r6(e.jaccard), containment: r6(e.containment), sharedShingles: e.shared,
                    sharedPassage: m == g.canonical ? "" : SharedPassage.longest(s.corpus.text(of: m), canonicalText))
            }
            return .init(id: g.id, canonical: canonical.id, size: g.members.count, members: members)
        } }.flatMap { $0 }
        return DuplicatesFile(articles: a.count, groups: groups)
    }

    static func clustersData(_ s: PipelineState) throws -> Data {
        try ResultsWriter.encode(clusters(s))
    }

    static func clusters(_ s: PipelineState) -> ClustersFile {
        let a = s.corpus.articles
        let clusters = s.stories.clusters.map { c -> ClustersFile.Cluster in
            let dates = c.members.compactMap { a[$0].date }
            let members = zip(c.members, c.similarity).map { (m, sim) -> ClustersFile.Member in
                let g = s.duplicates.groupOfArticle[m]
                return .init(id: a[m].id, title: a[m].title, source: a[m].source, date: a[m].date?.iso,
                             similarity: r6(sim), duplicateGroup: g >= 0 ? s.duplicates.groups[Int(g)].id : nil)
            }
            return .init(
                id: c.id, headline: a[c.headline].title, headlineID: a[c.headline].id, size: c.members.count,
                sources: Array(Set(c.members.compactMap { a[$0].source })).sorted(),
                firstDate: dates.min()?.iso, lastDate: dates.max()?.iso,
                topTerms: c.topTerms.map { .init(term: $0.term, weight: r6($0.weight)) },
                duplicateGroups: c.duplicateGroups.map { s.duplicates.groups[$0].id }.sorted(),
                members: members)
        }
        return ClustersFile(articles: a.count, clusters: clusters)
    }

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
}
