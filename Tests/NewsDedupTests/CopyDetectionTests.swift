import Foundation
import XCTest
import LinearAlgebra
@testable import NewsDedup

/// Wire-copy detection: the LSH maths, the shingle hash, and small corpora built here, one per
/// kind of edit a wire copy goes through and one per kind of article that must not be taken
/// for a copy. All article text below is invented for these tests.
final class CopyDetectionTests: XCTestCase {
    // MARK: - LSH parameters

    func testCandidateProbabilityIsTheBandingFormula() {
        for (bands, rows) in [(1, 1), (256, 1), (64, 4), (32, 8), (16, 16), (3, 5)] {
            let p = LSHParameters(bands: bands, rows: rows)
            for s in [0.0, 0.05, 0.2, 0.5, 0.8, 0.99, 1.0] {
                let expected = 1 - pow(1 - pow(s, Double(rows)), Double(bands))
                XCTAssertEqual(p.candidateProbability(s), expected, accuracy: 1e-12, "b = \(bands), r = \(rows), s = \(s)")
            }
        }
        // Hand-computed points: one band of one row is the similarity itself; two bands of two
        // rows at s = 0.5: 1 - (1 - 0.25)^2 = 0.4375.
        XCTAssertEqual(LSHParameters(bands: 1, rows: 1).candidateProbability(0.3), 0.3, accuracy: 1e-15)
        XCTAssertEqual(LSHParameters(bands: 2, rows: 2).candidateProbability(0.5), 0.4375, accuracy: 1e-15)
        // Monotone in s.
        let p = LSHParameters(bands: 32, rows: 8)
        var last = -1.0
        for i in 0...100 {
            let v = p.candidateProbability(Double(i) / 100)
            XCTAssertGreaterThanOrEqual(v, last)
            last = v
        }
    }

    func testDeriveMeetsTheRecallAndIsAsSelectiveAsPossible() {
        for bins in [16, 64, 128, 256] {
            for target in [0.1, 0.2, 0.3, 0.5, 0.8] {
                for recall in [0.9, 0.95, 0.99] {
                    let p = LSHParameters.derive(bins: bins, targetJaccard: target, recall: recall)
                    let label = "bins \(bins), target \(target), recall \(recall) -> b \(p.bands), r \(p.rows)"
                    XCTAssertGreaterThanOrEqual(p.rows, 1, label)
                    XCTAssertEqual(p.bands, bins / p.rows, label)
                    XCTAssertLessThanOrEqual(p.bands * p.rows, bins, label)
                    let mostSensitive = LSHParameters(bands: bins, rows: 1)
                    if mostSensitive.candidateProbability(target) < recall {
                        // No banding reaches the recall (e.g. 16 bins at Jaccard 0.1): the most
                        // sensitive one is the best there is.
                        XCTAssertEqual(p, mostSensitive, label)
                        continue
                    }
                    XCTAssertGreaterThanOrEqual(p.candidateProbability(target), recall, label)
                    // One more row per band (and correspondingly fewer bands) misses the recall.
                    let next = LSHParameters(bands: bins / (p.rows + 1), rows: p.rows + 1)
                    if next.bands >= 1 {
                        XCTAssertLessThan(next.candidateProbability(target), recall, label)
                    }
                }
            }
        }
        // The defaults (256 bins, Jaccard 0.2, recall 0.99) give a banding that finds such pairs.
        let c = CopyConfiguration()
        let d = LSHParameters.derive(bins: c.signatureBins, targetJaccard: c.targetJaccard, recall: c.candidateRecall)
        XCTAssertGreaterThanOrEqual(d.candidateProbability(0.2), 0.99)
    }

    // MARK: - Shingle hash

    /// Hard-coded values, computed once by an independent Python implementation so that a
    /// change of the hash (which would invalidate persisted signatures) is caught:
    ///
    ///     python3 -c "M=(1<<64)-1
    ///     def fnv(b,h=0xcbf29ce484222325):
    ///         for x in b: h=((h^x)*0x100000001b3)&M
    ///         return h
    ///     def mix(z):
    ///         z=((z^(z>>30))*0xbf58476d1ce4e5b9)&M; z=((z^(z>>27))*0x94d049bb133111eb)&M; return z^(z>>31)
    ///     for t in [['musk','met','iravani'],['the','port','of'],['zürich'],[],['a'],[\"don't\",'stop','now']]:
    ///         print(t, hex(mix(fnv(' '.join(t).encode()))))"
    ///
    /// (FNV-1a 64 over the UTF-8 of the tokens joined by one space, then the SplitMix64 finalizer.)
    /// The banding's grouping (a counting sort on the keys' top bits, in two passes from 2^13
    /// slots on) and its merge of each band's pairs agree with a plain sort and a set union.
    func testBandGroupingAndPairMergeAgreeWithSorting() {
        var state: UInt64 = 3
        func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; return ShingleHash.mix(state) }
        for n in [0, 1, 2, 7, 1000, 5000, 40000] {
            // Few distinct keys (many equal ones), some sharing their top bits but not equal.
            let distinct = (0..<max(1, n / 4)).map { _ in next() }
            var keys = (0..<n).map { d -> (UInt64, Int32) in
                var k = distinct[Int(next() % UInt64(distinct.count))]
                if next() % 5 == 0 { k ^= 1 }
                return (k, Int32(d))
            }
            let want = keys.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            var grouped: [(UInt64, Int32)] = [], slots: [Int] = []
            LSHIndex.groupByKey(&keys, into: &grouped, slots: &slots)
            XCTAssertEqual(grouped.map(\.0), want.map(\.0), "keys, n = \(n)")
            XCTAssertEqual(grouped.map(\.1), want.map(\.1), "documents in order within a key, n = \(n)")
        }
        let a = Array(Set((0..<300).map { _ in next() % 500 })).sorted()
        let b = (0..<400).map { _ in next() % 700 }.sorted()
        var merged: [UInt64] = []
        LSHIndex.mergeUnique(a, b, into: &merged)
        XCTAssertEqual(merged, Array(Set(a).union(b)).sorted())
        LSHIndex.mergeUnique([], b, into: &merged)
        XCTAssertEqual(merged, Array(Set(b)).sorted())
    }

    /// Candidate pairs agree with a dictionary per band: articles whose values agree on all of a
    /// band's rows, buckets over the size limit skipped (and counted), empty articles left out;
    /// bands read in groups whatever the band count, row count and thread count.
    func testCandidatesAgreeWithADictionaryPerBand() {
        var state: UInt64 = 5
        func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; return ShingleHash.mix(state) }
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for (n, bands, rows) in [(0, 4, 2), (1, 4, 2), (300, 128, 2), (257, 20, 5), (120, 7, 3), (400, 3, 1)] {
            let bins = 256
            // Few distinct values, so many bands agree; a value row taken from a small pool.
            var values = [UInt32](repeating: 0, count: n * bins)
            for i in values.indices { values[i] = UInt32(next() % (rows == 1 ? 40 : 3)) }
            let empty = Set((0..<n).filter { _ in next() % 9 == 0 })
            let maxBucket = 25
            var want = Set<UInt64>(), oversized = 0
            for band in 0..<bands {
                var buckets: [[UInt32]: [Int]] = [:]
                for d in 0..<n where !empty.contains(d) {
                    buckets[Array(values[(d * bins + band * rows)..<(d * bins + band * rows + rows)]), default: []].append(d)
                }
                for docs in buckets.values {
                    if docs.count > maxBucket { oversized += 1; continue }
                    for a in docs.indices { for b in (a + 1)..<docs.count { want.insert(UInt64(docs[a]) << 32 | UInt64(docs[b])) } }
                }
            }
            for threads in [1, 2, 3] {
                Parallel.threads = threads
                let r = LSHIndex.candidates(Signatures(bins: bins, values: values), documentCount: n,
                                            parameters: LSHParameters(bands: bands, rows: rows), maxBucketSize: maxBucket,
                                            isEmpty: { empty.contains($0) })
                let got = r.pairs.map { UInt64(UInt32($0.0)) << 32 | UInt64(UInt32($0.1)) }
                XCTAssertEqual(got, want.sorted(), "n \(n), \(bands) x \(rows), \(threads) threads")
                XCTAssertEqual(r.oversizedBuckets, oversized, "n \(n), \(bands) x \(rows), \(threads) threads")
                if n >= 300 { XCTAssertFalse(got.isEmpty) }
            }
        }
    }

    /// The suppression filter answers exactly like a set: small and large key sets (the
    /// prefilter and the table grow with them), keys 0, 1 and UInt32.max (the empty-slot
    /// marker must not be a key), duplicate keys, and as many absent keys probed as present ones.
    func testShingleFilterAgreesWithASet() {
        var state: UInt64 = 11
        func next() -> UInt32 { state &+= 0x9E37_79B9_7F4A_7C15; return UInt32(truncatingIfNeeded: ShingleHash.mix(state)) }
        for n in [0, 1, 3, 100, 70_000, 400_000] {
            var keys = (0..<n).map { _ in next() }
            if n >= 3 { keys += [0, 1, UInt32.max, keys[0]] }
            let filter = ShingleFilter(keys)
            let set = Set(keys)
            XCTAssertEqual(filter.count, set.count, "n = \(n)")
            for k in keys.prefix(50_000) { XCTAssertTrue(filter.contains(k), "n = \(n), key \(k)") }
            var wrong = 0
            for _ in 0..<50_000 {
                let k = next()
                if filter.contains(k) != set.contains(k) { wrong += 1 }
            }
            for k: UInt32 in [0, 1, 2, UInt32.max, UInt32.max - 1] where filter.contains(k) != set.contains(k) { wrong += 1 }
            XCTAssertEqual(wrong, 0, "n = \(n)")
        }
    }

    /// Common and boilerplate keys agree with a count over a dictionary: corpora from empty to
    /// large enough for many buckets a round, keys repeated across articles (some in every
    /// round, 0 and UInt32.max among them), articles with and without a source, one and two
    /// workers.
    func testShingleCountsAgreeWithADictionary() {
        var state: UInt64 = 5
        func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; return ShingleHash.mix(state) }
        let savedThreads = Parallel.threads
        defer { Parallel.threads = savedThreads }
        for (articles, perArticle) in [(0, 0), (1, 0), (3, 5), (40, 30), (300, 200), (3000, 300)] {
            // A pool of shared keys: some in many articles, some in few.
            let pool: [UInt32] = [0, UInt32.max, 1 << 27, (1 << 27) - 1] + (0..<200).map { _ in UInt32(truncatingIfNeeded: next()) }
            var start = [0], shingles: [UInt32] = [], sources: [String?] = []
            for d in 0..<articles {
                var set = Set<UInt32>()
                for _ in 0..<perArticle {
                    let r = next()
                    set.insert(r % 3 == 0 ? pool[Int(r >> 8) % (r % 2 == 0 ? 12 : pool.count)] : UInt32(truncatingIfNeeded: r >> 16))
                }
                shingles += set.sorted()
                start.append(shingles.count)
                let s = next() % 7
                sources.append(s == 0 ? nil : "s\(s % UInt64(1 + d % 4))")
            }
            var configuration = CopyConfiguration()
            configuration.maxShingleDocuments = max(2, articles / 5)
            // The reference.
            var docs: [UInt32: Int] = [:], perSource: [UInt32: [String: Int]] = [:], sourceSize: [String: Int] = [:]
            for s in sources.compactMap({ $0 }) { sourceSize[s, default: 0] += 1 }
            for d in 0..<articles {
                for h in shingles[start[d]..<start[d + 1]] {
                    docs[h, default: 0] += 1
                    if let s = sources[d] { perSource[h, default: [:]][s, default: 0] += 1 }
                }
            }
            let common = docs.filter { $0.value > configuration.maxShingleDocuments }.keys.sorted()
            let boilerplate = perSource.filter { entry in
                entry.value.contains { s, c in
                    c >= max(configuration.boilerplateSourceArticles,
                             Int((configuration.boilerplateSourceFraction * Double(sourceSize[s]!)).rounded(.up)))
                }
            }.keys.sorted()
            for threads in [1, 2] {
                Parallel.threads = threads
                let kept = KeptShingles.select(shingles: shingles, start: start, sources: sources, configuration: configuration)
                XCTAssertEqual(kept.commonShingles, common, "\(articles) articles, \(threads) threads")
                XCTAssertEqual(kept.boilerplateShingles, boilerplate, "\(articles) articles, \(threads) threads")
                let flags = (0..<articles).map { d in shingles[start[d]..<start[d + 1]].contains { boilerplate.contains($0) } }
                XCTAssertEqual(kept.hasBoilerplate, flags, "\(articles) articles, \(threads) threads")
                if articles >= 300 { XCTAssertFalse(common.isEmpty || boilerplate.isEmpty) }
            }
        }
    }

    /// The bucket sort of the boilerplate count (a counting pass on the top 8 key bits, then
    /// each digit's group by insertion or, when large, LSD radix sort) orders by key like the
    /// standard sort: small and large buckets, 1 to 27 key bits, uniform keys, few distinct keys
    /// and keys crowded under one top digit (large groups).
    func testBucketSortOrdersByKeyLikeSort() {
        var state: UInt64 = 11
        func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; return ShingleHash.mix(state) }
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: 5000)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 4 << 8)
        let values = UnsafeMutablePointer<UInt64>.allocate(capacity: 5000)
        defer { scratch.deallocate(); counts.deallocate(); values.deallocate() }
        for (count, bits) in [(0, 16), (1, 16), (2, 3), (24, 16), (25, 16), (300, 1), (386, 8), (400, 9), (386, 16),
                              (1000, 16), (5000, 16), (3000, 27), (800, 20)] {
            for shape in 0..<3 {
                let high = UInt64(next() >> 40) << UInt64(32 + bits) & (UInt64.max << 32)   // equal bits above
                let input: [UInt64] = (0..<count).map { i in
                    let r = next()
                    var key = r & ((1 << UInt64(bits)) - 1)
                    if shape == 1 { key %= 5 }                                               // few distinct keys
                    if shape == 2 && bits > 8 { key &= (1 << UInt64(bits - 8)) - 1 }          // one top digit
                    return high | key << 32 | UInt64(i)
                }
                values.update(from: input, count: count)
                let sorted = KeptShingles.sortByLowKeyBits(values, count: count, bits: bits, scratch: scratch, counts: counts)
                let got = Array(UnsafeBufferPointer(start: sorted, count: count))
                XCTAssertEqual(got.map { $0 >> 32 }, input.map { $0 >> 32 }.sorted(), "\(count) values, \(bits) bits, shape \(shape)")
                XCTAssertEqual(got.sorted(), input.sorted(), "the same values, \(count) values, \(bits) bits, shape \(shape)")
            }
        }
    }

    func testShingleHashIsStable() {
        let cases: [([String], UInt64)] = [
            (["musk", "met", "iravani"], 0x0956_6A76_A294_7A9B),
            (["the", "port", "of"], 0x58C3_F2F1_075F_2194),
            (["zürich"], 0xF29F_E1B1_5829_FAF0),
            ([], 0xF52A_15E9_A9B5_E89B),
            (["a"], 0x02C0_BDBF_4814_20F8),
            (["don't", "stop", "now"], 0xB184_C486_B68D_5BB6),
        ]
        for (tokens, expected) in cases {
            XCTAssertEqual(ShingleHash.hash(tokens: tokens), expected, "\(tokens)")
            XCTAssertEqual(ShingleHash.hash(tokens: tokens[...]), expected, "\(tokens) as a slice")
        }
        XCTAssertEqual(ShingleHash.hex(0x0956_6A76_A294_7A9B), "09566a76a2947a9b")
        XCTAssertEqual(ShingleHash.hex(0), "0000000000000000")
        // The joined-string definition: hashing the tokens equals hashing "a b c" in one piece.
        XCTAssertEqual(ShingleHash.hash(tokens: ["port", "of", "calloway"]),
                       ShingleHash.mix(ShingleHash.fnv1a("port of calloway".utf8)))
    }

    /// One-permutation signatures are persisted and compared across runs, so they must not
    /// change between processes. The expected values come from an independent Python
    /// implementation of the documented scheme (3-word shingles hashed as above; key = top 32
    /// bits of the hash; bin = top 8 bits of the key, value = low 32 bits of SplitMix64(key),
    /// minimum per bin; an empty bin takes the next filled bin to its right plus
    /// distance * 0x9E3779B9, mod 2^32):
    ///     keys = sorted({mix(fnv(" ".join(w[i:i+3]).encode())) >> 32 for i in ...})
    ///     sig[k >> 24] = min(sig[k >> 24], mix(k) & 0xFFFFFFFF) ...; print(out[:8], hex(sum(out)))
    func testOnePermutationSignatureIsStableAcrossProcesses() {
        let words = "the port of calloway was closed on monday after dockworkers walked out over automation plans"
            .split(separator: " ").map(String.init)
        let hashes = Array(Set((0..<(words.count - 2)).map { ShingleHash.key(ShingleHash.hash(tokens: words[$0..<($0 + 3)])) })).sorted()
        XCTAssertEqual(hashes.count, 13)
        let kept = KeptShingles(start: [0, hashes.count], hashes: hashes, commonShingles: [], boilerplateShingles: [])
        let signature = Signatures.compute(kept: kept, bins: 256).values
        XCTAssertEqual(signature.count, 256)
        XCTAssertEqual(Array(signature.prefix(8)),
                       [0x29F1_2970, 0x8BB9_AFB7, 0xED82_35FE, 0x4F4A_BC45, 0xB113_428C, 0x12DB_C8D3, 0x74A4_4F1A, 0xD66C_D561])
        XCTAssertEqual(signature.reduce(UInt64(0)) { $0 &+ UInt64($1) }, 0x82_8067_D047)
    }

    // MARK: - Decision rule

    func testPairEvidenceMeasures() {
        let e = PairEvidence(shared: 8, sizeA: 16, sizeB: 100, cosine: 0.4)
        XCTAssertEqual(e.containment, 0.5, "shared over the smaller set")
        XCTAssertEqual(e.jaccard, 8.0 / 108.0, accuracy: 1e-15)
        XCTAssertEqual(PairEvidence(shared: 0, sizeA: 0, sizeB: 0, cosine: 0).containment, 0)
        XCTAssertEqual(PairEvidence(shared: 0, sizeA: 0, sizeB: 0, cosine: 0).jaccard, 0)
        XCTAssertEqual(PairEvidence(shared: 5, sizeA: 5, sizeB: 5, cosine: 1).jaccard, 1)
        XCTAssertEqual(PairEvidence.intersectionCount([1, 3, 5, 7], [2, 3, 4, 7, 9]), 2)
        XCTAssertEqual(PairEvidence.intersectionCount([], [1, 2]), 0)
    }

    /// The early-stopping merge of verification: exact whenever the count reaches what is
    /// required, below it otherwise, on random sorted sets against the plain merge; and the
    /// integer form of the containment test agrees with the ratio for every size and count.
    func testEarlyStoppingIntersectionAgreesWithThePlainMerge() {
        var g = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let universe = UInt32(1 + g.next() % 400)
            func set() -> [UInt32] {
                Array(Set((0..<Int(g.next() % 120)).map { _ in UInt32(g.next() % UInt64(universe)) })).sorted()
            }
            let a = set(), b = set()
            let exact = PairEvidence.intersectionCount(a[...], b[...])
            let required = Int(g.next() % 80)
            let early = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                PairEvidence.intersectionCount(pa, pb, atLeast: required)
            }}
            if exact >= required { XCTAssertEqual(early, exact) } else { XCTAssertLessThan(early, required) }
        }
        for containment in [0.0, 0.3, 0.45, 0.5, 1.0 / 3.0, 0.999, 1.0] {
            for smaller in 1...300 {
                let needed = PairEvidence.sharedNeeded(smaller: smaller, containment: containment)
                for shared in 0...smaller {
                    let passes = PairEvidence(shared: shared, sizeA: smaller, sizeB: smaller + 5, cosine: 0).containment >= containment
                    XCTAssertEqual(passes, shared >= needed, "containment \(containment), \(shared) of \(smaller)")
                }
            }
        }
    }

    /// The decision rule, checked against the configuration's own thresholds (so that tuning the
    /// defaults does not break the test): each negative case misses exactly one threshold.
    func testDecisionRuleFollowsTheConfiguredThresholds() {
        let c = CopyConfiguration()
        let detector = CopyDetector(c)
        let enough = max(c.minSharedShingles, 10)
        XCTAssertTrue(detector.isCopy(PairEvidence(shared: enough, sizeA: enough, sizeB: 3 * enough, cosine: 1)),
                      "fully contained, enough shared shingles, same terms")
        if c.minSharedShingles > 1 {
            let few = c.minSharedShingles - 1
            XCTAssertFalse(detector.isCopy(PairEvidence(shared: few, sizeA: few, sizeB: few, cosine: 1)), "too few shared shingles")
        }
        let shared = 100
        let size = Int((Double(shared) / c.minContainment).rounded(.up)) + 10
        XCTAssertFalse(detector.isCopy(PairEvidence(shared: shared, sizeA: size, sizeB: size, cosine: 1)),
                       "containment \(Double(shared) / Double(size)) below \(c.minContainment)")
        XCTAssertFalse(detector.isCopy(PairEvidence(shared: 0, sizeA: 50, sizeB: 50, cosine: 1)))
    }

    /// Verification (the cosine only for pairs passing the shingle tests) keeps exactly the
    /// pairs `isCopy(measure)` keeps, with the same evidence; the groups' evidence (reused from
    /// verification where it can) is each member measured against its canonical; measures are
    /// symmetric.
    func testVerificationAndGroupEvidenceMatchMeasuringEveryPair() throws {
        var stages: [RunManifest.Stage] = []
        let s = try Pipeline(configuration: Configuration())
            .compute(inputs: [TestSupport.repositoryRoot.appendingPathComponent("Corpus").path], stages: &stages)
        let n = s.corpus.articles.count
        let detector = CopyDetector(Configuration().copies)
        var pairs: [(Int32, Int32)] = []
        for a in 0..<n { for b in 0..<n where a != b { pairs.append((Int32(a), Int32(b))) } }
        let want = pairs.compactMap { (a, b) -> (Int32, Int32, PairEvidence)? in
            let e = PairEvidence.measure(Int(a), Int(b), kept: s.kept, terms: s.terms)
            return detector.isCopy(e) ? (a, b, e) : nil
        }
        let got = detector.verify(pairs[...], kept: s.kept, terms: s.terms)
        XCTAssertGreaterThan(want.count, 4)
        XCTAssertEqual(got.map { [$0.0, $0.1] }, want.map { [$0.0, $0.1] })
        XCTAssertEqual(got.map(\.2), want.map(\.2))
        for (a, b, e) in want {
            XCTAssertEqual(PairEvidence.measure(Int(b), Int(a), kept: s.kept, terms: s.terms), e.swapped)
        }
        XCTAssertFalse(s.duplicates.groups.isEmpty)
        for g in s.duplicates.groups {
            for (m, e) in zip(g.members, g.evidence) where m != g.canonical {
                XCTAssertEqual(e, PairEvidence.measure(g.canonical, m, kept: s.kept, terms: s.terms))
            }
        }
    }

    // MARK: - Corpora

    private struct Doc {
        var outlet: String
        var name: String
        var date: String
        var title: String
        var paragraphs: [String]
        var id: String { "\(outlet)/\(name).txt" }
    }

    private struct Run {
        var state: PipelineState
        var ids: [String]
        func index(_ id: String) -> Int { ids.firstIndex(of: id)! }
        /// Ids of the duplicate group holding `id` (empty when it is in none).
        func group(of id: String) -> Set<String> {
            let g = state.duplicates.groupOfArticle[index(id)]
            guard g >= 0 else { return [] }
            return Set(state.duplicates.groups[Int(g)].members.map { ids[$0] })
        }
        func canonical(of id: String) -> String? {
            let g = state.duplicates.groupOfArticle[index(id)]
            return g >= 0 ? ids[state.duplicates.groups[Int(g)].canonical] : nil
        }
        /// Raw shingle overlap (before any boilerplate is set aside): what a detector without
        /// boilerplate handling would see.
        func rawEvidence(_ a: String, _ b: String) -> PairEvidence {
            let analyzer = TextAnalyzer(tfidf: TFIDFConfiguration(), shingleSize: 3)
            func full(_ id: String) -> Article {
                var article = state.corpus.articles[index(id)]
                article.text = state.corpus.text(of: index(id))   // the pipeline released it
                return article
            }
            let sa = analyzer.shingleKeys(of: full(a))[...], sb = analyzer.shingleKeys(of: full(b))[...]
            return PairEvidence(shared: PairEvidence.intersectionCount(sa, sb), sizeA: sa.count, sizeB: sb.count, cosine: state.terms.cosine(index(a), index(b)))
        }
        func keptEvidence(_ a: String, _ b: String) -> PairEvidence {
            PairEvidence.measure(index(a), index(b), kept: state.kept, terms: state.terms)
        }
    }

    /// Writes the documents as seed-format files under `<tmp>/<outlet>/` and runs every stage
    /// of the pipeline on the folder, with the default configuration.
    private func run(_ docs: [Doc], file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let dir = try TestSupport.temporaryFolder(for: self)
        for d in docs {
            try TestSupport.write(TestSupport.seedFormat(date: d.date, title: d.title, paragraphs: d.paragraphs),
                                  to: "\(d.outlet)/\(d.name).txt", in: dir)
        }
        var stages: [RunManifest.Stage] = []
        let state = try Pipeline(configuration: Configuration()).compute(inputs: [dir.path], stages: &stages)
        XCTAssertEqual(state.corpus.issues, [], file: file, line: line)
        XCTAssertEqual(state.corpus.articles.count, docs.count, file: file, line: line)
        return Run(state: state, ids: state.corpus.articles.map(\.id))
    }

    // The original: about 250 words, five paragraphs.
    private static let original = Doc(
        outlet: "northwire", name: "orvale-tram", date: "2024-03-04",
        title: "Orvale opens its first tram line in sixty years",
        paragraphs: [
            "Orvale opened its first new tram line in sixty years on Monday, as the mayor, Helena Brask, cut a ribbon at the Quay Street depot and rode the first car to the university district. The 7.4-kilometre line links the harbour to the northern suburbs and has fourteen stops.",
            "City officials said the project came in at 312 million crowns, about eight percent over the budget approved in 2019, after delays caused by a shortage of copper cable and a dispute with the main contractor, Veldt & Sons, over drainage works near the old fish market.",
            "Brask told reporters that the line would carry up to 40,000 passengers a day once the timetable reached full frequency in March. \"This is the backbone of a city that wants to leave the car at home,\" she said, adding that two further lines were being studied.",
            "Not everyone was celebrating - shop owners on Marrow Lane, where the tracks run down the middle of the street, said three years of roadworks had driven away customers, and a group of them has filed a claim for compensation with the regional court.",
            "The transport authority said fares would stay at the current bus price of 28 crowns for a single ride until the end of the year. Night services are due to start in the spring, once the city's signalling system has been tested on the busier central section.",
        ])

    /// Unrelated articles from other outlets, so that each corpus has some background.
    private static let fillers: [Doc] = [
        Doc(outlet: "valley-times", name: "cheese-fair", date: "2024-03-04", title: "Cheese fair draws record crowd",
            paragraphs: ["More than nine thousand visitors came to the Kessel valley cheese fair over the weekend, a record for the event, which began in 1987 as a market for a handful of farms.",
                         "Organisers said forty producers sold out by Sunday afternoon and that a goat's cheese from the village of Amberloh won the main prize for the second year running."]),
        Doc(outlet: "coast-gazette", name: "lighthouse", date: "2024-03-05", title: "Old lighthouse to become a museum",
            paragraphs: ["The disused lighthouse at Point Selby will reopen next summer as a small maritime museum after the county council agreed to lease it to a volunteer trust for one symbolic euro a year.",
                         "The trust plans to restore the lamp room and show ship models, logbooks and photographs donated by the families of former keepers, the last of whom left in 1994."]),
        Doc(outlet: "metro-daily", name: "chess", date: "2024-03-05", title: "Schoolgirl, 12, wins city chess title",
            paragraphs: ["A twelve-year-old from Linden Park primary school won the city chess championship on Saturday, beating a retired engineer in a final game that lasted almost four hours.",
                         "Mira Okafor, who learned the game from her grandfather during the pandemic, said she would spend the prize money on books and a new clock for the school club."]),
    ]

    private func copyOf(_ paragraphs: [String], outlet: String, name: String, title: String? = nil) -> Doc {
        Doc(outlet: outlet, name: name, date: "2024-03-05", title: title ?? Self.original.title, paragraphs: paragraphs)
    }

    /// The copy and the original form one group (nothing else in it), with the original as its
    /// canonical article (earliest date).
    private func assertGroupedWithOriginal(_ copy: Doc, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run([Self.original, copy] + Self.fillers, file: file, line: line)
        let e = r.keptEvidence(Self.original.id, copy.id)
        XCTAssertEqual(r.group(of: Self.original.id), [Self.original.id, copy.id],
                       "shared \(e.shared), sizes \(e.sizeA)/\(e.sizeB), containment \(e.containment)", file: file, line: line)
        XCTAssertEqual(r.canonical(of: copy.id), Self.original.id, file: file, line: line)
        for f in Self.fillers { XCTAssertEqual(r.group(of: f.id), [], "\(f.id) is in no group", file: file, line: line) }
        XCTAssertEqual(r.state.duplicates.groups.count, 1, file: file, line: line)
    }

    // MARK: Each kind of edit is still a copy

    func testCopyWithNewHeadline() throws {
        try assertGroupedWithOriginal(copyOf(Self.original.paragraphs, outlet: "lakeside-ledger", name: "new-headline",
                                             title: "TRAMS RETURN TO ORVALE AFTER SIX DECADES"))
    }

    func testCopyWithDatelineAdded() throws {
        var p = Self.original.paragraphs
        p[0] = "ORVALE, March 4 (Northwire) - " + p[0]
        p.insert("By Petra Lund, Northwire correspondent", at: 0)
        try assertGroupedWithOriginal(copyOf(p, outlet: "lakeside-ledger", name: "dateline"))
    }

    func testCopyTrimmedToHalf() throws {
        // The first two paragraphs and the first sentence of the third: about half of the words.
        let p = Array(Self.original.paragraphs.prefix(2))
            + ["Brask told reporters that the line would carry up to 40,000 passengers a day once the timetable reached full frequency in March."]
        let words = p.joined(separator: " ").split(separator: " ").count
        let originalWords = Self.original.paragraphs.joined(separator: " ").split(separator: " ").count
        XCTAssertLessThanOrEqual(Double(words), 0.6 * Double(originalWords), "the copy keeps about half")
        try assertGroupedWithOriginal(copyOf(p, outlet: "lakeside-ledger", name: "trimmed"))
    }

    func testCopyWithLedeReplaced() throws {
        var p = Self.original.paragraphs
        p[0] = "Trams are back on the streets of Orvale. After more than a decade of planning and three years of construction, the newest transport link in the region carried its first paying passengers on Monday morning, with queues forming at several stops well before dawn."
        try assertGroupedWithOriginal(copyOf(p, outlet: "lakeside-ledger", name: "new-lede"))
    }

    func testCopyWithTenPercentOfWordsChanged() throws {
        // Every tenth word replaced by another word: light rewording spread over the whole text.
        let replacements = ["new", "local", "said", "major", "recent", "some", "city", "main", "long", "early"]
        var changed = 0, total = 0
        let p = Self.original.paragraphs.map { paragraph -> String in
            var words = paragraph.split(separator: " ").map(String.init)
            for i in words.indices {
                total += 1
                if total % 10 == 0 {
                    words[i] = replacements[changed % replacements.count]
                    changed += 1
                }
            }
            return words.joined(separator: " ")
        }
        XCTAssertEqual(Double(changed) / Double(total), 0.1, accuracy: 0.01)
        try assertGroupedWithOriginal(copyOf(p, outlet: "lakeside-ledger", name: "reworded"))
    }

    func testCopyWithTypographyChanges() throws {
        let p = Self.original.paragraphs.map {
            $0.replacingOccurrences(of: "city's", with: "city\u{2019}s")
                .replacingOccurrences(of: "\"This", with: "\u{201C}This")
                .replacingOccurrences(of: "home,\"", with: "home,\u{201D}")
                .replacingOccurrences(of: " - ", with: " \u{2014} ")
                .replacingOccurrences(of: "Veldt & Sons", with: "Veldt &amp; Sons")
        }
        XCTAssertNotEqual(p, Self.original.paragraphs, "the typography really changed")
        XCTAssertTrue(p.joined().contains("&amp;") && p.joined().contains("\u{2014}") && p.joined().contains("\u{201C}"))
        try assertGroupedWithOriginal(copyOf(p, outlet: "lakeside-ledger", name: "typography"))
    }

    func testCopyWithOutletBoilerplateAppended() throws {
        let p = Self.original.paragraphs + [
            "Sign up for the Lakeside Ledger morning briefing to get the day's top stories in your inbox before breakfast.",
            "Copyright 2024 Lakeside Ledger. All rights reserved. This article may not be republished without permission.",
        ]
        try assertGroupedWithOriginal(copyOf(p, outlet: "lakeside-ledger", name: "with-footer"))
    }

    // MARK: Look-alikes that are not copies

    func testIndependentArticleOnTheSameEventIsNotACopy() throws {
        let independent = Doc(
            outlet: "lakeside-ledger", name: "tram-analysis", date: "2024-03-05",
            title: "Will Orvale's trams pay off? Commuters and traders are split",
            paragraphs: [
                "For commuters in the northern suburbs, Monday's launch of Orvale's tram service means a ride to the harbour of about twenty minutes instead of the forty it used to take on the crowded number 6 bus.",
                "For the traders of Marrow Lane the verdict is harsher. Years of diggers outside their windows cost them trade, says baker Jonas Ekdahl, whose takings fell by a third, and he doubts passing trams will bring shoppers back.",
                "Mayor Helena Brask has staked her reputation on the scheme, which finished late and over budget at 312 million crowns. Transport economists at the university estimate that ridership must top 30,000 trips daily for the line to cover its running costs.",
                "Supporters point to cities such as Lindau and Kroon, where new trams revived shopping streets within a few years. Critics answer that those cities are denser, and that Orvale should have bought electric buses for a fraction of the price.",
            ])
        let r = try run([Self.original, independent] + Self.fillers)
        let e = r.keptEvidence(Self.original.id, independent.id)
        XCTAssertFalse(r.group(of: independent.id).contains(Self.original.id),
                       "same event, different words: shared \(e.shared), containment \(e.containment)")
        XCTAssertEqual(r.state.duplicates.groups.count, 0)
        // The two really are about the same event (the TF-IDF vectors overlap), just not copied.
        XCTAssertGreaterThan(r.state.terms.cosine(r.index(Self.original.id), r.index(independent.id)), 0.1)
    }

    func testArticlesSharingOnlyAnOutletFooterAreNotCopies() throws {
        let footer = [
            "Thanks for reading the Harbour Post. Sign up for our free morning newsletter to get the top local stories, the weather and the traffic news delivered to your inbox before breakfast every weekday.",
            "We use cookies to improve your experience on our site. By continuing to browse you agree to our use of cookies. Copyright 2024 Harbour Post Media Group. All rights reserved.",
        ]
        let outletDocs = [
            Doc(outlet: "harbour-post", name: "library", date: "2024-03-04", title: "Mill Street library reopens",
                paragraphs: ["The Mill Street library reopened on Tuesday after a two-year renovation that added a children's wing, a cafe and forty computer desks, the council said."] + footer),
            Doc(outlet: "harbour-post", name: "bike-lanes", date: "2024-03-04", title: "Council backs bike lane budget",
                paragraphs: ["Councillors voted eleven to four to spend 2.1 million crowns on protected bike lanes along the ring road, starting with the stretch past the central station in June."] + footer),
            Doc(outlet: "harbour-post", name: "festival", date: "2024-03-05", title: "Herring festival moves to the quay",
                paragraphs: ["This year's herring festival will move from the market square to the old quay, where organisers say there is room for twice as many stalls and a stage for folk bands."] + footer),
        ]
        let r = try run(outletDocs + Self.fillers)
        for i in 0..<outletDocs.count {
            for j in (i + 1)..<outletDocs.count {
                let a = outletDocs[i].id, b = outletDocs[j].id
                // Fixture check: the footer is most of each article, so that counting its
                // shingles would make any two of them look like copies ...
                let raw = r.rawEvidence(a, b)
                XCTAssertGreaterThanOrEqual(raw.shared, 40, "fixture check: \(a) vs \(b)")
                XCTAssertGreaterThanOrEqual(raw.containment, 0.6, "fixture check: \(a) vs \(b)")
                // ... but the footer is the outlet's boilerplate (3 articles), not evidence.
                XCTAssertFalse(r.group(of: a).contains(b), "\(a) and \(b) share only the outlet footer")
            }
        }
        XCTAssertEqual(r.state.duplicates.groups.count, 0)
        XCTAssertGreaterThan(r.state.kept.boilerplateShingles.count, 20, "the footer's shingles are set aside")
    }

    func testTemplatedEarningsItemsWithDifferentFiguresAreNotCopies() throws {
        let footer = "Copyright 2024 Global Brief Agency. Redistribution of Global Brief content, including by framing or similar means, is prohibited without prior written consent."
        let first = Doc(outlet: "global-brief", name: "brief-osterholm", date: "2024-03-04",
                        title: "BRIEF-Osterholm Tools Q4 shr 2.31 dlrs vs 1.87 dlrs",
                        paragraphs: ["Mar 4 (Global Brief) - Osterholm Tools AB:",
                                     "* Q4 shr 2.31 dlrs vs 1.87 dlrs",
                                     "* Q4 net 18.6 mln dlrs vs 15.2 mln dlrs",
                                     "* Q4 revenue 142.7 mln dlrs vs 131.9 mln dlrs",
                                     "* Sees FY revenue 590 mln dlrs to 610 mln dlrs",
                                     "* Says board proposes dividend of 0.85 dlrs per share",
                                     footer])
        let second = Doc(outlet: "global-brief", name: "brief-pemberly", date: "2024-03-04",
                         title: "BRIEF-Pemberly Foods Q4 shr 0.64 dlrs vs 0.71 dlrs",
                         paragraphs: ["Mar 4 (Global Brief) - Pemberly Foods Corp:",
                                      "* Q4 shr 0.64 dlrs vs 0.71 dlrs",
                                      "* Q4 net 27.3 mln dlrs vs 30.6 mln dlrs",
                                      "* Q4 revenue 402.5 mln dlrs vs 388.4 mln dlrs",
                                      "* Sees FY revenue 1.62 bln dlrs to 1.66 bln dlrs",
                                      "* Says input costs rose 7 pct in the quarter",
                                      footer])
        // The agency's own news article with the same footer (as in the demo corpus, where the
        // agency publishes several articles a night).
        let story = Doc(outlet: "global-brief", name: "ferry-strike", date: "2024-03-04", title: "Ferry crews strike over rosters",
                        paragraphs: ["Ferry crews on the Selby crossing walked out on Monday over new rosters that the union says cut rest periods between shifts below the legal minimum, stranding hundreds of passengers.",
                                     footer])
        let r = try run([first, second, story] + Self.fillers)
        let e = r.keptEvidence(first.id, second.id)
        XCTAssertFalse(r.group(of: first.id).contains(second.id),
                       "same template, different companies and figures: shared \(e.shared), containment \(e.containment)")
        XCTAssertEqual(r.state.duplicates.groups.count, 0)
    }

    /// A and C each share more than half of their text with B (a round-up that reprints part of
    /// each) and nothing with each other. A-B and B-C are copies by the rule; A and C are not, so
    /// they must not end up in one group through B.
    func testNoChainingThroughAThirdArticle() throws {
        let a1 = [
            "Dockworkers at Port Calloway walked off the job at dawn on Tuesday after talks over automation broke down, leaving eleven container ships waiting at anchor outside the breakwater and trucks queued for two kilometres along the harbour road.",
            "The union said the port operator wanted to bring in remote-controlled cranes on two berths without any guarantee that the crane drivers would keep their jobs, and that its members would stay out until the plan was withdrawn.",
        ]
        let a2 = [
            "The operator said the cranes were needed to compete with larger ports to the south and that no one would be laid off. Shipping lines warned of delays of up to a week for goods bound for the capital.",
        ]
        let c1 = [
            "Storm Idris brought gusts of 140 kilometres an hour to the Kestrel coast overnight, the weather service said, the strongest winds recorded there in more than twenty years.",
        ]
        let c2 = [
            "About 85,000 homes were without power on Wednesday morning after falling trees brought down lines across three districts, and the regional grid operator said some villages might not be reconnected before the weekend.",
            "Rail services between Selby and the coast were suspended while crews cleared the tracks, ferries stayed in port, and schools in the worst-hit towns were closed for the day as a precaution against flying debris.",
        ]
        let a = Doc(outlet: "harbour-post", name: "port-strike", date: "2024-03-04", title: "Dockworkers strike at Port Calloway", paragraphs: a1 + a2)
        let b = Doc(outlet: "coast-gazette", name: "roundup", date: "2024-03-05", title: "Morning round-up: strike and storm", paragraphs: a1 + c2)
        let c = Doc(outlet: "valley-times", name: "storm", date: "2024-03-05", title: "Storm Idris cuts power to 85,000 homes", paragraphs: c1 + c2)
        let r = try run([a, b, c] + Self.fillers.filter { !["coast-gazette", "valley-times"].contains($0.outlet) })
        // Fixture check: A-B and B-C each share more than half of the shorter text and are
        // copies by the rule; A-C share nothing.
        let detector = CopyDetector(CopyConfiguration())
        let ab = r.keptEvidence(a.id, b.id), bc = r.keptEvidence(b.id, c.id), ac = r.keptEvidence(a.id, c.id)
        XCTAssertGreaterThan(ab.containment, 0.5, "A-B: shared \(ab.shared), containment \(ab.containment)")
        XCTAssertGreaterThan(bc.containment, 0.5, "B-C: shared \(bc.shared), containment \(bc.containment)")
        XCTAssertTrue(detector.isCopy(ab), "A-B: shared \(ab.shared), containment \(ab.containment), cosine \(ab.cosine)")
        XCTAssertTrue(detector.isCopy(bc), "B-C: shared \(bc.shared), containment \(bc.containment), cosine \(bc.cosine)")
        XCTAssertEqual(ac.shared, 0)
        XCTAssertFalse(detector.isCopy(ac))
        // The grouping must not chain A and C together through B.
        XCTAssertFalse(r.group(of: a.id).contains(c.id),
                       "A and C share nothing but were grouped together: group \(r.group(of: a.id).sorted())")
        // Whatever group A or C is in, every member must be a copy of that group's canonical.
        for g in r.state.duplicates.groups {
            for m in g.members where m != g.canonical {
                XCTAssertTrue(detector.isCopy(PairEvidence.measure(g.canonical, m, kept: r.state.kept, terms: r.state.terms)),
                              "\(r.ids[m]) is in \(g.id) but is not a copy of its canonical \(r.ids[g.canonical])")
            }
        }
    }
}
