import Foundation

/// `newsdedup explain A B` as data: the measures of one pair of articles as table rows, the
/// rule and the verdict. Printed as a table by `newsdedup explain`, or as JSON with `--json`.
public struct PairReport: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var measure: String
        /// Counts for article A and B, when the measure has one per article.
        public var a: Int?
        public var b: Int?
        /// Count shared by the pair.
        public var shared: Int?
        /// A ratio, for containment, Jaccard and cosine.
        public var value: Double?
        /// The condition the copy rule puts on this measure, if any.
        public var rule: String?
        /// Whether the pair meets that condition.
        public var passes: Bool?
    }

    public var a: ArticleRef
    public var b: ArticleRef
    public var rows: [Row]
    /// True when the pair meets every condition of the copy rule.
    public var copies: Bool
    /// The rule's verdict and where the two articles were grouped, in words.
    public var verdict: String
    /// Duplicate groups of A and B, if any.
    public var groupA: String?
    public var groupB: String?
    /// The longest run of words the two share (at most 40 words).
    public var sharedPassage: String

    public static func make(_ idA: String, _ idB: String, state: PipelineState, configuration c: CopyConfiguration) throws -> PairReport {
        let articles = state.corpus.articles
        guard let ia = articles.firstIndex(where: { $0.id == idA }) else { throw CopyExplanation.Failure.unknownID(idA) }
        guard let ib = articles.firstIndex(where: { $0.id == idB }) else { throw CopyExplanation.Failure.unknownID(idB) }
        let e = PairEvidence.measure(ia, ib, kept: state.kept, terms: state.terms)
        let sa = state.analyzed.shingles(of: ia), sb = state.analyzed.shingles(of: ib)
        let all = Set(sa).intersection(sb)
        var common = 0, boilerplate = 0
        for h in all {
            switch state.kept.suppression(of: h) {
            case .common: common += 1
            case .boilerplate: boilerplate += 1
            case nil: break
            }
        }
        let sharedOK = e.shared >= c.minSharedShingles
        let containmentOK = e.containment >= c.minContainment
        let cosineOK = e.cosine >= c.minCosine
        let rows = [
            Row(measure: "shingles (\(c.shingleSize) words)", a: Set(sa).count, b: Set(sb).count, shared: all.count),
            Row(measure: "set aside: outlet boilerplate", shared: boilerplate,
                rule: "in >= max(\(c.boilerplateSourceArticles), \(Int(c.boilerplateSourceFraction * 100))% of the outlet's) articles of one outlet"),
            Row(measure: "set aside: common phrasing", shared: common, rule: "in > \(c.maxShingleDocuments) articles"),
            Row(measure: "kept shingles", a: e.sizeA, b: e.sizeB, shared: e.shared,
                rule: "shared >= \(c.minSharedShingles)", passes: sharedOK),
            Row(measure: "containment", value: ResultsBuilder.r6(e.containment), rule: ">= \(c.minContainment)", passes: containmentOK),
            Row(measure: "jaccard", value: ResultsBuilder.r6(e.jaccard)),
            Row(measure: "tf-idf cosine", value: ResultsBuilder.r6(e.cosine), rule: ">= \(c.minCosine)", passes: cosineOK),
        ]
        let copies = CopyDetector(c).isCopy(e)
        let ga = state.duplicates.groupOfArticle[ia], gb = state.duplicates.groupOfArticle[ib]
        let groupA = ga >= 0 ? state.duplicates.groups[Int(ga)].id : nil
        let groupB = gb >= 0 ? state.duplicates.groups[Int(gb)].id : nil
        var verdict = copies ? "copies by the rule" : "not copies by the rule"
        if let groupA, groupA == groupB { verdict += "; grouped together in \(groupA)" }
        else if let groupA, let groupB { verdict += "; in different groups (\(groupA), \(groupB))" }
        else if let group = groupA ?? groupB {
            verdict += "; only \(groupA != nil ? "A" : "B") is in a group (\(group)): a group takes a member only if every pair in it passes the rule"
        }
        else { verdict += "; neither is in a duplicate group" }
        func ref(_ i: Int) -> ArticleRef {
            ArticleRef(id: articles[i].id, title: articles[i].title, source: articles[i].source, date: articles[i].date?.iso)
        }
        return PairReport(a: ref(ia), b: ref(ib), rows: rows, copies: copies, verdict: verdict, groupA: groupA, groupB: groupB,
                          sharedPassage: SharedPassage.longest(state.corpus.text(of: ia), state.corpus.text(of: ib)))
    }

    /// The table and the lines around it, for people.
    public func text() -> String {
        func ref(_ label: String, _ r: ArticleRef) -> String {
            "\(label)  \(r.id)  \"\(r.title)\"  [\(r.source ?? "-"), \(r.date ?? "undated")]"
        }
        let table = TextTable(
            columns: [.left("MEASURE"), .right("A"), .right("B"), .right("SHARED"), .right("VALUE"), .left("RULE"), .left("OK")],
            rows: rows.map { r in
                [r.measure, r.a.map(String.init) ?? "", r.b.map(String.init) ?? "", r.shared.map(String.init) ?? "",
                 r.value.map { String(format: "%.3f", $0) } ?? "", r.rule ?? "", r.passes.map { $0 ? "yes" : "no" } ?? ""]
            }).render()
        return ref("A", a) + "\n" + ref("B", b) + "\n\n" + table + "\n"
            + "verdict: \(verdict)\n"
            + "longest shared passage: \(sharedPassage.isEmpty ? "(none)" : "\"\(sharedPassage)\"")\n"
    }
}
