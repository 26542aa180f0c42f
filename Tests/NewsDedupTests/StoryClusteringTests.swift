import Foundation
import XCTest
import LinearAlgebra
@testable import NewsDedup
import SyntheticNews

/// Story clustering: planted stories recovered, the date window, stable ids, one voice per
/// duplicate group.
final class StoryClusteringTests: XCTestCase {
    /// Writes articles as JSONL lines (`id`, `title`, `text`, `date`, `source`) in the given order.
    private func writeJSONL(_ articles: [SyntheticCorpus.Article], to url: URL) throws {
        let lines = articles.map { a -> String in
            let object: [String: String] = ["id": a.id, "title": a.title, "text": a.text, "date": a.date, "source": a.source]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    private func compute(_ inputs: [String], configuration: Configuration = Configuration()) throws -> PipelineState {
        var stages: [RunManifest.Stage] = []
        return try Pipeline(configuration: configuration).compute(inputs: inputs, stages: &stages)
    }

    /// B-cubed F1 of `predicted` (article id -> cluster) against `truth` (lists of ids; others singletons).
    private func bcubed(_ predicted: [String: String], truth: [[String]], universe: [String]) -> (p: Double, r: Double, f: Double) {
        var truthOf: [String: String] = [:]
        for (i, g) in truth.enumerated() { for d in g { truthOf[d] = "t\(i)" } }
        for d in universe where truthOf[d] == nil { truthOf[d] = "s-" + d }
        var byPred: [String: [String]] = [:], byTruth: [String: [String]] = [:]
        for d in universe { byPred[predicted[d]!, default: []].append(d); byTruth[truthOf[d]!, default: []].append(d) }
        var p = 0.0, r = 0.0
        for d in universe {
            let pc = byPred[predicted[d]!]!, tc = byTruth[truthOf[d]!]!
            let both = Double(pc.filter { truthOf[$0] == truthOf[d] }.count)
            p += both / Double(pc.count)
            r += both / Double(tc.count)
        }
        p /= Double(universe.count); r /= Double(universe.count)
        return (p, r, 2 * p * r / (p + r))
    }

    func testPlantedStoriesAreRecovered() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let synthetic = SyntheticCorpus(count: 600, seed: 11)
        let articles = synthetic.articles()
        try writeJSONL(articles, to: folder.appendingPathComponent("corpus.jsonl"))
        let state = try compute([folder.path])
        var predicted: [String: String] = [:]
        for c in state.stories.clusters { for m in c.members { predicted[state.corpus.articles[m].id] = c.id } }
        let truth = synthetic.truth()
        let score = bcubed(predicted, truth: truth.storyClusters, universe: truth.documents)
        // Every planted copy group is found exactly (the stories' one-voice rule depends on it).
        let groups = Set(state.duplicates.groups.map { Set($0.members.map { state.corpus.articles[$0].id }) })
        XCTAssertEqual(groups, Set(truth.duplicateGroups.map(Set.init)))
        XCTAssertGreaterThan(score.p, 0.85, "B-cubed precision \(score)")
        XCTAssertGreaterThan(score.f, 0.75, "B-cubed F1 \(score)")
    }

    /// Two articles about one event (the same words in another order: no shared shingles, so
    /// not copies, but TF-IDF cosine 1) are one story within the window and two outside it.
    func testDateWindowSeparatesStoriesFarApart() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let words = "Harbourmaster Ilse Varnkamp closed the Quillon estuary after the tanker Morrowgate ran aground near the Pelsby sandbar on Tuesday spilling diesel towards the oyster beds"
            .split(separator: " ").map(String.init)
        let shuffled = stride(from: 0, to: words.count, by: 2).map { words[$0] } + stride(from: 1, to: words.count, by: 2).map { words[$0] }
        let a = TestSupport.seedFormat(date: "2024-03-01", title: "Tanker aground in the Quillon estuary", paragraphs: [words.joined(separator: " ") + "."])
        for (day, expectTogether) in [("2024-03-03", true), ("2024-03-12", false)] {
            let sub = folder.appendingPathComponent(day)
            try TestSupport.write(a, to: "a.txt", in: sub)
            try TestSupport.write(TestSupport.seedFormat(date: day, title: "Quillon estuary tanker aground",
                                                         paragraphs: [shuffled.joined(separator: " ") + "."]), to: "b.txt", in: sub)
            // Unrelated background so that the local scales mean something.
            for i in 0..<6 {
                try TestSupport.write(TestSupport.seedFormat(date: "2024-03-0\(i + 1)", title: "Council notes \(i)",
                    paragraphs: ["The council discussed budget item \(i) for parks, libraries and road repairs in district \(i * 7)."]),
                    to: "n\(i).txt", in: sub)
            }
            var configuration = Configuration()
            configuration.stories.windowDays = 3
            let state = try compute([sub.path], configuration: configuration)
            let ia = state.corpus.articles.firstIndex { $0.id == "a.txt" }!
            let ib = state.corpus.articles.firstIndex { $0.id == "b.txt" }!
            XCTAssertEqual(state.duplicates.groupOfArticle[ia], -1, "the reordered article must not be a copy")
            XCTAssertEqual(state.duplicates.groupOfArticle[ib], -1, "the reordered article must not be a copy")
            XCTAssertEqual(state.stories.clusterOfArticle[ia] == state.stories.clusterOfArticle[ib], expectTogether,
                           "dated 2024-03-01 and \(day) with a 3-day window")
        }
    }

    /// Two articles in the same common words (reordered: not copies) are one story when they
    /// name the same place, and two when each names its own (`sharedNames`); with the rule
    /// off, common words alone join them.
    func testArticlesSharingNoNameStayApart() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let common = "organizers of the harvest festival in PLACE expect record crowds as visitors book hotel rooms early and the festival opens next weekend with music food stalls and a lantern parade"
        func text(_ place: String, reversed: Bool) -> String {
            var words = common.replacingOccurrences(of: "PLACE", with: place).split(separator: " ").map(String.init)
            if reversed { words = stride(from: 0, to: words.count, by: 2).map { words[$0] } + stride(from: 1, to: words.count, by: 2).map { words[$0] } }
            return "Officials said " + words.joined(separator: " ") + "."
        }
        for (placeB, sharedNames, expectTogether) in [("Brunvik", true, true), ("Tarrowfield", true, false), ("Tarrowfield", false, true)] {
            let sub = folder.appendingPathComponent("\(placeB)-\(sharedNames)")
            try TestSupport.write(TestSupport.seedFormat(date: "2024-03-01", title: "Harvest festival expects record crowds",
                                                         paragraphs: [text("Brunvik", reversed: false)]), to: "a.txt", in: sub)
            try TestSupport.write(TestSupport.seedFormat(date: "2024-03-02", title: "Record crowds expected at harvest festival",
                                                         paragraphs: [text(placeB, reversed: true)]), to: "b.txt", in: sub)
            for i in 0..<6 {
                try TestSupport.write(TestSupport.seedFormat(date: "2024-03-0\(i + 1)", title: "Council notes \(i)",
                    paragraphs: ["The council discussed budget item \(i) for parks, libraries and road repairs in district \(i * 7)."]),
                    to: "n\(i).txt", in: sub)
            }
            var configuration = Configuration()
            configuration.stories.sharedNames = sharedNames
            let state = try compute([sub.path], configuration: configuration)
            let ia = state.corpus.articles.firstIndex { $0.id == "a.txt" }!
            let ib = state.corpus.articles.firstIndex { $0.id == "b.txt" }!
            XCTAssertEqual(state.duplicates.groupOfArticle[ib], -1, "the reordered article must not be a copy")
            XCTAssertEqual(state.stories.clusterOfArticle[ia] == state.stories.clusterOfArticle[ib], expectTogether,
                           "b names \(placeB), sharedNames \(sharedNames)")
        }
    }

    func testIDsAreIdenticalAcrossRunsAndInputOrder() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let articles = SyntheticCorpus(count: 300, seed: 5).articles()
        try writeJSONL(articles, to: folder.appendingPathComponent("forward.jsonl"))
        try writeJSONL(articles.reversed(), to: folder.appendingPathComponent("reversed.jsonl"))
        func ids(_ file: String) throws -> (stories: [String: [String]], groups: [String: [String]]) {
            let s = try compute([folder.appendingPathComponent(file).path])
            var stories: [String: [String]] = [:], groups: [String: [String]] = [:]
            for c in s.stories.clusters { stories[c.id] = c.members.map { s.corpus.articles[$0].id }.sorted() }
            for g in s.duplicates.groups { groups[g.id] = g.members.map { s.corpus.articles[$0].id }.sorted() }
            return (stories, groups)
        }
        let first = try ids("forward.jsonl"), again = try ids("forward.jsonl"), reversed = try ids("reversed.jsonl")
        XCTAssertFalse(first.groups.isEmpty)
        XCTAssertEqual(first.stories, again.stories)
        XCTAssertEqual(first.groups, again.groups)
        XCTAssertEqual(first.groups, reversed.groups)
        XCTAssertEqual(first.stories, reversed.stories)
    }

    /// A duplicate group is one voice: the story stage sees (articles - copies) voices.
    func testADuplicateGroupCountsOnce() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let articles = SyntheticCorpus(count: 200, seed: 9).articles()
        try writeJSONL(articles, to: folder.appendingPathComponent("c.jsonl"))
        let state = try compute([folder.path])
        let inGroups = state.duplicates.groups.reduce(0) { $0 + $1.members.count }
        XCTAssertGreaterThan(inGroups, 0)
        XCTAssertEqual(state.stories.stats.voices, state.corpus.articles.count - inGroups + state.duplicates.groups.count)
        // And every group lies inside a single story.
        for g in state.duplicates.groups {
            XCTAssertEqual(Set(g.members.map { state.stories.clusterOfArticle[$0] }).count, 1)
        }
    }

    /// The demo corpus (Corpus/, truth in Corpus/truth.json): each planted story comes out as
    /// exactly one story, no unrelated article joins a planted story, and the templated items
    /// (two earnings briefs, two football results: one template, different subjects) stay apart.
    func testDemoPlantedStoriesAreOneStoryEach() throws {
        struct Truth: Decodable { var documents: [String]; var story_clusters: [[String]] }
        let corpus = TestSupport.repositoryRoot.appendingPathComponent("Corpus")
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: corpus.appendingPathComponent("truth.json")))
        let state = try compute([corpus.path])
        var storyOf: [String: String] = [:]
        var membersOf: [String: Set<String>] = [:]
        for c in state.stories.clusters {
            let ids = Set(c.members.map { state.corpus.articles[$0].id })
            membersOf[c.id] = ids
            for id in ids { storyOf[id] = c.id }
        }
        XCTAssertEqual(Set(storyOf.keys), Set(truth.documents))
        let planted = Set(truth.story_clusters.joined())
        for story in truth.story_clusters {
            let homes = Set(story.map { storyOf[$0]! })
            XCTAssertEqual(homes.count, 1, "planted story \(story[0]) is split over \(homes.count) stories")
            if let home = homes.first {
                let extra = membersOf[home]!.subtracting(story)
                XCTAssertTrue(extra.isEmpty, "planted story \(story[0]) took in \(extra.sorted())")
            }
        }
        // Unrelated articles stay apart: each is a story of its own (the festival pair, the bus
        // and fare pieces share common words but no name).
        let unrelated = Set(truth.documents).subtracting(planted)
        XCTAssertFalse(unrelated.isEmpty)
        for id in unrelated {
            XCTAssertEqual(membersOf[storyOf[id]!]!, [id], "\(id) is not a story of its own")
        }
        XCTAssertGreaterThan(state.stories.stats.unsharedNamePairs, 0)
        for (a, b) in [("global-brief-agency/2024-11-15-brief-harwick-instruments-q3-results.txt",
                        "global-brief-agency/2024-11-15-brief-tollan-foods-q3-results.txt"),
                       ("riverside-gazette/2024-11-16-soccer-result-riverside-athletic-castleford.txt",
                        "summit-daily-record/2024-11-16-soccer-result-harlow-vale-eastholm.txt")] {
            XCTAssertNotEqual(storyOf[a], storyOf[b], "templated items \(a) and \(b) are one story")
        }
        XCTAssertGreaterThan(state.stories.stats.templatePairs, 0)
    }

    /// Headlines cut from one template, naming different subjects in the same slot, are told
    /// apart; an update with a new figure, a headline in title case, or an abbreviation is not.
    /// The candidate shortlist: quickselect keeps the same set as sorting would, for sizes around
    /// k, equal scores (ordered by the smaller voice), and keys that map back to their voices.
    func testShortlistSelectionKeepsTheLargestKeys() {
        var rng = SplitMix64(seed: 5)
        for (n, k) in [(0, 3), (1, 1), (5, 5), (6, 5), (100, 1), (100, 99), (1_000, 100), (5_000, 100)] {
            // Scores from few distinct values, so many ties.
            let scores = (0..<n).map { _ in Float(rng.next() % 40 + 1) / 7 }
            let voices = Array(0..<n).shuffled(using: &rng)
            let keys = zip(voices, scores).map { rankingKey($0, $1) }
            let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, n))
            defer { buffer.deallocate() }
            for (q, key) in keys.enumerated() { buffer[q] = key }
            let kept = min(n, k)
            selectLargest(buffer, n, kept)
            let got = Set((0..<kept).map { rankedVoice(buffer[$0]) })
            let want = Set(zip(voices, scores).sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(kept).map(\.0))
            XCTAssertEqual(got, want, "n \(n), k \(k)")
        }
    }

    /// The exponential search that finds a term's window in its posting list (`gallop`) gives
    /// `lowerBound`'s position for every start, end and value: repeated values, values below,
    /// inside and above the list, empty ranges, and starts both near and far from the answer.
    func testGallopFindsTheLowerBound() {
        var rng = SplitMix64(seed: 11)
        for n in [0, 1, 2, 3, 7, 64, 300] {
            var values = (0..<n).map { _ in Int32(rng.next() % 50) }
            values.sort()
            values.withUnsafeBufferPointer { a in
                for lo in 0...n {
                    for hi in lo...n where (hi - lo) % 3 == 0 || hi == n {
                        for x in Int32(-1)...51 {
                            XCTAssertEqual(gallop(a, lo, hi, x), lowerBound(a, lo, hi, x), "n \(n) lo \(lo) hi \(hi) x \(x)")
                        }
                    }
                }
            }
        }
    }

    /// The pruned candidate search (no new voices once none can reach the shortlist) keeps the
    /// very neighbour lists and similarities of the reference search that accumulates every voice
    /// met (one thread), over windows, shortlists, posting bounds, sketches and 3 threads; and it
    /// does prune (fewer voices accumulated), so the comparison is not vacuous.
    func testPrunedNeighbourSearchKeepsTheReferenceLists() throws {
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        var prunedSomewhere = 0, cases = 0
        for (count, seed) in [(600, 3)] {
            let folder = try TestSupport.temporaryFolder(for: self)
            try writeJSONL(SyntheticCorpus(count: count, seed: UInt64(seed)).articles(), to: folder.appendingPathComponent("corpus.jsonl"))
            let state = try compute([folder.path])
            let articles = state.corpus.articles
            var rank = [Int](repeating: 0, count: articles.count)
            for (r, d) in state.canonicalOrder.enumerated() { rank[d] = r }
            let voices = Voices(articles: articles, duplicates: state.duplicates, canonicalRank: rank)
            let weight = StoryClusterer.outletWeights(articles: articles, terms: state.terms)
            // Random reduced vectors (the mix into the similarity does not touch the search's order).
            var rng = SplitMix64(seed: UInt64(seed))
            let reduced = Matrix(rows: articles.count, columns: 6, elements: (0..<(articles.count * 6)).map { _ in Double(rng.next() % 1000) / 500 - 1 })
            for (sketch, postingTerms, reducedWeight) in [(64, 32, 0.2), (0, 12, 0.0)] {
                let space = VoiceSpace(voices: voices, terms: state.terms, weight: weight, reduced: reducedWeight > 0 ? reduced : nil,
                                       reducedWeight: reducedWeight, postingTerms: postingTerms, sketchTerms: sketch)
                for (window, shortlist, keep, maxPosting, indexTerms) in [(1, 10, 5, 2000, 12), (3, 4, 2, 40, 12), (30, 3, 1, 2000, 6)] {
                    var search = NeighbourSearch(space: space, window: Int32(window), indexTerms: indexTerms, maxPosting: maxPosting,
                                                 shortlist: shortlist, keep: keep)
                    search.prune = false
                    Parallel.threads = 1
                    let want = search.run()
                    search.prune = true
                    for threads in [3] {
                        Parallel.threads = threads
                        let got = search.run()
                        let label = "count \(count) sketch \(sketch) window \(window) shortlist \(shortlist) maxPosting \(maxPosting) threads \(threads)"
                        XCTAssertEqual(got.start, want.start, label)
                        XCTAssertEqual(got.neighbour, want.neighbour, label)
                        XCTAssertEqual(got.similarity.map(\.bitPattern), want.similarity.map(\.bitPattern), label)
                        XCTAssertLessThanOrEqual(got.candidatePairs, want.candidatePairs, label)
                        if got.candidatePairs < want.candidatePairs { prunedSomewhere += 1 }
                        cases += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(prunedSomewhere, cases / 2, "pruning took effect in \(prunedSomewhere) of \(cases) cases")
    }

    func testHeadlineTemplates() {
        let titles = [
            "BRIEF-Harwick Instruments Q3 shr 1.12 dlrs vs 0.98 dlrs",            // 0
            "BRIEF-Tollan Foods Q3 shr 0.47 dlrs vs 0.52 dlrs",                   // 1
            "SOCCER-Premier Division result: Riverside Athletic 3 Castleford 1",  // 2
            "SOCCER-Premier Division result: Harlow Vale 2 Eastholm 1",           // 3
            "Storm Idris leaves 85,000 homes without power on Kestrel Coast",     // 4
            "Storm Idris leaves 90,000 homes without power on Kestrel Coast",     // 5
            "House Delays Vote on Infrastructure Bill as Democrats Feud",         // 6
            "House Delays Vote on Trillion Bipartisan Infrastructure Bill",       // 7
            "Biden to withdraw troops from Afghanistan by Sept. 11",              // 8
            "Biden to withdraw troops from Afghanistan by September 11",          // 9
        ]
        let h = HeadlineTemplates(titles: titles, vocabulary: ["foods", "harwick", "instruments", "tollan"])
        let never: (Int, Int32) -> Bool = { _, _ in false }
        XCTAssertEqual(HeadlineTemplates.words(titles[0]), ["BRIEF", "Harwick", "Instruments", "Q3", "shr", "1.12", "dlrs", "vs", "0.98", "dlrs"])
        XCTAssertTrue(h.sameTemplate(0, 1, mentions: never))
        XCTAssertTrue(h.sameTemplate(2, 3, mentions: never))
        XCTAssertFalse(h.sameTemplate(4, 5, mentions: never), "numbers alone: an update of one event")
        XCTAssertFalse(h.sameTemplate(6, 7, mentions: never), "title case: capitals mark no names")
        XCTAssertFalse(h.sameTemplate(8, 9, mentions: never), "an abbreviation is the same name")
        XCTAssertFalse(h.sameTemplate(0, 2, mentions: never))
        // A name the other article mentions in its text is shared, not a different subject.
        XCTAssertFalse(h.sameTemplate(0, 1, mentions: { _, _ in true }))
    }

    /// A term confined to one outlet fades by the chance of that confinement at random: kept in
    /// a one-outlet corpus, close to 0 among many outlets; a term of two outlets keeps weight 1.
    func testOutletVocabularyFades() {
        func weights(_ sources: [String]) -> [Double] {
            // Term 0 in articles 0 and 1, term 1 in articles 0 and 2.
            let m = CSRMatrix(rows: sources.count, columns: 2, rowStart: [0, 2, 3, 4] + [Int](repeating: 4, count: sources.count - 3),
                              columnIndex: [0, 1, 0, 1], values: [1, 1, 1, 1])
            let terms = TermMatrix(matrix: m, vocabulary: ["a", "b"], idf: [1, 1])
            let articles = sources.enumerated().map { Article(id: "\($0.offset)", title: "", text: "", source: $0.element) }
            return StoryClusterer.outletWeights(articles: articles, terms: terms)
        }
        XCTAssertEqual(weights(["x", "x", "x"]), [1, 1])
        let many = weights(["x", "x", "y"] + (0..<17).map { "o\($0)" })
        XCTAssertEqual(many[1], 1, "a term of two outlets")
        // Term 0 lies in outlet x (2 of 20 articles): chance 2/20 * 1/19.
        XCTAssertEqual(many[0], 2.0 / 20 * 1 / 19, accuracy: 1e-12)
    }
}

final class SelectFirstTests: XCTestCase {
    /// The quickselect keeps exactly the first `k` of the total order (scores with many ties,
    /// broken by the smaller id), for both element types the story stage uses.
    func testSelectFirstKeepsTheFirstKOfTheOrder() {
        var rng = SplitMix64(seed: 99)
        for n in [0, 1, 2, 5, 40, 333] {
            for k in [0, 1, 3, 20, n - 1, n, n + 2] where k >= 0 {
                let scores = (0..<n).map { _ in Float(rng.next() % 7) }
                var pairs = scores.enumerated().map { (Int32($0.offset), $0.element) }.shuffled(using: &rng)
                let want = pairs.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(max(0, k)).map(\.0)
                StoryClusterer.selectBest(&pairs, k)
                if k > 0 && k < n {
                    XCTAssertEqual(Set(pairs.prefix(k).map(\.0)), Set(want), "pairs, n \(n), k \(k)")
                }
                var scored = scores.enumerated().map { (Int32($0.offset), Double($0.element), Float(0)) }.shuffled(using: &rng)
                selectBestScored(&scored, k)
                if k > 0 && k < n {
                    XCTAssertEqual(scored.count, k)
                    XCTAssertEqual(Set(scored.map(\.0)), Set(want), "scored, n \(n), k \(k)")
                } else {
                    XCTAssertEqual(scored.count, n)
                }
            }
        }
    }
}
