/// A readable account of one pair: measures, shared passage, boilerplate set aside, decision.
public enum CopyExplanation {
    public enum Failure: Error, CustomStringConvertible {
        case unknownID(String)
        public var description: String {
            switch self { case .unknownID(let id): return "no article with id '\(id)' in the corpus" }
        }
    }

    public static func explain(_ idA: String, _ idB: String, state: PipelineState, configuration: CopyConfiguration) throws -> String {
        let articles = state.corpus.articles
        guard let a = articles.firstIndex(where: { $0.id == idA }) else { throw Failure.unknownID(idA) }
        guard let b = articles.firstIndex(where: { $0.id == idB }) else { throw Failure.unknownID(idB) }
        let e = PairEvidence.measure(a, b, kept: state.kept, terms: state.terms)
        let all = Set(state.analyzed.shingles(of: a)).intersection(state.analyzed.shingles(of: b))
        var common = 0, boilerplate = 0
        for h in all {
            switch state.kept.suppression(of: h) {
            case .common: common += 1
            case .boilerplate: boilerplate += 1
            case nil: break
            }
        }
        let detector = CopyDetector(configuration)
        let ga = state.duplicates.groupOfArticle[a], gb = state.duplicates.groupOfArticle[b]
        var lines: [String] = []
        lines.append("A: \(articles[a].id)  \"\(articles[a].title)\"  [\(articles[a].source ?? "-"), \(articles[a].date?.iso ?? "undated")]")
        lines.append("B: \(articles[b].id)  \"\(articles[b].title)\"  [\(articles[b].source ?? "-"), \(articles[b].date?.iso ?? "undated")]")
        lines.append("shingles (\(configuration.shingleSize) words): A \(state.analyzed.shingles(of: a).count), B \(state.analyzed.shingles(of: b).count), shared \(all.count)")
        lines.append("set aside from the shared ones: \(boilerplate) outlet boilerplate (in >= \(configuration.boilerplateSourceArticles) articles of one source), \(common) common (in > \(configuration.maxShingleDocuments) articles)")
        lines.append("kept shingles: A \(e.sizeA), B \(e.sizeB), shared \(e.shared)")
        lines.append(String(format: "containment %.3f  jaccard %.3f  tf-idf cosine %.3f", e.containment, e.jaccard, e.cosine))
        let passage = SharedPassage.longest(articles[a].text, articles[b].text)
        lines.append("longest shared passage: \(passage.isEmpty ? "(none)" : "\"\(passage)\"")")
        let verdict = detector.isCopy(e)
        lines.append("rule: copy when shared >= \(configuration.minSharedShingles) and containment >= \(configuration.minContainment)")
        lines.append("verdict: \(verdict ? "COPIES" : "not copies") by the rule"
                     + (ga >= 0 && ga == gb ? "; grouped together in \(state.duplicates.groups[Int(ga)].id)"
                        : (ga >= 0 || gb >= 0 ? "; in different groups (each member must verify against its group's hub)" : "; neither is in a group")))
        return lines.joined(separator: "\n")
    }
}
