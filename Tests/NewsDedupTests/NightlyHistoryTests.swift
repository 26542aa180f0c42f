import Foundation
import XCTest
import LinearAlgebra
@testable import NewsDedup

/// History across nights (docs/nightly.md) on the demo corpus split by date into three nights.
final class NightlyHistoryTests: XCTestCase {
    let (n1, n2, n3) = (NightlyCorpus.nights[0], NightlyCorpus.nights[1], NightlyCorpus.nights[2])

    @discardableResult
    func run(_ input: URL, night: String, out: URL, state: URL, threads: Int? = nil,
             configure: (inout Configuration) -> Void = { _ in }) throws -> RunManifest {
        var c = Configuration()
        c.threads = threads
        configure(&c)
        let before = Parallel.threads
        defer { Parallel.threads = before }
        var p = Pipeline(configuration: c)
        p.history = HistoryOptions(stateFolder: state.path, night: Day(iso: night))
        return try p.run(inputs: [input.path], output: out.path)
    }

    func ids(_ night: String) -> Set<String> { Set((NightlyCorpus.articles()[night] ?? []).map(\.id)) }

    /// Night 2 holds copies of night 1's articles and continues its stories; night 3 likewise of
    /// night 2; rerunning night 2 (before and after night 3) changes nothing.
    func testThreeNightsCrossNightCopiesContinuingStoriesAndRerun() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let inputs = try NightlyCorpus.write(in: base.appendingPathComponent("in"))
        let out = base.appendingPathComponent("R"), state = base.appendingPathComponent("state")
        let truth = try NightlyCorpus.truth()

        try run(inputs[n1]!, night: n1, out: out, state: state)
        let d1 = try NightlyFiles.decode(DuplicatesFile.self, out, "duplicates.json")
        let c1 = try NightlyFiles.decode(ClustersFile.self, out, "clusters.json")
        XCTAssertTrue(d1.groups.allSatisfy { $0.canonicalNight == nil }, "night 1 has no earlier night")

        let m2 = try run(inputs[n2]!, night: n2, out: out, state: state)
        XCTAssertEqual(m2.night, n2)
        let d2 = try NightlyFiles.decode(DuplicatesFile.self, out, "duplicates.json")
        let c2 = try NightlyFiles.decode(ClustersFile.self, out, "clusters.json")
        let h2 = try NightlyFiles.decode(HistoryFile.self, out, "history.json")
        XCTAssertEqual(h2.earlierNights, [n1])
        let first2 = try NightlyFiles.contents(out)
        let summary2 = try HistoryStore(folder: state.path).summary()
        XCTAssertEqual(summary2.nights, [n1, n2])
        XCTAssertEqual(summary2.integrity, "ok")

        func story(_ clusters: ClustersFile, containing id: String) -> ClustersFile.Cluster? {
            clusters.clusters.first { $0.members.contains { $0.id == id } }
        }
        /// Every truth group with members on both nights: tonight's members form one group whose
        /// canonical is an earlier-night member, with that night; its id is the earlier group's;
        /// tonight's story of those members keeps the earlier story's id.
        func checkCrossNight(earlier: String, tonight: String, dEarlier: DuplicatesFile, cEarlier: ClustersFile,
                             dTonight: DuplicatesFile, cTonight: ClustersFile, history: HistoryFile,
                             older: [String] = []) throws -> Int {
            var checked = 0
            for tg in truth.duplicate_groups {
                let before = Set(tg).intersection(ids(earlier)), now = Set(tg).intersection(ids(tonight))
                guard !before.isEmpty, !now.isEmpty, older.allSatisfy({ Set(tg).isDisjoint(with: ids($0)) }) else { continue }
                let g = try XCTUnwrap(dTonight.groups.first { $0.members.contains { now.contains($0.id) } }, "\(tg)")
                XCTAssertEqual(g.canonicalNight, earlier, g.id)
                XCTAssertTrue(before.contains(g.canonical), "the canonical \(g.canonical) is an earlier-night member")
                XCTAssertTrue(Set(g.members.map(\.id)).isSuperset(of: now), "every copy tonight joins: \(now.subtracting(g.members.map(\.id)))")
                XCTAssertEqual(g.members.filter { $0.role == "canonical" }.map(\.id), [g.canonical])
                XCTAssertEqual(g.members.first { $0.id == g.canonical }?.night, earlier)
                XCTAssertTrue(g.members.filter { $0.id != g.canonical }.allSatisfy { $0.role == "copy" && $0.night == tonight })
                let earlierGroup = dEarlier.groups.first { $0.members.contains { $0.id == g.canonical } }
                XCTAssertEqual(g.id, earlierGroup?.id ?? CopyDetector.groupID(canonicalID: g.canonical), "the group keeps its id")
                XCTAssertTrue(history.groups.contains { $0.id == g.id && $0.canonicalNight == earlier })
                // The story goes on under the same id.
                let sEarlier = try XCTUnwrap(story(cEarlier, containing: g.canonical))
                let sNow = try XCTUnwrap(story(cTonight, containing: now.sorted()[0]))
                XCTAssertEqual(sNow.id, sEarlier.id, "story continues: \(sNow.headline)")
                XCTAssertTrue(history.stories.contains { $0.id == sNow.id && $0.previousNight == earlier })
                checked += 1
            }
            return checked
        }
        XCTAssertGreaterThan(try checkCrossNight(earlier: n1, tonight: n2, dEarlier: d1, cEarlier: c1, dTonight: d2, cTonight: c2, history: h2), 0)
        let new2 = Set(c2.clusters.map(\.id)).subtracting(c1.clusters.map(\.id))
        XCTAssertFalse(new2.isEmpty, "night 2 starts new stories too")
        XCTAssertEqual(Set(c2.clusters.map(\.id)).count, c2.clusters.count, "story ids are unique")
        XCTAssertEqual(Set(d2.groups.map(\.id)).count, d2.groups.count, "group ids are unique")

        // Rerunning night 2 replaces it: the same bytes, the same rows.
        try run(inputs[n2]!, night: n2, out: out, state: state)
        XCTAssertEqual(try NightlyFiles.contents(out), first2, "rerun of night 2")
        XCTAssertEqual(try HistoryStore(folder: state.path).summary(), summary2, "rerun of night 2 does not double it")

        // Night 3 continues night 2.
        try run(inputs[n3]!, night: n3, out: out, state: state)
        let d3 = try NightlyFiles.decode(DuplicatesFile.self, out, "duplicates.json")
        let c3 = try NightlyFiles.decode(ClustersFile.self, out, "clusters.json")
        let h3 = try NightlyFiles.decode(HistoryFile.self, out, "history.json")
        XCTAssertEqual(h3.earlierNights, [n1, n2])
        XCTAssertGreaterThan(try checkCrossNight(earlier: n2, tonight: n3, dEarlier: d2, cEarlier: c2, dTonight: d3, cTonight: c3, history: h3, older: [n1]), 0)
        for s in h3.stories {
            XCTAssertGreaterThan(s.totalSize, s.size, "\(s.id) grew over nights")
            XCTAssertTrue(c2.clusters.contains { $0.id == s.id } || c1.clusters.contains { $0.id == s.id }, "\(s.id) is an earlier id")
        }
        let summary3 = try HistoryStore(folder: state.path).summary()
        XCTAssertEqual(summary3.nights, [n1, n2, n3])

        // Rerunning night 2 after night 3: night 2 sees only night 1, as before.
        try run(inputs[n2]!, night: n2, out: out, state: state)
        XCTAssertEqual(try NightlyFiles.contents(out), first2, "rerun of night 2 after night 3")
        XCTAssertEqual(try HistoryStore(folder: state.path).summary(), summary3, "night 2 replaced, not doubled")
    }

    /// Group and story ids are the same whatever the input order and thread count; the bytes are
    /// the same across thread counts.
    func testIDsAreStableAcrossInputOrderAndThreads() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let forward = try NightlyCorpus.write(in: base.appendingPathComponent("fwd"))
        let backward = try NightlyCorpus.write(in: base.appendingPathComponent("bwd"), reversed: true)
        var results: [[String: Data]] = []
        var idSets: [[String]] = []
        for (k, (inputs, threads)) in [(forward, nil), (forward, 1), (backward, 2)].enumerated() {
            let out = base.appendingPathComponent("R\(k)"), state = base.appendingPathComponent("S\(k)")
            try run(inputs[n1]!, night: n1, out: out, state: state, threads: threads)
            try run(inputs[n2]!, night: n2, out: out, state: state, threads: threads)
            results.append(try NightlyFiles.contents(out))
            let d = try NightlyFiles.decode(DuplicatesFile.self, out, "duplicates.json")
            let c = try NightlyFiles.decode(ClustersFile.self, out, "clusters.json")
            idSets.append((d.groups.map { "\($0.id):\($0.canonical):\($0.members.map(\.id).sorted())" }
                + c.clusters.map { "\($0.id):\($0.members.map(\.id).sorted())" }).sorted())
        }
        XCTAssertEqual(results[0], results[1], "threads = 1 gives the same bytes")
        XCTAssertEqual(idSets[0], idSets[1])
        XCTAssertEqual(idSets[0], idSets[2], "reversed input order and 2 threads: the same groups and stories under the same ids")
    }

    /// Nights older than the retention window are pruned; look-ups never see them.
    func testRetentionPrunesOldNights() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let inputs = try NightlyCorpus.write(in: base.appendingPathComponent("in"))
        let out = base.appendingPathComponent("R"), state = base.appendingPathComponent("state")
        for night in [n1, n2, n3] {
            try run(inputs[night]!, night: night, out: out, state: state) { $0.history.retentionDays = 1 }
        }
        let summary = try HistoryStore(folder: state.path).summary()
        XCTAssertEqual(summary.nights, [n2, n3], "night 1 is more than 1 day before night 3")
        XCTAssertEqual(summary.counts["article"], ids(n2).count + ids(n3).count)
        XCTAssertEqual(try NightlyFiles.decode(HistoryFile.self, out, "history.json").earlierNights, [n2])
        XCTAssertEqual(summary.integrity, "ok")
    }

    /// A second run on the same state folder stops at once with a clear message.
    func testLockStopsASecondRun() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let inputs = try NightlyCorpus.write(in: base.appendingPathComponent("in"), limit: 3)
        let state = base.appendingPathComponent("state")
        let held = try RunLock(path: state.appendingPathComponent("lock").path)
        XCTAssertThrowsError(try run(inputs[n1]!, night: n1, out: base.appendingPathComponent("R"), state: state)) { error in
            let e = error as? RunLockError
            XCTAssertNotNil(e, "\(error)")
            XCTAssertTrue("\(error)".contains("another newsdedup run is in progress"), "\(error)")
            XCTAssertTrue("\(error)".contains("pid \(getpid())"), "names the holder: \(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: base.appendingPathComponent("R").path), "nothing written")
        held.release()
        XCTAssertNoThrow(try run(inputs[n1]!, night: n1, out: base.appendingPathComponent("R"), state: state))
    }

    /// Without --night, the night is the most common article date (ties: the later one), else today.
    func testNightIsDerivedFromTheInput() {
        func a(_ d: String?) -> Article { Article(id: UUID().uuidString, title: "t", text: "x", date: d.flatMap { Day(iso: $0) }) }
        XCTAssertEqual(NightHistory.deriveNight([a("2024-11-15"), a("2024-11-16"), a("2024-11-16"), a("2031-01-01"), a(nil)]).iso, "2024-11-16")
        XCTAssertEqual(NightHistory.deriveNight([a("2024-11-15"), a("2024-11-16")]).iso, "2024-11-16")
        let today = Date(timeIntervalSince1970: 1_731_700_000)   // 2024-11-15T19:46:40Z
        XCTAssertEqual(NightHistory.deriveNight([a(nil)], today: today).iso, "2024-11-15")
    }
}
