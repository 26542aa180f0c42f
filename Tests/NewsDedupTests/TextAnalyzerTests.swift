import XCTest
@testable import NewsDedup
import LinearAlgebra
import SyntheticNews

final class TextAnalyzerTests: XCTestCase {
    /// An article's names: terms it writes capitalised that the night writes capitalised
    /// mid-sentence, almost never lowercase, and at least once not after another capitalised
    /// word; months, weekdays, titles and stop words never count.
    func testArticleNames() {
        let analyzer = TextAnalyzer(tfidf: TFIDFConfiguration(), shingleSize: 3)
        let articles = [
            Article(id: "a", title: "Festival opens in Fjellby",
                    text: "Organizers of the Northern Lights Festival in Fjellby expect crowds. The festival runs all week, and festival staff said Dr. Berg opens it on Monday."),
            Article(id: "b", title: "Harbor City festival draws crowds",
                    text: "Visitors to the festival in Harbor City praised the food. Harbor City officials said the festival will return with Monday markets."),
            Article(id: "c", title: "No names here", text: "a quiet day with nothing named at all."),
        ]
        let analyzed = analyzer.analyze(articles)
        XCTAssertEqual(analyzed.names.documentCount, 3)
        func names(_ d: Int) -> [String] { analyzed.names.names(of: d).map { analyzed.terms[Int($0)] } }
        XCTAssertEqual(Set(names(0)), ["fjellby", "northern"])
        XCTAssertEqual(names(1), ["harbor"])
        XCTAssertEqual(names(2), [])
        for d in 0..<3 { XCTAssertEqual(Array(analyzed.names.names(of: d)), analyzed.names.names(of: d).sorted()) }
        XCTAssertTrue(ArticleNames.intersect([1, 4, 9], [2, 9]))
        XCTAssertFalse(ArticleNames.intersect([1, 4, 9], [2, 5, 10]))
        XCTAssertFalse(ArticleNames.intersect([], [2]))
    }

    /// Headlines keep their typography for display, but are folded before tokenizing, so a
    /// curly apostrophe counts like a straight one.
    func testCurlyApostrophesInHeadlinesTokenizeLikeStraightOnes() {
        var tfidf = TFIDFConfiguration()
        tfidf.stopWords = false
        let analyzer = TextAnalyzer(tfidf: tfidf, shingleSize: 3)
        let curly = Article(id: "a", title: "Musk\u{2019}s envoy don\u{2019}t go", text: "body text here")
        let straight = Article(id: "b", title: "Musk's envoy don't go", text: "body text here")
        let analyzed = analyzer.analyze([curly, straight])
        func terms(_ d: Int) -> Set<String> {
            Set((analyzed.termStart[d]..<analyzed.termStart[d + 1]).map { analyzed.terms[Int(analyzed.termIDs[$0])] })
        }
        XCTAssertEqual(terms(0), terms(1))
        XCTAssertTrue(terms(0).contains("don't"))
        XCTAssertTrue(terms(0).contains("musk"))
        XCTAssertEqual(Array(analyzed.shingles(of: 0)), Array(analyzed.shingles(of: 1)))
    }

    /// ASCII-only text folds backticks and carriage returns too.
    func testASCIIOnlyTextIsFolded() {
        XCTAssertEqual(TextNormalizer.body("it`s here\r\nnext"), "it's here\nnext")
    }

    /// The shingle-key sort used while tokenizing gives what the standard library's sort gives:
    /// sizes on both sides of the insertion-sort cut, duplicates, keys that agree on some bytes
    /// (skipped passes), and a scratch buffer reused across calls of different sizes.
    /// The vocabulary's table (8-byte-word hash) against a plain dictionary: dense ids in
    /// first-seen order through several table growths, for tokens of every length 1...24 that
    /// share prefixes and differ in any byte (the hash's head, overlapping tail and short forms).
    func testVocabularyInternMatchesDictionary() {
        // The default table (grown several times) and one sized up front (as pass 1 sizes it).
        var growths: [Int] = []
        for initial in [TokenVocabulary(), TokenVocabulary(expectedTokens: 20_000)] {
        var vocabulary = initial
        var reference: [String: UInt32] = [:]
        var state: UInt64 = 7
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789'".utf8)
        for _ in 0..<40_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = Int(state >> 59) % 24 + 1
            var token: [UInt8] = []
            for k in 0..<length {
                // Few distinct letters per position: many tokens share prefixes and suffixes.
                token.append(alphabet[Int((state >> UInt64(k % 29)) % 5) + (k % 3)])
            }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            if state >> 62 == 0 { token.append(alphabet[Int(state >> 33) % alphabet.count]) }
            let key = String(decoding: token, as: UTF8.self)
            let id = token.withUnsafeBufferPointer { vocabulary.intern($0, stopWords: ["the"]) }
            let expected = reference[key] ?? UInt32(reference.count)
            reference[key] = expected
            XCTAssertEqual(id, expected, key)
            XCTAssertEqual(vocabulary.string(id), key)
        }
        XCTAssertEqual(vocabulary.count, reference.count)
        XCTAssertGreaterThan(reference.count, 5000, "the table grew several times")
        let the = Array("the".utf8).withUnsafeBufferPointer { vocabulary.intern($0, stopWords: ["the"]) }
        XCTAssertTrue(vocabulary.isStop[Int(the)])
        growths.append(vocabulary.generation)
        }
        XCTAssertLessThan(growths[1] + 2, growths[0], "the table sized up front grew less")
    }

    /// A chunk's table goes back to the pool when interning ends; the next chunk's vocabulary of
    /// that size takes it (the pool is not empty after the first) and starts from an empty table:
    /// the first chunk's tokens get the second's dense ids, not their old ones.
    func testVocabularyTableReusedAcrossChunksStartsEmpty() {
        func intern(_ v: inout TokenVocabulary, _ word: String) -> UInt32 {
            var w = word
            return w.withUTF8 { v.intern($0, stopWords: []) }
        }
        var first = TokenVocabulary(expectedTokens: 20_000)
        for k in 0..<5_000 { XCTAssertEqual(intern(&first, "first\(k)"), UInt32(k)) }
        first.finishInterning()
        var second = TokenVocabulary(expectedTokens: 20_000)
        // Tokens of the first chunk, in another order, then new ones: ids 0, 1, 2, ...
        let words = (0..<5_000).reversed().map { "first\($0)" } + (0..<1_000).map { "second\($0)" }
        for (id, w) in words.enumerated() {
            XCTAssertEqual(intern(&second, w), UInt32(id), w)
            XCTAssertEqual(second.string(UInt32(id)), w)
        }
        XCTAssertEqual(second.count, words.count)
        XCTAssertEqual(second.generation, 0, "sized up front: no growth")
        second.finishInterning()
    }

    /// Interning a text's tokens with the slot hints read before any of them is interned (as
    /// pass 1 does) gives the ids interning them one by one gives: through table growths (stale
    /// hints), with tokens repeated within a text (a hint read before their first insert), long
    /// tokens compared in the arena, and equal heads of different lengths.
    func testHintedInternMatchesIntern() {
        var hinted = TokenVocabulary(), plain = TokenVocabulary()
        var rng = SplitMix64(seed: 21)
        let stop = StopWordSet(["the"])
        let alphabet = Array("abcdefgh".utf8)
        for _ in 0..<600 {
            let words: [[UInt8]] = (0..<Int.random(in: 1...80, using: &rng)).map { _ in
                let length = [1, 2, 8, 11, 12, 19].randomElement(using: &rng)!
                return (0..<length).map { k in k < 6 ? alphabet[Int.random(in: 0..<3, using: &rng)] : alphabet[Int.random(in: 0..<8, using: &rng)] }
            }
            let keys = words.map { w in w.withUnsafeBufferPointer { TokenVocabulary.Key($0) } }
            var hints = [UInt64](repeating: 0, count: keys.count)
            let generation = hinted.generation
            keys.withUnsafeBufferPointer { k in hints.withUnsafeMutableBufferPointer { hinted.firstSlots(k.baseAddress!, count: k.count, into: $0.baseAddress!) } }
            for (t, w) in words.enumerated() {
                let a = w.withUnsafeBufferPointer { hinted.intern($0, key: keys[t], stop: stop, hint: hints[t], hintGeneration: generation) }
                let b = w.withUnsafeBufferPointer { plain.intern($0, key: keys[t], stop: stop) }
                XCTAssertEqual(a, b, String(decoding: w, as: UTF8.self))
            }
        }
        XCTAssertEqual(hinted.count, plain.count)
        XCTAssertGreaterThan(hinted.generation, 2, "the table grew while hints were held")
    }

    /// `StopWordSet` (found by table key and bytes) answers as the `Set<String>` it is built from,
    /// for every stop word, for words that share a stop word's prefix or extend it, and for
    /// tokens longer than the table key holds; an empty set holds nothing.
    func testStopWordSetMatchesSet() {
        let stop = StopWordSet(StopWords.english)
        var probes = Array(StopWords.english)
        for w in StopWords.english {
            probes += [w + "s", String(w.dropLast()), w + "x" + w, w.uppercased(), "\(w)'s"]
        }
        probes += ["", "z", "internationalisation", "themselves", "themselvesx", "caf\u{E9}", "\u{6771}\u{4EAC}"]
        for word in probes {
            var w = word
            let got = w.withUTF8 { stop.contains($0, hash: TokenVocabulary.Key($0).hash) }
            XCTAssertEqual(got, StopWords.english.contains(word), word)
            XCTAssertFalse(w.withUTF8 { StopWordSet([]).contains($0, hash: TokenVocabulary.Key($0).hash) }, word)
        }
    }

    /// The size-3 shingles hashed three windows at a time against one window at a time (and
    /// against `ShingleHash.hash` of the token strings), on segments of every length 0...40 at
    /// every offset, with non-ASCII and apostrophe tokens.
    func testShingles3MatchesGenericShingles() {
        var vocabulary = TokenVocabulary()
        let words = ["port", "strike", "o'neill", "caf\u{E9}", "\u{6771}\u{4EAC}", "42", "don't", "a1", "zürich", "x"]
        let ids = words.map { w in Array(w.utf8).withUnsafeBufferPointer { vocabulary.intern($0, stopWords: []) } }
        var state: UInt64 = 99
        var stream: [UInt32] = []
        for _ in 0..<200 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            stream.append(ids[Int(state >> 33) % ids.count])
        }
        stream.withUnsafeBufferPointer { t in
            for length in 0...40 {
                for start in stride(from: 0, to: 160, by: 7) {
                    let segment = t[start..<(start + length)]
                    var fast: [UInt32] = [], slow: [UInt32] = []
                    vocabulary.shingles3(segment, into: &fast)
                    vocabulary.shinglesGeneric(segment, size: 3, into: &slow)
                    XCTAssertEqual(fast, slow, "start \(start) length \(length)")
                    XCTAssertEqual(fast.count, max(0, length - 2))
                    if length >= 3 {
                        let strings = segment.prefix(3).map { vocabulary.string($0) }
                        XCTAssertEqual(fast.first, ShingleHash.key(ShingleHash.hash(tokens: strings)))
                    }
                }
            }
        }
    }

    /// Size-3 shingles hashed from a tokenized text's bytes (`TokenVocabulary.shingles3(bytes:...)`,
    /// what pass 1 uses) against the same tokens hashed by vocabulary id and against
    /// `ShingleHash.hash` of the token strings, on short texts and random texts with non-ASCII
    /// letters, apostrophes, a trailing 's and one-letter words; keys already in the array stay.
    func testShingles3FromBytesMatchesShinglesByID() {
        let tokenizer = Tokenizer()
        var vocabulary = TokenVocabulary()
        var buffer = TokenBuffer(bytes: 16, tokens: 4)
        defer { buffer.release() }
        var rng = SplitMix64(seed: 21)
        let pieces = ["port", "Strike", "O'Neill's", "caf\u{E9}", "\u{6771}\u{4EAC}", "42", "don't", "a", "Z\u{FC}rich", "\u{130}stanbul",
                      ", ", ". ", " ", " \u{2014} ", "\n", "'"]
        var texts = ["", "one", "one two", "one two three", "Port strike: O'Neill's caf\u{E9} in Z\u{FC}rich, \u{6771}\u{4EAC} 42 don't stop"]
        for _ in 0..<60 {
            let words = Int(rng.next() % 120)
            texts.append((0..<words).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined(separator: " "))
        }
        for text in texts {
            tokenizer.tokenize(text, into: &buffer)
            var ids: [UInt32] = []
            var lo = 0
            for t in 0..<buffer.count {
                let hi = Int(buffer.ends[t])
                ids.append(vocabulary.intern(UnsafeBufferPointer(start: buffer.bytes + lo, count: hi - lo), stopWords: []))
                lo = hi
            }
            var fromBytes: [UInt32] = [7], byID: [UInt32] = [7]
            TokenVocabulary.shingles3(bytes: buffer.bytes, ends: buffer.ends, count: buffer.count, into: &fromBytes)
            ids.withUnsafeBufferPointer { vocabulary.shingles3($0[...], into: &byID) }
            XCTAssertEqual(fromBytes, byID, text)
            let words = tokenizer.tokens(text)
            XCTAssertEqual(words.count, buffer.count, text)
            let expected = words.count < 3 ? [] : (0..<(words.count - 2)).map { ShingleHash.key(ShingleHash.hash(tokens: words[$0..<($0 + 3)])) }
            XCTAssertEqual(Array(fromBytes.dropFirst()), expected, text)
        }
    }

    func testKeySortMatchesStandardSort() {
        var rng = SplitMix64(seed: 7)
        var scratch: [UInt32] = []
        for n in [0, 1, 2, 31, 32, 33, 100, 600, 2500] {
            for pattern in 0..<4 {
                var keys = (0..<n).map { _ -> UInt32 in
                    let r = UInt32(truncatingIfNeeded: rng.next())
                    switch pattern {
                    case 0: return r                                  // all bytes vary
                    case 1: return r % 50                             // many duplicates, high bytes equal
                    case 2: return 0xAB00_0000 | (r & 0x00FF_00FF)    // top byte and one middle byte constant
                    default: return r | 0xFFFF_FF00                   // only the low byte varies
                    }
                }
                let expected = keys.sorted()
                KeySort.sort(&keys, scratch: &scratch)
                XCTAssertEqual(keys, expected, "n \(n), pattern \(pattern)")
            }
        }
    }

    /// `KeySort.sortUniform` (the shingle keys' sort: top bits, then insertion) against the
    /// standard sort, for evenly spread keys of every size around its bucket counts and for
    /// skewed keys that make it fall back to the LSD sort (one crowded bucket, duplicates).
    func testUniformKeySortMatchesStandardSort() {
        var rng = SplitMix64(seed: 9)
        var scratch: [UInt32] = []
        for n in [0, 1, 2, 31, 32, 33, 255, 256, 257, 511, 512, 513, 600, 1025, 4096, 8192, 8193, 9000] {
            for pattern in 0..<5 {
                var keys = (0..<n).map { i -> UInt32 in
                    let r = UInt32(truncatingIfNeeded: rng.next())
                    switch pattern {
                    case 0: return r                                  // evenly spread
                    case 1: return r % 50                             // all in the first bucket
                    case 2: return r & 0xFF80_0000                    // few distinct, many repeats
                    case 3: return i % 40 == 0 ? 0x7700_0000 : r      // one bucket a bit crowded
                    default: return UInt32.max - UInt32(i)            // descending
                    }
                }
                let expected = keys.sorted()
                KeySort.sortUniform(&keys, scratch: &scratch)
                XCTAssertEqual(keys, expected, "n \(n), pattern \(pattern)")
            }
        }
    }

    /// The TF-IDF rows' keys: column in the upper four bytes (distinct within a row), entry
    /// number in the lower ones; sorting by the upper bytes gives the plain ascending order.
    func testKeySortByUpperBytesMatchesStandardSort() {
        var rng = SplitMix64(seed: 8)
        var scratch: [UInt64] = []
        for n in [0, 1, 2, 31, 32, 33, 250, 2500, 70_000] {
            for limit in [UInt64(300), 60_000, 1 << 32] {
                guard UInt64(n) <= limit else { continue }
                // n distinct columns below `limit`, shuffled; the entry number is the position.
                var columns = Set<UInt64>()
                while columns.count < n { columns.insert(rng.next() % limit) }
                var keys = columns.sorted().map { $0 << 32 }
                for i in stride(from: keys.count - 1, to: 0, by: -1) { keys.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                for i in keys.indices { keys[i] |= UInt64(i) }
                let expected = keys.sorted()
                KeySort.sort(&keys, scratch: &scratch, fromByte: 4)
                XCTAssertEqual(keys, expected, "n \(n), columns below \(limit)")
            }
        }
    }

    /// `KeySort.sort(fromByte: 4)` is a stable sort by the high 32 bits: duplicate high words keep their
    /// low words in input order.
    func testSortByHighWordIsAStableSortByTheHighWord() {
        var rng = SplitMix64(seed: 8)
        var scratch: [UInt64] = []
        for n in [0, 1, 2, 31, 32, 33, 100, 600, 2500] {
            for pattern in 0..<4 {
                var values = (0..<n).map { i -> UInt64 in
                    let r = UInt32(truncatingIfNeeded: rng.next())
                    let high: UInt32
                    switch pattern {
                    case 0: high = r                                  // all bytes vary
                    case 1: high = r % 50                             // many duplicates, high bytes equal
                    case 2: high = 0xAB00_0000 | (r & 0x00FF_00FF)    // top byte and one middle byte constant
                    default: high = r | 0xFFFF_FF00                   // only the low byte varies
                    }
                    return UInt64(high) << 32 | UInt64(i)
                }
                let expected = values.enumerated().sorted { ($0.element >> 32, $0.offset) < ($1.element >> 32, $1.offset) }.map(\.element)
                KeySort.sort(&values, scratch: &scratch, fromByte: 4)
                XCTAssertEqual(values, expected, "n \(n), pattern \(pattern)")
            }
        }
    }

    /// `ByteInterner` (the merge of the chunks' vocabularies) numbers terms in first-seen order,
    /// like a `[String: Int32]`, through several growths, with non-ASCII terms and a forced
    /// hash collision (equal hashes, different strings stay apart).
    func testByteInternerNumbersTermsInFirstSeenOrder() {
        var rng = SplitMix64(seed: 12)
        let alphabet = Array("abcdeé漢ß0")
        var table = ByteInterner()
        var reference: [String: Int32] = [:]
        for _ in 0..<30_000 {
            let term = String((0..<Int.random(in: 1...4, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            var vocabulary = TokenVocabulary()
            let id = Array(term.utf8).withUnsafeBufferPointer { vocabulary.intern($0, stopWords: []) }
            let expected = reference[term] ?? Int32(reference.count)
            reference[term] = expected
            let hash = UInt64(UInt32(truncatingIfNeeded: vocabulary.hash(id)))
            XCTAssertEqual(Array(term.utf8).withUnsafeBufferPointer { table.id(of: $0, hash: hash) }, expected, term)
        }
        XCTAssertEqual(table.count, reference.count)
        for g in 0..<table.count { XCTAssertEqual(reference[table.string(g)], Int32(g)) }
        var collide = ByteInterner()
        func id(_ s: String) -> Int32 { Array(s.utf8).withUnsafeBufferPointer { collide.id(of: $0, hash: 7) } }
        XCTAssertEqual(id("x"), 0)
        XCTAssertEqual(id("y"), 1)
        XCTAssertEqual(id("x"), 0)
        XCTAssertEqual(id("y"), 1)
    }
}

final class TermOrderTests: XCTestCase {
    /// `ByteInterner.byteOrderRanks` is the order of sorting the terms by their UTF-8 bytes,
    /// with prefixes, keys agreeing on their first 8 bytes or more, zero bytes, non-ASCII.
    func testByteOrderRanksSortTermsByTheirBytes() {
        var rng = SplitMix64(seed: 5)
        let alphabet = Array("ab\u{0}é漢z")
        var table = ByteInterner()
        var terms: [String] = []
        for _ in 0..<5_000 {
            let stem = ["", "abababab", "ab"].randomElement(using: &rng)!
            let term = stem + String((0..<Int.random(in: 0...10, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            var bytes = Array(term.utf8)
            let before = table.count
            _ = bytes.withUnsafeMutableBufferPointer { b in table.id(of: UnsafeBufferPointer(b), hash: UInt64(b.count)) }
            if table.count > before { terms.append(term) }
        }
        let rank = table.byteOrderRanks()
        let expected = terms.indices.sorted { terms[$0].utf8.lexicographicallyPrecedes(terms[$1].utf8) }
        XCTAssertEqual(rank.count, terms.count)
        XCTAssertEqual(Set(rank).count, terms.count)
        for (r, t) in expected.enumerated() { XCTAssertEqual(rank[t], Int32(r), terms[t]) }
    }

    /// The analysis lists each article's terms in column order, so `transform` sorts no row;
    /// a corpus with shuffled rows and no ranks (so `fit` sorts the strings) gives the same
    /// model and matrix.
    func testRowsInAnyOrderGiveTheSameMatrix() throws {
        let articles = SyntheticCorpus(count: 300, seed: 4).articles().map {
            Article(id: $0.id, title: $0.title, text: $0.text, source: $0.source)
        }
        let configuration = TFIDFConfiguration()
        let analyzed = TextAnalyzer(tfidf: configuration, shingleSize: 3).analyze(articles)
        XCTAssertEqual(analyzed.termRank.count, analyzed.terms.count)
        var shuffled = analyzed
        shuffled.termRank = []
        var rng = SplitMix64(seed: 9)
        for d in 0..<analyzed.documentCount {
            let range = analyzed.termStart[d]..<analyzed.termStart[d + 1]
            // In rank order as given.
            XCTAssertEqual(range.map { analyzed.termRank[Int(analyzed.termIDs[$0])] },
                           range.map { analyzed.termRank[Int(analyzed.termIDs[$0])] }.sorted())
            let order = Array(range).shuffled(using: &rng)
            for (p, q) in zip(range, order) {
                shuffled.termIDs[p] = analyzed.termIDs[q]
                shuffled.termCounts[p] = analyzed.termCounts[q]
            }
        }
        let model = try TFIDFVectorizer(configuration).fit(analyzed)
        let other = try TFIDFVectorizer(configuration).fit(shuffled)
        XCTAssertEqual(model.vocabulary, other.vocabulary)
        XCTAssertEqual(model.columnOfTerm, other.columnOfTerm)
        XCTAssertEqual(model.idf, other.idf)
        let a = model.transform(analyzed).matrix, b = other.transform(shuffled).matrix
        XCTAssertEqual(a.rowStart, b.rowStart)
        XCTAssertEqual(a.columnIndex, b.columnIndex)
        XCTAssertEqual(a.values, b.values)
        XCTAssertGreaterThan(a.nonzeroCount, 1000)
    }
}

final class BoilerplateFlagTests: XCTestCase {
    /// Pass 2 shingles a body again only for articles whose set had a boilerplate shingle: with
    /// the flags from `KeptShingles.select` the term counts are the same as with every article
    /// searched, and the footer's words are still left out of the articles that carry it.
    func testBoilerplateFlagsSkipOnlyArticlesWithoutBoilerplate() {
        let analyzer = TextAnalyzer(tfidf: TFIDFConfiguration(), shingleSize: 3)
        // 400 made-up words: random trigrams almost never repeat, so the footer is the only boilerplate.
        let syllables = ["ka", "lo", "mi", "ru", "te", "sa", "po", "ne", "vi", "du", "ga", "fe", "zo", "bi", "ha", "ju",
                         "ri", "mo", "tu", "ze"]
        let words = syllables.flatMap { a in syllables.map { b in a + b + "n" } }
        var state: UInt64 = 7
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        var articles: [Article] = []
        for d in 0..<(TextAnalyzer.chunkArticles + 101) {
            var body = (0..<20).map { _ in words[next() % words.count] }.joined(separator: " ")
            let outlet = d % 5
            // Outlet 0 appends its footer to every article, outlet 1 to a few.
            if outlet == 0 || (outlet == 1 && d % 7 == 1) { body += " Subscribe to the Gazette newsletter for daily updates" }
            articles.append(Article(id: "a\(d)", title: "\(words[next() % words.count]) \(words[next() % words.count]) news",
                                    text: body, source: "outlet\(outlet)"))
        }
        let tokenized = analyzer.tokenize(articles)
        let kept = KeptShingles.select(shingles: tokenized.analyzed.shingles, start: tokenized.analyzed.shingleStart,
                                       sources: articles.map(\.source), configuration: CopyConfiguration())
        XCTAssertFalse(kept.boilerplateShingles.isEmpty)
        XCTAssertEqual(kept.hasBoilerplate.count, articles.count)
        XCTAssertTrue(kept.hasBoilerplate.contains(true) && kept.hasBoilerplate.contains(false))
        let flagged = analyzer.terms(analyzer.tokenize(articles), boilerplate: kept.boilerplateShingles,
                                     hasBoilerplate: kept.hasBoilerplate)
        let searched = analyzer.terms(analyzer.tokenize(articles), boilerplate: kept.boilerplateShingles)
        XCTAssertEqual(flagged.terms, searched.terms)
        XCTAssertEqual(flagged.termStart, searched.termStart)
        XCTAssertEqual(flagged.termIDs, searched.termIDs)
        XCTAssertEqual(flagged.termCounts, searched.termCounts)
        // The footer was masked where it appears: "gazette" is counted in no article.
        XCTAssertFalse(flagged.terms.contains("gazette"))
        let unmasked = analyzer.terms(analyzer.tokenize(articles), boilerplate: [])
        XCTAssertTrue(unmasked.terms.contains("gazette"))
    }
}
