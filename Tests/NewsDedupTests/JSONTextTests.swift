import Foundation
import XCTest
import LinearAlgebra
@testable import NewsDedup

/// The streamed results (`JSONText`, `ResultsBuilder.write*`) against `JSONEncoder`, byte for
/// byte, and the fast word splitting, shared passages and report keys against the plain
/// `String` implementations they replace.
final class JSONTextTests: XCTestCase {
    nonisolated(unsafe) private static var demoState: PipelineState?

    /// The demo corpus (`Corpus/`) computed once for the tests of this class.
    private func demo() throws -> PipelineState {
        if let s = Self.demoState { return s }
        var stages: [RunManifest.Stage] = []
        let before = Parallel.threads
        defer { Parallel.threads = before }
        let s = try Pipeline(configuration: Configuration())
            .compute(inputs: [TestSupport.repositoryRoot.appendingPathComponent("Corpus").path], stages: &stages)
        Self.demoState = s
        return s
    }

    /// What `produce` streams into a file, read back.
    private func streamed(_ label: String, _ produce: (ResultsFile) throws -> Void) throws -> Data {
        let url = try TestSupport.temporaryFolder(for: self, label).appendingPathComponent("out.json")
        let file = try ResultsFile(path: url.path)
        try produce(file)
        try file.close()
        return try Data(contentsOf: url)
    }

    private func assertSameBytes(_ a: Data, _ b: Data, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        if a == b { return }
        let x = [UInt8](a), y = [UInt8](b)
        let i = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
        let context = { (z: [UInt8]) in String(decoding: z[max(0, i - 80)..<min(z.count, i + 80)], as: UTF8.self) }
        XCTFail("\(what): bytes differ at \(i) (\(x.count) vs \(y.count) bytes)\n--- streamed\n\(context(x))\n--- JSONEncoder\n\(context(y))",
                file: file, line: line)
    }

    func testDemoResultsStreamAsJSONEncoderWritesThem() throws {
        let s = try demo()
        XCTAssertFalse(s.duplicates.groups.isEmpty)
        XCTAssertGreaterThan(s.stories.clusters.count, 1)
        let dupes = try ResultsWriter.encode(ResultsBuilder.duplicates(s))
        let clusters = try ResultsWriter.encode(ResultsBuilder.clusters(s))
        let topics = try ResultsWriter.encode(ResultsBuilder.topics(s))
        // Default windows (one window here), then windows of a few articles (many windows and
        // parts, some empty), then one element per window.
        for window in [ResultsBuilder.windowArticles, 7, 1] {
            let before = Parallel.threads
            defer { Parallel.threads = before }
            for threads in [1, 3] {
                Parallel.threads = threads
                assertSameBytes(try streamed("d\(window)-\(threads)") { _ = try ResultsBuilder.writeDuplicates(s, to: $0, window: window) },
                                dupes, "duplicates.json, window \(window), \(threads) threads")
                assertSameBytes(try streamed("c\(window)-\(threads)") { try ResultsBuilder.writeClusters(s, to: $0, window: window) },
                                clusters, "clusters.json, window \(window), \(threads) threads")
            }
        }
        assertSameBytes(try streamed("t") { try ResultsBuilder.writeTopics(s, to: $0) }, topics, "topics.json")
    }

    func testKeptTextsAreTheArticlesTexts() throws {
        let s = try demo()
        let want = ReportBuilder.textsNeeded(state: s, caps: ReportConfiguration())
        XCTAssertFalse(want.isEmpty)
        var texts: [Int: String] = [:]
        _ = try streamed("k") { texts = try ResultsBuilder.writeDuplicates(s, to: $0, keepingTextsOf: want, window: 5) }
        XCTAssertEqual(Set(texts.keys), want)
        for (i, t) in texts { XCTAssertEqual(t, s.corpus.text(of: i)) }
    }

    /// Passages worked out ahead (`PassagePrep`, all of them or none) give the same file and
    /// the same report texts; a prepared group whose members differ is worked out again.
    func testPreparedPassagesWriteTheSameFile() throws {
        let s = try demo()
        let keep = ReportBuilder.textsNeeded(state: s, caps: ReportConfiguration())
        var plainTexts: [Int: String] = [:]
        let plain = try streamed("p0") { plainTexts = try ResultsBuilder.writeDuplicates(s, to: $0, keepingTextsOf: keep, window: 5) }
        let before = Parallel.threads
        defer { Parallel.threads = before }
        Parallel.threads = 2
        var prepared = PassagePrep(corpus: s.corpus, groups: s.duplicates.groups, keep: keep).take()
        // The thread may be stopped early by `take`: finish the rest the same way for the test.
        for gi in prepared.indices where prepared[gi] == nil {
            prepared[gi] = PassagePrep.prepare(s.duplicates.groups[gi], corpus: s.corpus, keep: keep)
        }
        XCTAssertTrue(prepared.allSatisfy { $0 != nil && !$0!.members.isEmpty })
        var texts: [Int: String] = [:]
        let ahead = try streamed("p1") { texts = try ResultsBuilder.writeDuplicates(s, to: $0, keepingTextsOf: keep, window: 5, prepared: prepared) }
        assertSameBytes(ahead, plain, "duplicates.json with passages prepared")
        XCTAssertEqual(texts, plainTexts)
        // The prepared passages are the ones written (a marked one shows up)...
        var marked = prepared
        let copyIndex = try XCTUnwrap(marked[0]!.members.firstIndex { $0 != marked[0]!.canonical })
        marked[0]!.passages[copyIndex] = "prepared-passage-marker"
        let used = try streamed("p3") { _ = try ResultsBuilder.writeDuplicates(s, to: $0, keepingTextsOf: keep, window: 5, prepared: marked) }
        XCTAssertNotNil(String(decoding: used, as: UTF8.self).range(of: "\"prepared-passage-marker\""))
        // ...and a stale preparation (other members, wrong passages) is not used.
        var stale = prepared
        stale[0]!.members = [stale[0]!.canonical]
        stale[0]!.passages = ["not a passage"]
        let redone = try streamed("p2") { _ = try ResultsBuilder.writeDuplicates(s, to: $0, keepingTextsOf: keep, window: 5, prepared: stale) }
        assertSameBytes(redone, plain, "duplicates.json with a stale preparation")
    }

    /// Unicode, quotes, backslashes, every control character, slashes, empty arrays, nil
    /// optionals, and doubles whose text form varies.
    func testEdgeCasesEncodeAsJSONEncoderDoes() throws {
        var controls = ""
        for v in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(v)!) }
        let strings = ["", "plain", "quote \" and backslash \\ and slash / and </script>", controls,
                       "\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF} é ß 😀 👩‍👩‍👧 e\u{301} \u{600}x", "tab\there\r\nline", "€100 & 'single'"]
        let doubles: [Double] = [0.1, 1e-7, 1, -0.0, 0, -1, 0.5, 1e-6, 123456.789, 1e16, 1e22, 2.5e15, 0.30000000000000004,
                                 5e-324, .greatestFiniteMagnitude, -123.456, 0.000123, 1e-5, 100, 999999.999999]
        var members: [DuplicatesFile.Member] = []
        for (i, s) in strings.enumerated() {
            let d = doubles[i % doubles.count], e = doubles[(i * 7 + 3) % doubles.count]
            members.append(.init(id: s, title: strings[(i + 1) % strings.count], source: i % 2 == 0 ? nil : s,
                                 date: i % 3 == 0 ? nil : "2024-11-1\(i)", role: i == 0 ? "canonical" : "copy",
                                 similarity: d, jaccard: e, containment: doubles[(i * 3) % doubles.count],
                                 sharedShingles: i * 1000 - 3, sharedPassage: s))
        }
        let dupes = DuplicatesFile(articles: -1, groups: [
            .init(id: "g/1", canonical: "a\"b", size: 0, members: []),
            .init(id: "g2", canonical: controls, size: members.count, members: members),
        ])
        let clusters = ClustersFile(articles: 0, clusters: [
            .init(id: "c1", headline: strings[2], headlineID: strings[4], size: 0, sources: [], firstDate: nil, lastDate: nil,
                  topTerms: [], duplicateGroups: [], members: []),
            .init(id: "c2", headline: "", headlineID: "", size: 2, sources: strings, firstDate: "2024-11-15", lastDate: nil,
                  topTerms: doubles.map { .init(term: "t\($0)", weight: $0) }, duplicateGroups: ["g/1", ""],
                  members: strings.enumerated().map { (i, s) in
                      .init(id: s, title: s, source: i % 2 == 0 ? s : nil, date: i % 3 == 0 ? s : nil,
                            similarity: doubles[i], duplicateGroup: i % 2 == 1 ? s : nil)
                  }),
        ])
        let topics = TopicsFile(articles: 3, terms: 0, totalVariance: 1e-7, topics: [
            .init(index: 0, singularValue: 0.1, explainedVarianceRatio: -0.0, positiveTerms: [], negativeTerms: [],
                  articles: [], stories: []),
            .init(index: 1, singularValue: 1, explainedVarianceRatio: 1e16,
                  positiveTerms: strings.map { .init(term: $0, weight: 0.25) }, negativeTerms: [.init(term: "/", weight: -2)],
                  articles: strings.map { .init(id: $0, title: $0, loading: 1e-7) }, stories: [.init(id: "", title: "", loading: 0)]),
        ])
        let emptyTopics = TopicsFile(articles: 0, terms: 0, totalVariance: 0, topics: [])
        func text(capacity: Int = 1 << 16, _ write: (inout JSONText) throws -> Void) rethrows -> Data {
            var t = JSONText(capacity: capacity)
            try write(&t)
            return Data(t.bytes)
        }
        let encoder = ResultsWriter.encoder()
        assertSameBytes(try text { try dupes.write(to: &$0) }, try encoder.encode(dupes), "duplicates")
        assertSameBytes(try text { try clusters.write(to: &$0) }, try encoder.encode(clusters), "clusters")
        // A buffer that starts small and grows many times on the way.
        assertSameBytes(try text(capacity: 1) { try clusters.write(to: &$0) }, try encoder.encode(clusters), "clusters, growing")
        assertSameBytes(try text { try topics.write(to: &$0) }, try encoder.encode(topics), "topics")
        assertSameBytes(try text { try emptyTopics.write(to: &$0) }, try encoder.encode(emptyTopics), "empty topics")
        for d in doubles {
            assertSameBytes(try text { try $0.double(d) }, try encoder.encode(d), "double \(d)")
        }
        // JSONEncoder refuses non-finite numbers; so does JSONText.
        for bad in [Double.nan, .infinity, -.infinity] {
            XCTAssertThrowsError(try encoder.encode([bad]))
            XCTAssertThrowsError(try text { try $0.double(bad) })
        }
    }

    /// Strings of every length up to 40 with a byte to escape (or a non-ASCII scalar) at each
    /// position, so that the 8-bytes-at-a-time scan stops everywhere, one after another in a
    /// buffer that grows; and a copy of a text keeps its bytes when the original goes on.
    func testStringsEscapeAsJSONEncoderDoesAtEveryPosition() throws {
        let encoder = ResultsWriter.encoder()
        let specials = ["\"", "\\", "\n", "\u{1}", "\u{1F}", "/", "é", "😀", "\t\r", "\u{7F}"]
        var strings: [String] = []
        for length in 0...40 {
            let plain = String((0..<length).map { Character(UnicodeScalar(0x61 + UInt8($0 % 26))) })
            strings.append(plain)
            for at in stride(from: 0, through: length, by: length > 20 ? 3 : 1) {
                let special = specials[(length + at) % specials.count]
                var s = plain
                s.insert(contentsOf: special, at: s.index(s.startIndex, offsetBy: at))
                strings.append(s)
                strings.append(s + special + special)
            }
        }
        var t = JSONText(capacity: 1)
        for s in strings {
            var one = JSONText(capacity: 1)
            one.string(s)
            assertSameBytes(Data(one.bytes), try encoder.encode(s), "string \(s.debugDescription)")
        }
        t.beginArray()
        for s in strings { t.string(s) }
        t.endArray()
        assertSameBytes(Data(t.bytes), try encoder.encode(strings), "\(strings.count) strings")
        var a = JSONText()
        a.beginArray()
        a.int(1)
        let copy = a
        a.int(2)
        a.endArray()
        var b = copy
        b.int(-3)
        b.endArray()
        assertSameBytes(Data(a.bytes), try encoder.encode([1, 2]), "original")
        assertSameBytes(Data(b.bytes), try encoder.encode([1, -3]), "copy")
        for v in [0, 7, 10, -10, 99, 100, 123_456_789, Int.max, Int.min] {
            var x = JSONText()
            x.int(v)
            assertSameBytes(Data(x.bytes), try encoder.encode(v), "int \(v)")
        }
    }

    /// The report's numbers without `String(format:)`: every digit count it uses, exact ties
    /// (rounded half to even, as the C library rounds), negatives that round to zero, tiny and
    /// huge values, against `String(format:)` itself.
    func testFixedDigitsMatchStringFormat() {
        var values: [Double] = [0, -0.0, 0.5, 1.5, 2.5, -0.5, 0.125, 0.375, 0.0625, 1.0005, 0.0005, 0.0015, 0.0025, 2.675, 1.005,
                                -0.0004, -0.00049, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 0.9995, 9.9995, 99.95, 0.05,
                                4_503_599_627_370_495.5, 4_503_599_627_370_496, 9_007_199_254_740_991, -9_007_199_254_740_991,
                                123.456, 1e15, 0.1, 0.2, 0.3, 100, 1e-3, 1e-4]
        for k in 0..<2048 { values.append(Double(k) / 16); values.append(-Double(k) / 1024) }
        var state: UInt64 = 42
        for _ in 0..<4_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Double(state >> 11) / Double(1 << 53)
            let scale = [1e-6, 1e-3, 0.01, 1, 1, 1, 100, 1e4, 1e9, 1e15][Int(state % 10)]
            values.append((state & 1 == 0 ? 1 : -1) * unit * scale)
            // Values near a rounding boundary of 1 to 3 digits.
            values.append(Double(Int(state >> 40) % 100_000) / 1000 + 0.0005)
        }
        var checked = 0
        for x in values {
            for digits in 0...3 {
                let fast = HTML.fixedDigits(x, digits)
                XCTAssertNotNil(fast, "\(x)")
                XCTAssertEqual(fast, String(format: "%.\(digits)f", x), "\(x) to \(digits) digits")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40_000)
        // Out of the fast path's range: still the C library's text.
        XCTAssertNil(HTML.fixedDigits(1e300, 2))
        XCTAssertNil(HTML.fixedDigits(1.5, 6))
        XCTAssertEqual(HTML.fixed(1e300, 2), String(format: "%.2f", 1e300))
        XCTAssertEqual(HTML.fixed(.nan, 2), "–")
    }

    // MARK: Words

    /// A deterministic mix of words, punctuation, separators, and the scalars that make a space
    /// or newline part of a larger `Character` (combining marks, prepended marks, CR LF).
    private static func randomText(_ seed: UInt64, pieces: Int) -> String {
        let alphabet = ["storm", "Mayor's", "COUNCIL", "vote.", "it’s", "(bridge)", "2024", "x-ray", "café", "Straße", "İstanbul",
                        "ÉTÉ", "naïve", "e\u{301}", "\u{301}", "\u{600}", "\u{903}", "\u{200D}", "😀", "🇫🇷", "--", "'s", "\u{1680}",
                        " ", " ", " ", " ", " ", "\n", "\n", "\t", "\r", "\r\n", "  ", " \n ", "\u{A0}", "ǅ", "Σ"]
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 7
        var out = ""
        for _ in 0..<pieces {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out += alphabet[Int((state >> 33) % UInt64(alphabet.count))]
        }
        return out
    }

    func testWordSplittingMatchesCharacterSplitting() {
        for seed in 0..<600 as Range<UInt64> {
            let text = Self.randomText(seed, pieces: Int(seed % 40) + 1)
            XCTAssertEqual(TextWords.substrings(text, tabs: false), text.split(whereSeparator: { $0 == " " || $0 == "\n" }),
                           "seed \(seed): \(text.debugDescription)")
            XCTAssertEqual(TextWords.substrings(text, tabs: true),
                           text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }), "seed \(seed)")
        }
        for text in ["", " ", "a", " a ", "a \u{301}b", "a\u{600} b", "a \u{903}", "a\r\nb", "a\n\u{301}b", "\u{600} ", " \u{301}"] {
            XCTAssertEqual(TextWords.substrings(text, tabs: true),
                           text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }), text.debugDescription)
        }
    }

    /// The shared passage as it was computed before (`String.split` and a dictionary of positions).
    private static func referenceLongest(_ a: String, _ b: String, maxWords: Int = 40) -> String {
        func key(_ w: Substring) -> UInt64 {
            var h = ShingleHash.offsetBasis
            var any = false
            for u in w.unicodeScalars where Tokenizer.isWordScalar(u) {
                any = true
                if u.value < 0x80 {
                    let v = u.value >= 0x41 && u.value <= 0x5A ? u.value + 32 : u.value
                    h = (h ^ UInt64(v)) &* ShingleHash.prime
                } else {
                    for l in u.properties.lowercaseMapping.unicodeScalars { h = (h ^ UInt64(l.value)) &* ShingleHash.prime }
                }
            }
            return any ? h : 0
        }
        let wa = a.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let wb = b.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let ka = wa.map(key), kb = wb.map(key)
        guard !ka.isEmpty, !kb.isEmpty else { return "" }
        var positions: [UInt64: [Int32]] = [:]
        for (j, k) in kb.enumerated() where k != 0 { positions[k, default: []].append(Int32(j)) }
        var bestStart = 0, bestLength = 0
        var i = 0
        while i < ka.count {
            var advance = 1
            if ka[i] != 0, let js = positions[ka[i]] {
                for j32 in js.prefix(64) {
                    let j = Int(j32)
                    if i > 0 && j > 0 && ka[i - 1] == kb[j - 1] { continue }
                    var length = 0
                    while i + length < ka.count && j + length < kb.count && ka[i + length] == kb[j + length] { length += 1 }
                    if length > bestLength { bestLength = length; bestStart = i }
                    advance = max(advance, length)
                }
            }
            i += advance > 8 ? advance - 4 : 1
        }
        if bestLength == 0 { return "" }
        let words = wa[bestStart..<(bestStart + min(bestLength, maxWords))]
        return words.joined(separator: " ") + (bestLength > maxWords ? " ..." : "")
    }

    func testSharedPassageMatchesTheStringImplementation() {
        var nonEmpty = 0
        for seed in 0..<300 as Range<UInt64> {
            let base = Self.randomText(seed, pieces: 150)
            // A copy: a slice of the base with an edit and an appended tail.
            let words = base.split(separator: " ", omittingEmptySubsequences: false)
            let cut = words.count / 3
            let copy = words[cut...].joined(separator: seed % 2 == 0 ? " " : "  ") + " EXTRA words here " + Self.randomText(seed + 1000, pieces: 20)
            for (a, b) in [(copy, base), (base, copy), (base, Self.randomText(seed + 5000, pieces: 60))] {
                let want = Self.referenceLongest(a, b)
                XCTAssertEqual(SharedPassage.longest(a, b), want, "seed \(seed)")
                XCTAssertEqual(SharedPassage.longest(a, b, maxWords: 3), Self.referenceLongest(a, b, maxWords: 3), "seed \(seed)")
                if !want.isEmpty { nonEmpty += 1 }
            }
        }
        XCTAssertGreaterThan(nonEmpty, 500)
        // Repeated words: more than 64 positions of one key, long runs.
        let repeated = Array(repeating: "the cat", count: 100).joined(separator: " ")
        let other = "a " + Array(repeating: "the cat", count: 50).joined(separator: " ") + " sat"
        XCTAssertEqual(SharedPassage.longest(other, repeated), Self.referenceLongest(other, repeated))
        XCTAssertEqual(SharedPassage.longest(other, repeated), Array(repeating: "the cat", count: 20).joined(separator: " ") + " ...")
    }

    /// Mostly ASCII text of words from 1 to 40 bytes (so that word keys take the 8-bytes-at-a-time
    /// path and every way out of it), punctuation around and inside words, and now and then a
    /// non-ASCII scalar, a carriage return or a tab; words from a small vocabulary when `small`.
    private static func asciiHeavyText(_ seed: UInt64, words: Int, small: Bool = false) -> String {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 11
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let vocabulary = ["the", "The", "THE", "cat", "sat,", "on", "mat.", "(mat)", "\"cat\"", "—", "--", "it's", "U.S.", "a"]
        let separators = [" ", " ", " ", " ", " ", " ", "  ", "\n", "\n\n", "\r\n", "\t", " \u{301}", "\u{A0}"]
        let marks = [".", ",", "\"", "'", "(", ")", "-", ":", "é", "İ", "😀", "\r", "\u{200D}", "ß"]
        var out = ""
        for w in 0..<words {
            if w > 0 { out += separators[next(separators.count)] }
            if small { out += vocabulary[next(vocabulary.count)]; continue }
            let length = next(10) == 0 ? 9 + next(32) : 1 + next(10)
            var word = String((0..<length).map { _ in letters[next(letters.count)] })
            for _ in 0..<[0, 0, 0, 1, 1, 2][next(6)] {
                let mark = marks[next(marks.count)]
                switch next(3) {
                case 0: word = mark + word
                case 1: word += mark
                default: word.insert(contentsOf: mark, at: word.index(word.startIndex, offsetBy: next(word.count + 1)))
                }
            }
            out += word
        }
        return out
    }

    /// The shared passage's word key as it was computed before: FNV-1a over the key scalars.
    private static func referenceFNVKey(_ w: Substring) -> UInt64 {
        var h = ShingleHash.offsetBasis
        var any = false
        for u in w.unicodeScalars where Tokenizer.isWordScalar(u) {
            any = true
            for l in u.properties.lowercaseMapping.unicodeScalars { h = (h ^ UInt64(l.value)) &* ShingleHash.prime }
        }
        return any ? h : 0
    }

    func testSharedPassageWordKeysMatchTheByteByByteKey() {
        var texts = (0..<300 as Range<UInt64>).map { Self.asciiHeavyText($0, words: Int($0 % 120) + 1) }
        texts += (0..<100 as Range<UInt64>).map { Self.randomText($0, pieces: 40) }
        texts += ["", " ", "a", "a ", " a", "abcdefgh ", "abcdefghi ", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 end",
                  "\"Hello,\" she said.\n", "x\r\ny", "word \u{301}next", "end\u{600} x", "12345678 123456789 1234567890123456 ",
                  String(repeating: "a", count: 40) + " " + String(repeating: "B", count: 33) + " z",
                  // Words of 64 bytes and more, across 64-byte blocks.
                  "x " + String(repeating: "Ab", count: 32) + " " + String(repeating: "c", count: 64) + "! " + String(repeating: "Ab", count: 40) + " y",
                  String(repeating: "q", count: 63) + " " + String(repeating: "-", count: 70) + " " + String(repeating: "9", count: 130)]
        // Old keys (FNV) to new keys: equal words must keep equal keys and different words different ones.
        var newOfOld: [UInt64: UInt64] = [:], oldOfNew: [UInt64: UInt64] = [:]
        var words = 0
        for text in texts {
            let w = SharedPassage.Words(text)
            let split = TextWords.substrings(text, tabs: false)
            XCTAssertEqual(w.keys, split.map(SharedPassage.key), text.debugDescription)
            XCTAssertEqual(w.starts.map(Int.init), split.map { text.utf8.distance(from: text.utf8.startIndex, to: $0.startIndex) },
                           text.debugDescription)
            for (word, key) in zip(split, w.keys) {
                let old = Self.referenceFNVKey(word)
                XCTAssertEqual(key == 0, old == 0, word.debugDescription)
                XCTAssertEqual(newOfOld[old, default: key], key, word.debugDescription)
                XCTAssertEqual(oldOfNew[key, default: old], old, word.debugDescription)
                newOfOld[old] = key
                oldOfNew[key] = old
                words += 1
            }
        }
        XCTAssertGreaterThan(words, 10_000)
        XCTAssertGreaterThan(newOfOld.count, 5_000)
        // Short ASCII keys are the lowercased letters and digits themselves.
        XCTAssertEqual(SharedPassage.key("\"Ab1,"), UInt64(0x31_62_61))
        XCTAssertEqual(SharedPassage.key("(--)"), 0)
    }

    func testSharedPassageMatchesTheStringImplementationOnRepetitiveText() {
        var nonEmpty = 0
        for seed in 0..<120 as Range<UInt64> {
            // Few distinct words: more than 64 positions of a key, many runs of one or two words.
            let a = Self.asciiHeavyText(seed, words: 20 + Int(seed % 200), small: true)
            let b = Self.asciiHeavyText(seed + 7_000, words: 20 + Int(seed * 7 % 300), small: true)
            let c = Self.asciiHeavyText(seed + 9_000, words: 200, small: seed % 2 == 0)
            for (x, y) in [(a, b), (b, a), (a, c), (c, b), (a, a + " " + b)] {
                let want = Self.referenceLongest(x, y)
                XCTAssertEqual(SharedPassage.longest(x, y), want, "seed \(seed)")
                XCTAssertEqual(SharedPassage.longest(x, y, maxWords: 5), Self.referenceLongest(x, y, maxWords: 5), "seed \(seed)")
                if !want.isEmpty { nonEmpty += 1 }
            }
        }
        XCTAssertGreaterThan(nonEmpty, 400)
        // Only single-word runs: the first word of the first text found in the second.
        XCTAssertEqual(SharedPassage.longest("x one y two", "two z one"), "one")
        XCTAssertEqual(SharedPassage.longest("-- x", "y --"), "")
    }

    /// The excerpt as it was written before (`hasSuffix` asked of the growing string).
    private static func referenceExcerpt(_ words: [Substring], added: [Bool], context: Int, limit: Int) -> String {
        let n = words.count
        guard added.contains(true) else { return "" }
        var mark = added
        var lastAdded = -1
        for i in 0..<n where added[i] {
            if lastAdded >= 0, i - lastAdded - 1 <= 2 { for j in (lastAdded + 1)..<i { mark[j] = true } }
            lastAdded = i
        }
        var show = [Bool](repeating: false, count: n)
        for i in 0..<n where mark[i] {
            for j in max(0, i - context)...min(n - 1, i + context) { show[j] = true }
        }
        var out = "", shown = 0, i = 0, inMark = false
        while i < n {
            if !show[i] {
                var j = i
                while j < n && !show[j] { j += 1 }
                if inMark { out += "</mark>"; inMark = false }
                out += " <span class=\"gap\">… \(HTML.plural(j - i, "word")) in common …</span> "
                i = j
                continue
            }
            if shown >= limit {
                if inMark { out += "</mark>"; inMark = false }
                let rest = (i..<n).filter { added[$0] }.count
                out += " <span class=\"gap\">… \(rest > 0 ? "\(HTML.plural(rest, "more added word")) not shown" : "cut") …</span>"
                break
            }
            if mark[i] && !inMark { out += (out.isEmpty || out.hasSuffix(" ") ? "" : " ") + "<mark>"; inMark = true }
            else if !mark[i] && inMark { out += "</mark>"; inMark = false }
            out += (out.isEmpty || out.hasSuffix(" ") || out.hasSuffix("<mark>") ? "" : " ") + HTML.escape(words[i])
            shown += 1
            i += 1
        }
        if inMark { out += "</mark>" }
        return HTML.trimmingWhitespace(out)
    }

    func testExcerptMatchesTheHasSuffixImplementation() {
        var checked = 0
        for seed in 0..<300 as Range<UInt64> {
            // Words ending in a space that is not a Character of its own ("\u{600} "), in a control
            // character escaped as a space ("storm\r"), in "<" or ">" (escaped), ...
            let text = seed % 3 == 0 ? Self.asciiHeavyText(seed, words: 120) : Self.randomText(seed, pieces: 120)
                + (seed % 5 == 0 ? " x\u{600} <mark> a\r b\u{600}  c" : "")
            let words = WordDiff.words(text)
            guard !words.isEmpty else { continue }
            var diff = WordDiff(copy: words, ids: [Int32](repeating: -1, count: words.count), canonicalTrigrams: WordDiff.trigrams([]))
            var state = seed &+ 99
            diff.added = words.indices.map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return (state >> 33) % UInt64(2 + seed % 7) == 0
            }
            diff.addedCount = diff.added.filter { $0 }.count
            XCTAssertEqual(diff.words.count, words.count)
            for (context, limit) in [(4, 90), (1, 12), (0, 200)] {
                let want = Self.referenceExcerpt(words, added: diff.added, context: context, limit: limit)
                XCTAssertEqual(diff.excerptHTML(context: context, limit: limit), want, "seed \(seed)")
                if !want.isEmpty { checked += 1 }
            }
        }
        XCTAssertGreaterThan(checked, 600)
    }

    /// The report's word key as it was computed before (String operations only).
    private static func referenceKey(_ w: Substring) -> String {
        var lower = w.lowercased()
        while let last = lower.unicodeScalars.last, !Tokenizer.isWordScalar(last) { lower.unicodeScalars.removeLast() }
        if lower.hasSuffix("'s") || lower.hasSuffix("’s") { lower.removeLast(2) }
        return String(String.UnicodeScalarView(lower.unicodeScalars.filter { Tokenizer.isWordScalar($0) }))
    }

    func testReportWordKeysMatchTheStringImplementation() {
        var checked = 0
        for seed in 0..<200 as Range<UInt64> {
            for w in WordDiff.words(Self.randomText(seed, pieces: 30)) + ["Trump's", "TRUMP'S", "it's.", "'s", "s", "'", "O'Neil's,", "x''s"] {
                XCTAssertEqual(WordDiff.key(w), Self.referenceKey(w), w.debugDescription)
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 1000)
        XCTAssertEqual(WordDiff.key("Trump’s"), "trump")
        XCTAssertEqual(HTML.trimmingWhitespace(" \t a b \u{1680}"), "a b")
        XCTAssertEqual(HTML.trimmingWhitespace("\u{A0}x<mark>y</mark> "), "\u{A0}x<mark>y</mark>".trimmingCharacters(in: .whitespaces))
    }

    func testHeadlineWordPartsMatchTheCharacterSplit() {
        func reference(_ w: Substring) -> [String] {
            w.split(whereSeparator: { $0 == "-" || $0 == "–" || $0 == "—" || $0 == "/" || $0 == ":" }).map(WordDiff.key).filter { !$0.isEmpty }
        }
        var ascii = 0
        var words: [Substring] = ["1-Musk’s", "x-ray", "--", "-a-", "a//b:c", "U.S.-China", "Trump's/Biden's", ":", "", "a\r\nb-c", "e\u{301}-x"]
        for seed in 0..<200 as Range<UInt64> {
            words += WordDiff.words(Self.randomText(seed, pieces: 30))
            words += WordDiff.words(Self.asciiHeavyText(seed, words: 30).replacingOccurrences(of: ".", with: "-"))
        }
        for w in words {
            XCTAssertEqual(WordDiff.parts(w), reference(w), w.debugDescription)
            if w.utf8.allSatisfy({ $0 < 0x80 }) { ascii += 1 }
        }
        XCTAssertGreaterThan(ascii, 3000)
    }

    /// The report's key ids as they were numbered before (a `[String: Int32]` of `WordDiff.key`).
    private static func referenceIDs(_ texts: [[Substring]]) -> [[Int32]] {
        var numbers: [String: Int32] = [:]
        return texts.map { words in
            words.map { w in
                let k = WordDiff.key(w)
                if k.isEmpty { return -1 }
                if let n = numbers[k] { return n }
                numbers[k] = Int32(numbers.count)
                return Int32(numbers.count - 1)
            }
        }
    }

    func testReportWordKeyIDsMatchADictionaryOfKeys() {
        // Several texts through one table (as for a group's canonical and copies), enough
        // distinct keys to grow the table several times, long and non-ASCII words.
        for seed in 0..<40 as Range<UInt64> {
            var texts = (0..<4).map { WordDiff.words(Self.randomText(seed * 10 + $0, pieces: 200)) }
            texts.append((0..<3000).map { Substring("w\($0 % (seed % 2 == 0 ? 3000 : 700))'s") })
            texts.append(["", "'s", "--", String(repeating: "Ab", count: 100) + "!", "x\(seed)", "X\(seed).", "ÉTÉ", "été"].map { Substring($0) })
            var keys = WordKeys()
            XCTAssertEqual(texts.map { keys.ids($0) }, Self.referenceIDs(texts), "seed \(seed)")
        }
    }

    func testTrigramSetMatchesASet() {
        var state: UInt64 = 12345
        func next(_ n: UInt64) -> Int32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int32((state >> 33) % n)
        }
        for size in [0, 1, 2, 3, 7, 100, 5000] {
            let ids = (0..<size).map { _ in next(10) == 0 ? -1 : next(size < 50 ? 5 : 300) }
            let set = WordDiff.trigrams(ids)
            let k = ids.filter { $0 >= 0 }
            let reference: Set<WordDiff.Trigram> = k.count < 3 ? Set(k.map(WordDiff.Trigram.single))
                : Set((0...(k.count - 3)).map { WordDiff.Trigram(a: k[$0], b: k[$0 + 1], c: k[$0 + 2]) })
            for t in reference { XCTAssertTrue(set.contains(t), "\(size) \(t)") }
            for _ in 0..<2000 {
                let t = next(3) == 0 ? WordDiff.Trigram.single(next(300))
                    : WordDiff.Trigram(a: next(300), b: next(300), c: next(300))
                XCTAssertEqual(set.contains(t), reference.contains(t), "\(size) \(t)")
            }
        }
    }

    func testReportIsTheSameWithHandedOverTexts() throws {
        let s = try demo()
        let pipeline = Pipeline(configuration: Configuration())
        let manifest = pipeline.makeManifest(inputs: ["Corpus"], state: s, stages: [], started: Date(timeIntervalSince1970: 0),
                                             outputs: ["report.html"])
        var texts: [Int: String] = [:]
        for i in ReportBuilder.textsNeeded(state: s, caps: manifest.configuration.report) { texts[i] = s.corpus.text(of: i) }
        let page = ReportBuilder.html(state: s, manifest: manifest)
        XCTAssertEqual(ReportBuilder.html(state: s, manifest: manifest, texts: texts), page)
        XCTAssertTrue(page.contains("<mark>"))
    }
}
