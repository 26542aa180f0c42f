import Foundation
import XCTest
@testable import NewsDedup
import LinearAlgebra

final class ReaderTests: XCTestCase {
    // MARK: - Helpers

    private func read(_ paths: [URL], configuration: ReaderConfiguration = ReaderConfiguration()) -> Corpus {
        CorpusReader(configuration: configuration).read(paths: paths.map(\.path))
    }

    private func article(_ corpus: Corpus, _ id: String, file: StaticString = #filePath, line: UInt = #line) -> Article? {
        let found = corpus.articles.filter { $0.id == id }
        XCTAssertEqual(found.count, 1, "expected exactly one article '\(id)', have \(corpus.articles.map(\.id))", file: file, line: line)
        return found.first
    }

    /// The single issue about `file` (and `line`), checked for action and for words in the reason.
    private func assertIssue(_ corpus: Corpus, file path: URL, line: Int? = nil, action: InputIssue.Action,
                             reasonContains words: [String], file: StaticString = #filePath, line testLine: UInt = #line) {
        let matching = corpus.issues.filter { $0.file == path.path && $0.line == line }
        guard matching.count == 1, let issue = matching.first else {
            return XCTFail("expected one issue for \(path.lastPathComponent):\(line.map(String.init) ?? "-"), have \(corpus.issues.prefix(5).map(\.message))",
                           file: file, line: testLine)
        }
        XCTAssertEqual(issue.action, action, issue.message, file: file, line: testLine)
        for word in words {
            XCTAssertTrue(issue.reason.localizedCaseInsensitiveContains(word), "reason \(issue.reason.debugDescription) should mention \(word.debugDescription)",
                          file: file, line: testLine)
        }
        XCTAssertTrue(issue.message.hasPrefix(path.path), issue.message, file: file, line: testLine)
        XCTAssertTrue(issue.message.hasSuffix("(\(action.rawValue))"), issue.message, file: file, line: testLine)
    }

    /// A well-formed article written next to every bad input, to show that one bad file or
    /// line never stops the others from being read.
    @discardableResult
    private func writeGoodArticle(in folder: URL, name: String = "good.txt") throws -> URL {
        try TestSupport.write(TestSupport.seedFormat(date: "2024-11-16", title: "A good article",
                                                     paragraphs: ["It is read whatever happens to its neighbours."]),
                              to: name, in: folder)
    }

    private func assertGoodArticleRead(_ corpus: Corpus, name: String = "good.txt", file: StaticString = #filePath, line: UInt = #line) {
        let good = corpus.articles.filter { $0.id == name }
        XCTAssertEqual(good.count, 1, "the good article is still read: \(corpus.articles.map(\.id))", file: file, line: line)
        XCTAssertEqual(good.first?.title, "A good article", file: file, line: line)
        XCTAssertEqual(good.first?.date?.iso, "2024-11-16", file: file, line: line)
    }

    // MARK: - Formats

    func testSeedFormatWithLeadingWhitespace() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("\n \t date 2024-11-15   Port  strike   ends \n\nFirst paragraph,\nstill first.\n\n\n\nSecond   paragraph.\n",
                                        to: "seed.txt", in: dir)
        let corpus = read([url])
        XCTAssertEqual(corpus.issues, [])
        XCTAssertEqual(corpus.files, [url.path])
        let a = try XCTUnwrap(article(corpus, "seed.txt"))
        XCTAssertEqual(a.date?.iso, "2024-11-15")
        XCTAssertEqual(a.title, "Port strike ends")
        // A single newline inside a paragraph is a line break, not a paragraph break: still
        // two lines after normalisation; blank-line runs collapse.
        XCTAssertEqual(a.text, "First paragraph,\nstill first.\nSecond paragraph.")
        XCTAssertNil(a.source, "a file given directly has no containing outlet folder")
        XCTAssertNil(a.url)
        XCTAssertEqual(a.file, url.path)
        XCTAssertNil(a.line)
    }

    /// The project's seed article, byte for byte: leading space before `date`, curly quotes,
    /// no trailing newline. Expected values are derived here from the raw file with plain string
    /// operations, not from the reader.
    func testTheSeedFileItself() throws {
        let url = TestSupport.repositoryRoot.appendingPathComponent("seeds/000_836ff1559c56c5c5.txt")
        let raw = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(raw.hasPrefix(" date 2024-11-15 "), "the seed starts with a space")
        XCTAssertFalse(raw.hasSuffix("\n"), "the seed has no trailing newline")
        let blocks = raw.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        let header = blocks[0]
        let expectedTitle = String(header.dropFirst("date 2024-11-15 ".count))
        let fold: (String) -> String = {
            $0.replacingOccurrences(of: "\u{2019}", with: "'").replacingOccurrences(of: "\u{201C}", with: "\"")
                .replacingOccurrences(of: "\u{201D}", with: "\"")
        }
        let expectedParagraphs = blocks.dropFirst().map(fold)

        let corpus = read([url])
        XCTAssertEqual(corpus.issues, [])
        let a = try XCTUnwrap(article(corpus, "000_836ff1559c56c5c5.txt"))
        XCTAssertEqual(a.date?.iso, "2024-11-15")
        XCTAssertEqual(a.title, "Breaking: Musk\u{2019}s Secret Iran Meeting Raises Stakes in Trump\u{2019}s Return to Power")
        XCTAssertEqual(a.title, expectedTitle, "titles keep their typography")
        let paragraphs = a.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(paragraphs.count, 20)
        XCTAssertEqual(paragraphs, expectedParagraphs)
        XCTAssertTrue(paragraphs[0].hasPrefix("In a stunning development that has sent shockwaves through Washington's diplomatic circles"))
        XCTAssertTrue(paragraphs.last!.hasSuffix("high-stakes diplomatic encounter."))
        XCTAssertFalse(a.text.contains("\u{2019}"), "the body's quotes are folded")
    }

    /// A seed-format file saved with Windows line endings reads like the LF one. Fails while
    /// `TextNormalizer.body` merges the paragraphs of pure-ASCII CRLF text (see
    /// TextNormalizerTests.testCRLFParagraphsAreKept and the report).
    func testCRLFSeedFileReadsLikeLF() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let lf = "date 2024-11-15 Port strike ends\n\nFirst paragraph.\n\nSecond paragraph.\n"
        let crlfURL = try TestSupport.write(lf.replacingOccurrences(of: "\n", with: "\r\n"), to: "crlf.txt", in: dir)
        let lfURL = try TestSupport.write(lf, to: "lf.txt", in: dir)
        let corpus = read([lfURL, crlfURL])
        XCTAssertEqual(corpus.issues, [])
        let a = try XCTUnwrap(article(corpus, "lf.txt")), b = try XCTUnwrap(article(corpus, "crlf.txt"))
        XCTAssertEqual(a.text, "First paragraph.\nSecond paragraph.")
        XCTAssertEqual(b.date, a.date)
        XCTAssertEqual(b.title, a.title)
        XCTAssertEqual(b.text, a.text)
    }

    func testPlainTextFirstNonEmptyLineIsTheTitle() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("\n\n   Council approves bike lanes  \nThe council voted on Tuesday.\n\nWork starts in spring.\n",
                                        to: "plain.txt", in: dir)
        // "dated" is not the seed keyword: a plain first line.
        let other = try TestSupport.write("dated material\nbody text here\n", to: "other.TXT", in: dir)
        let corpus = read([url, other])
        XCTAssertEqual(corpus.issues, [])
        let a = try XCTUnwrap(article(corpus, "plain.txt"))
        XCTAssertEqual(a.title, "Council approves bike lanes")
        XCTAssertEqual(a.text, "The council voted on Tuesday.\nWork starts in spring.")
        XCTAssertNil(a.date)
        let b = try XCTUnwrap(article(corpus, "other.TXT"), "extensions are case-insensitive")
        XCTAssertEqual(b.title, "dated material")
        XCTAssertEqual(b.text, "body text here")
    }

    func testJSONLines() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let lines = [
            #"{"id": "a1", "title": "Storm hits coast", "text": "Winds reached 120 km/h.\nPower is out.", "date": "2024-11-17T06:45:00Z", "source": "Wire", "url": "https://example.com/a1", "extra": {"nested": [1, 2]}, "tags": ["x"]}"#,
            #"{"id": 42, "title": "Numeric id", "text": "Body two.", "date": "2024-11-18"}"#,
            "",
            #"{"text": "No title: the text stands in for it.", "id": "  padded  ", "date": null, "source": ""}"#,
        ]
        let url = try TestSupport.write(lines.joined(separator: "\n") + "\n", to: "feed.jsonl", in: dir)
        let corpus = read([url])
        XCTAssertEqual(corpus.issues, [], "\(corpus.issues.map(\.message))")
        XCTAssertEqual(corpus.articles.map(\.id), ["a1", "42", "padded"])
        let a = try XCTUnwrap(article(corpus, "a1"))
        XCTAssertEqual(a.title, "Storm hits coast")
        XCTAssertEqual(a.text, "Winds reached 120 km/h.\nPower is out.")
        XCTAssertEqual(a.date?.iso, "2024-11-17", "an ISO date-time gives its day")
        XCTAssertEqual(a.source, "Wire")
        XCTAssertEqual(a.url, "https://example.com/a1")
        XCTAssertEqual(a.file, url.path)
        XCTAssertEqual(a.line, 1)
        let b = try XCTUnwrap(article(corpus, "42"))
        XCTAssertEqual(b.date?.iso, "2024-11-18")
        XCTAssertEqual(b.line, 2)
        XCTAssertNil(b.source)
        XCTAssertNil(b.url)
        let c = try XCTUnwrap(article(corpus, "padded"))
        XCTAssertEqual(c.line, 4, "line numbers count blank lines")
        XCTAssertEqual(c.title, "No title: the text stands in for it.")
        XCTAssertNil(c.date)
        XCTAssertNil(c.source, "an empty source is no source")
    }

    func testNDJSONAndNumericIDs() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("""
            {"id": 7.0, "title": "Seven", "text": "A float that is an integer."}
            {"id": 3.5, "title": "Three and a half", "text": "A real float."}
            {"id": -12, "title": "Negative", "text": "Why not."}
            """, to: "feed.ndjson", in: dir)   // no trailing newline: the last line still counts
        let corpus = read([url])
        XCTAssertEqual(corpus.issues, [])
        XCTAssertEqual(corpus.articles.map(\.id), ["7", "3.5", "-12"])
        XCTAssertEqual(corpus.articles.map(\.line), [1, 2, 3])
    }

    func testFolders() throws {
        let root = try TestSupport.temporaryFolder(for: self)
        try TestSupport.write(TestSupport.seedFormat(date: "2024-11-15", title: "One", paragraphs: ["Text one."]),
                              to: "outlet-a/2024-one.txt", in: root)
        try TestSupport.write(TestSupport.seedFormat(date: "2024-11-15", title: "Deep", paragraphs: ["Text deep."]),
                              to: "outlet-a/sub/deep.txt", in: root)
        try TestSupport.write("Bee\nText bee.\n", to: "outlet-b/b.txt", in: root)
        try TestSupport.write(#"{"id": "j1", "title": "From JSON", "text": "Text json.", "source": "Feed"}"# + "\n",
                              to: "outlet-b/feed.jsonl", in: root)
        try TestSupport.write("Top\nAt the root.\n", to: "top.txt", in: root)
        let readme = try TestSupport.write("# notes\n", to: "README.md", in: root)
        let truth = try TestSupport.write("{}\n", to: "truth.json", in: root)
        try TestSupport.write("Hidden\nNot read.\n", to: ".hidden.txt", in: root)
        try TestSupport.write("Hidden\nNot read.\n", to: ".git/x.txt", in: root)

        let corpus = read([root])
        XCTAssertEqual(corpus.issues, [])
        // Recursive, in sorted order, ids relative to the root.
        XCTAssertEqual(corpus.articles.map(\.id),
                       ["outlet-a/2024-one.txt", "outlet-a/sub/deep.txt", "outlet-b/b.txt", "j1", "top.txt"])
        // The source of a text article is its containing folder's name; JSONL carries its own.
        XCTAssertEqual(corpus.articles.map(\.source), ["outlet-a", "sub", "outlet-b", "Feed", nil])
        XCTAssertEqual(corpus.files.map { URL(fileURLWithPath: $0).lastPathComponent },
                       ["2024-one.txt", "deep.txt", "b.txt", "feed.jsonl", "top.txt"])
        XCTAssertEqual(corpus.articles.first?.file, root.appendingPathComponent("outlet-a/2024-one.txt").path)
        // Non-article files are listed, not read, not issues; hidden files are left alone.
        XCTAssertEqual(corpus.ignoredFiles, [readme.path, truth.path])
    }

    func testSeveralInputsKeepTheirOrder() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let b = try TestSupport.write("Bee\nText.\n", to: "b.txt", in: dir)
        let a = try TestSupport.write("Ay\nText.\n", to: "a.txt", in: dir)
        XCTAssertEqual(read([b, a]).articles.map(\.id), ["b.txt", "a.txt"], "inputs are read in the order given")
    }

    // MARK: - Bad inputs: text files

    func testInvalidUTF8InTextFileIsRepaired() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: dir)
        var bytes = Data("Caf".utf8)
        bytes.append(contentsOf: [0xE9, 0x20])                  // Latin-1 e-acute: not UTF-8
        bytes.append(Data("title\n\nBody with a bad byte ".utf8))
        bytes.append(contentsOf: [0xFF, 0xFE])
        bytes.append(Data(" here.\n".utf8))
        let bad = try TestSupport.write(bytes, to: "latin1.txt", in: dir)
        let corpus = read([dir])
        assertIssue(corpus, file: bad, action: .repaired, reasonContains: ["invalid UTF-8", "3", "U+FFFD"])
        let a = try XCTUnwrap(article(corpus, "latin1.txt"), "the article is kept")
        XCTAssertEqual(a.title, "Caf\u{FFFD} title")
        XCTAssertTrue(a.text.contains("\u{FFFD}"))
        XCTAssertTrue(a.text.hasPrefix("Body with a bad byte"))
        assertGoodArticleRead(corpus)
    }

    func testEmptyFilesAreSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: dir)
        let empty = try TestSupport.write("", to: "empty.txt", in: dir)
        let blank = try TestSupport.write("  \n\n \t\n", to: "blank.txt", in: dir)
        let emptyJSONL = try TestSupport.write("", to: "empty.jsonl", in: dir)
        let corpus = read([dir])
        assertIssue(corpus, file: empty, action: .skipped, reasonContains: ["empty"])
        assertIssue(corpus, file: blank, action: .skipped, reasonContains: ["whitespace"])
        assertIssue(corpus, file: emptyJSONL, action: .skipped, reasonContains: ["empty"])
        XCTAssertEqual(corpus.articles.map(\.id), ["good.txt"])
        assertGoodArticleRead(corpus)
    }

    func testBinaryFileIsSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: dir)
        var bytes = Data("PK".utf8)
        bytes.append(contentsOf: [0x03, 0x04, 0x00, 0x00, 0x14, 0x00, 0x08, 0x00] + Array(repeating: 0, count: 100))
        let binary = try TestSupport.write(bytes, to: "archive.txt", in: dir)
        let corpus = read([dir])
        assertIssue(corpus, file: binary, action: .skipped, reasonContains: ["binary"])
        XCTAssertEqual(corpus.articles.map(\.id), ["good.txt"])
        assertGoodArticleRead(corpus)
    }

    func testImpossibleDateIsRepairedInTextFile() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: dir)
        let bad = try TestSupport.write(TestSupport.seedFormat(date: "2024-02-30", title: "Leap day plus one", paragraphs: ["Body."]),
                                        to: "feb30.txt", in: dir)
        let corpus = read([dir])
        assertIssue(corpus, file: bad, line: 1, action: .repaired, reasonContains: ["2024-02-30", "without a date"])
        let a = try XCTUnwrap(article(corpus, "feb30.txt"), "the article is kept")
        XCTAssertNil(a.date)
        XCTAssertEqual(a.title, "Leap day plus one")
        XCTAssertEqual(a.text, "Body.")
        assertGoodArticleRead(corpus)
    }

    func testMalformedDateIsRepairedInTextFile() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: dir)
        let bad = try TestSupport.write("date 15/11/2024 European order\n\nBody.\n", to: "dmy.txt", in: dir)
        let corpus = read([dir])
        assertIssue(corpus, file: bad, line: 1, action: .repaired, reasonContains: ["15/11/2024", "YYYY-MM-DD"])
        let a = try XCTUnwrap(article(corpus, "dmy.txt"))
        XCTAssertNil(a.date)
        XCTAssertEqual(a.title, "European order")
        assertGoodArticleRead(corpus)
    }

    func testFileLargerThanTheLimitIsSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: dir)
        let big = try TestSupport.write("Big\n" + String(repeating: "word ", count: 100), to: "big.txt", in: dir)
        var config = ReaderConfiguration()
        config.maxFileBytes = 200
        let corpus = read([dir], configuration: config)
        assertIssue(corpus, file: big, action: .skipped, reasonContains: ["too large", "200"])
        XCTAssertEqual(corpus.articles.map(\.id), ["good.txt"])
        assertGoodArticleRead(corpus)
    }

    func testUnreadableFileIsSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: dir)
        let locked = try TestSupport.write("Locked\nSecret.\n", to: "locked.txt", in: dir)
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked.path)
        // Root (and CAP_DAC_OVERRIDE) reads a mode-000 file anyway, and so do these tests when they
        // run in a root container: then there is nothing to observe.
        try XCTSkipIf(FileManager.default.isReadableFile(atPath: locked.path),
                      "running as root: a chmod 000 file is still readable, so the unreadable-file case cannot be provoked")
        let corpus = read([dir])
        assertIssue(corpus, file: locked, action: .skipped, reasonContains: ["permission denied"])
        XCTAssertEqual(corpus.articles.map(\.id), ["good.txt"])
        assertGoodArticleRead(corpus)
    }

    // MARK: - Bad inputs: JSONL

    func testInvalidUTF8InJSONLineIsRepaired() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        var bytes = Data(#"{"id": "ok1", "title": "Fine", "text": "Fine text."}"#.utf8 + [0x0A])
        bytes.append(Data(#"{"id": "bad", "title": "Broken", "text": "caf"#.utf8))
        bytes.append(contentsOf: [0xE9])
        bytes.append(Data(#" au lait"}"#.utf8 + [0x0A]))
        bytes.append(Data(#"{"id": "ok2", "title": "Fine too", "text": "More text."}"#.utf8 + [0x0A]))
        let url = try TestSupport.write(bytes, to: "feed.jsonl", in: dir)
        let corpus = read([url])
        assertIssue(corpus, file: url, line: 2, action: .repaired, reasonContains: ["invalid UTF-8", "U+FFFD"])
        XCTAssertEqual(corpus.articles.map(\.id), ["ok1", "bad", "ok2"])
        let bad = try XCTUnwrap(article(corpus, "bad"))
        XCTAssertEqual(bad.text, "caf\u{FFFD} au lait")
    }

    func testMalformedJSONLineIsSkippedWithItsLineNumber() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("""
            {"id": "a", "title": "A", "text": "Text a."}

            {"id": "b", "title": "B", "text": 
            {"id": "c", "title": "C", "text": "Text c."}
            not json at all
            {"id": "d", "title": "D", "text": "Text d."}

            """, to: "feed.jsonl", in: dir)
        let corpus = read([url])
        assertIssue(corpus, file: url, line: 3, action: .skipped, reasonContains: ["malformed JSON"])
        assertIssue(corpus, file: url, line: 5, action: .skipped, reasonContains: ["malformed JSON"])
        XCTAssertEqual(corpus.issues.count, 2)
        XCTAssertEqual(corpus.articles.map(\.id), ["a", "c", "d"])
        XCTAssertEqual(corpus.articles.map(\.line), [1, 4, 6])
    }

    func testJSONLineThatIsNotAnObjectIsSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("""
            [1, 2, 3]
            {"id": "a", "title": "A", "text": "Text a."}
            "just a string"
            42
            """, to: "feed.ndjson", in: dir)
        let corpus = read([url])
        for line in [1, 3, 4] {
            assertIssue(corpus, file: url, line: line, action: .skipped, reasonContains: ["not an object"])
        }
        XCTAssertEqual(corpus.articles.map(\.id), ["a"])
    }

    func testDatesInJSONLines() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("""
            {"id": "feb30", "title": "Impossible", "text": "Kept.", "date": "2024-02-30"}
            {"id": "words", "title": "Malformed", "text": "Kept.", "date": "yesterday"}
            {"id": "number", "title": "Not a string", "text": "Kept.", "date": 20241115}
            {"id": "fine", "title": "Fine", "text": "Kept.", "date": "2024-02-29"}
            """, to: "feed.jsonl", in: dir)
        let corpus = read([url])
        assertIssue(corpus, file: url, line: 1, action: .repaired, reasonContains: ["2024-02-30", "without a date"])
        assertIssue(corpus, file: url, line: 2, action: .repaired, reasonContains: ["yesterday", "without a date"])
        assertIssue(corpus, file: url, line: 3, action: .repaired, reasonContains: ["not a string", "without a date"])
        XCTAssertEqual(corpus.issues.count, 3)
        XCTAssertEqual(corpus.articles.map(\.id), ["feb30", "words", "number", "fine"])
        XCTAssertEqual(corpus.articles.map { $0.date?.iso }, [nil, nil, nil, "2024-02-29"])
    }

    func testDuplicateIDSecondIsSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("""
            {"id": "same", "title": "First", "text": "First text."}
            {"id": "other", "title": "Other", "text": "Other text."}
            {"id": "same", "title": "Second", "text": "Second text."}
            """, to: "feed.jsonl", in: dir)
        let corpus = read([url])
        assertIssue(corpus, file: url, line: 3, action: .skipped, reasonContains: ["duplicate id", "same"])
        XCTAssertEqual(corpus.articles.map(\.id), ["same", "other"])
        XCTAssertEqual(corpus.articles.first?.title, "First", "the first one wins")
    }

    func testDuplicateIDAcrossInputFolders() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let one = base.appendingPathComponent("night1"), two = base.appendingPathComponent("night2")
        try TestSupport.write("First\nText one.\n", to: "outlet/story.txt", in: one)
        let second = try TestSupport.write("Second\nText two.\n", to: "outlet/story.txt", in: two)
        try TestSupport.write("Other\nText three.\n", to: "outlet/other.txt", in: two)
        let corpus = read([one, two])
        assertIssue(corpus, file: second, action: .skipped, reasonContains: ["duplicate id", "outlet/story.txt"])
        XCTAssertEqual(corpus.articles.map(\.id), ["outlet/story.txt", "outlet/other.txt"])
        XCTAssertEqual(corpus.articles.first?.title, "First")
    }

    func testMissingIDIsRepaired() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("""
            {"id": "a", "title": "A", "text": "Text a."}
            {"title": "No id", "text": "Text without id."}
            {"id": null, "title": "Null id", "text": "Text with a null id."}
            """, to: "feed.jsonl", in: dir)
        let corpus = read([url])
        assertIssue(corpus, file: url, line: 2, action: .repaired, reasonContains: ["no 'id'", "feed.jsonl:2"])
        assertIssue(corpus, file: url, line: 3, action: .repaired, reasonContains: ["no 'id'", "feed.jsonl:3"])
        XCTAssertEqual(corpus.articles.map(\.id), ["a", "feed.jsonl:2", "feed.jsonl:3"])
    }

    func testBadIDTypeIsSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("""
            {"id": ["a"], "title": "Array id", "text": "Text."}
            {"id": "", "title": "Empty id", "text": "Text."}
            {"id": "ok", "title": "Ok", "text": "Text."}
            """, to: "feed.jsonl", in: dir)
        let corpus = read([url])
        assertIssue(corpus, file: url, line: 1, action: .skipped, reasonContains: ["'id'"])
        assertIssue(corpus, file: url, line: 2, action: .skipped, reasonContains: ["'id'"])
        XCTAssertEqual(corpus.articles.map(\.id), ["ok"])
    }

    func testMissingTextAndTitleIsSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let url = try TestSupport.write("""
            {"id": "nothing"}
            {"id": "blank", "title": "  ", "text": "\\n\\n"}
            {"id": "ok", "title": "Ok", "text": "Text."}
            {"id": "title-only", "title": "Only a title"}
            """, to: "feed.jsonl", in: dir)
        let corpus = read([url])
        assertIssue(corpus, file: url, line: 1, action: .skipped, reasonContains: ["no text", "title", "text"])
        assertIssue(corpus, file: url, line: 2, action: .skipped, reasonContains: ["no text"])
        XCTAssertEqual(corpus.articles.map(\.id), ["ok", "title-only"])
        XCTAssertEqual(corpus.articles.last?.text, "")
    }

    /// `ReaderConfiguration.maxLineBytes`: "A JSONL line longer than this is skipped."
    func testJSONLineLongerThanTheLimitIsSkipped() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let long = #"{"id": "long", "title": "Long", "text": ""# + String(repeating: "word ", count: 60) + #""}"#
        let url = try TestSupport.write("""
            {"id": "a", "title": "A", "text": "Short."}
            \(long)
            {"id": "b", "title": "B", "text": "Short too."}
            """, to: "feed.jsonl", in: dir)
        XCTAssertGreaterThan(long.utf8.count, 300)
        // A line that spans several read batches is skipped (batches of 64 bytes) ...
        var small = ReaderConfiguration()
        small.maxLineBytes = 100
        small.batchBytes = 64
        let corpus = read([url], configuration: small)
        assertIssue(corpus, file: url, line: 2, action: .skipped, reasonContains: ["longer than 100 bytes"])
        XCTAssertEqual(corpus.articles.map(\.id), ["a", "b"])
        XCTAssertEqual(corpus.articles.map(\.line), [1, 3])
        // ... and so must a line that fits in one batch (default 8 MiB batches).
        var limitOnly = ReaderConfiguration()
        limitOnly.maxLineBytes = 100
        let sameFile = read([url], configuration: limitOnly)
        XCTAssertEqual(sameFile.articles.map(\.id), ["a", "b"], "a 300-byte line is longer than maxLineBytes = 100")
        assertIssue(sameFile, file: url, line: 2, action: .skipped, reasonContains: ["longer than 100 bytes"])
    }

    /// The JSONL batches are read into one buffer kept from batch to batch (the partial line
    /// moved to its front): any batch size gives the same articles, lines, byte ranges, texts and
    /// issues as the default, with lines that span batches, a long line skipped across batches,
    /// blank lines, non-ASCII text and no newline at the end.
    func testAnyBatchSizeReadsTheSameArticles() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        var lines: [String] = []
        for i in 0..<40 {
            let words = String(repeating: "caf\u{E9} w\(i) ", count: i % 7 + 1)
            lines.append(#"{"id": "a\#(i)", "title": "T\#(i)", "text": "\#(words)"}"#)
            if i % 9 == 4 { lines.append("") }
            if i == 17 { lines.append(#"{"id": "long", "text": ""# + String(repeating: "x", count: 400) + #""}"#) }
        }
        let url = try TestSupport.write(lines.joined(separator: "\n"), to: "feed.jsonl", in: dir)
        var limits = ReaderConfiguration()
        limits.maxLineBytes = 300
        let reference = read([url], configuration: limits)
        XCTAssertEqual(reference.articles.count, 40)
        XCTAssertTrue(reference.issues.contains { $0.reason.contains("longer than 300 bytes") && $0.action == .skipped })
        for batch in [1, 2, 7, 64, 100, 257, 1000, 4096] {
            var small = limits
            small.batchBytes = batch
            let corpus = read([url], configuration: small)
            XCTAssertEqual(corpus.articles.map(\.id), reference.articles.map(\.id), "batch \(batch)")
            XCTAssertEqual(corpus.articles.map(\.line), reference.articles.map(\.line), "batch \(batch)")
            XCTAssertEqual(corpus.articles.map(\.text), reference.articles.map(\.text), "batch \(batch)")
            XCTAssertEqual(corpus.articles.map(\.byteOffset), reference.articles.map(\.byteOffset), "batch \(batch)")
            XCTAssertEqual(corpus.articles.map(\.byteLength), reference.articles.map(\.byteLength), "batch \(batch)")
            XCTAssertEqual(corpus.issues.map(\.reason), reference.issues.map(\.reason), "batch \(batch)")
        }
    }

    /// The next batch is read and split on another thread while one is parsed (more than one
    /// worker thread), after it on the same thread otherwise: both give the same articles and
    /// the same issues in the same order (long lines skipped across batches, bad JSON, duplicate
    /// ids, blank lines, no newline at the end), whatever the batch size.
    func testBatchesReadAheadGiveTheSameCorpusAsReadInTurn() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        var lines: [String] = []
        for i in 0..<60 {
            let words = String(repeating: "Caf\u{E9} word\(i) ", count: i % 5 + 1)
            lines.append(#"{"id": "a\#(i % 50)", "title": "T\#(i)", "text": "\#(words)", "date": "2024-02-2\#(i % 3 * 4)"}"#)
            if i % 11 == 3 { lines.append("") }
            if i % 13 == 5 { lines.append(#"{"id": "bad\#(i)", "text": "#) }
            if i == 21 || i == 22 { lines.append(#"{"id": "long\#(i)", "text": ""# + String(repeating: "y", count: 500) + #""}"#) }
        }
        let url = try TestSupport.write(lines.joined(separator: "\n"), to: "feed.jsonl", in: dir)
        let before = Parallel.threads
        defer { Parallel.threads = before }
        for batch in [1, 3, 64, 333, 8 << 20] {
            var limits = ReaderConfiguration()
            limits.maxLineBytes = 300
            limits.batchBytes = batch
            Parallel.threads = 1
            let inTurn = read([url], configuration: limits)
            Parallel.threads = 3
            let ahead = read([url], configuration: limits)
            XCTAssertEqual(inTurn.articles.count, 50, "batch \(batch)")
            XCTAssertEqual(ahead.articles.map(\.id), inTurn.articles.map(\.id), "batch \(batch)")
            XCTAssertEqual(ahead.articles.map(\.line), inTurn.articles.map(\.line), "batch \(batch)")
            XCTAssertEqual(ahead.articles.map(\.text), inTurn.articles.map(\.text), "batch \(batch)")
            XCTAssertEqual(ahead.articles.map(\.byteOffset), inTurn.articles.map(\.byteOffset), "batch \(batch)")
            XCTAssertEqual(ahead.issues, inTurn.issues, "batch \(batch)")
            XCTAssertEqual(inTurn.issues.filter { $0.reason.contains("longer than 300 bytes") }.map(\.line), [27, 29], "batch \(batch)")
            XCTAssertEqual(inTurn.issues.filter { $0.reason.contains("duplicate id") }.count, 10, "batch \(batch)")
            XCTAssertEqual(inTurn.issues.filter { $0.reason.contains("malformed JSON") }.count, 5, "batch \(batch)")
        }
    }

    // MARK: - Bad inputs: paths

    func testMissingPath() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let good = try writeGoodArticle(in: dir)
        let missing = dir.appendingPathComponent("no-such-folder/nothing.txt")
        let corpus = read([missing, good])
        assertIssue(corpus, file: missing, action: .skipped, reasonContains: ["no such file"])
        assertGoodArticleRead(corpus)
    }

    func testUnsupportedExtensionGivenExplicitly() throws {
        let dir = try TestSupport.temporaryFolder(for: self)
        let good = try writeGoodArticle(in: dir)
        let markdown = try TestSupport.write("# Title\n\nText.\n", to: "notes.md", in: dir)
        let corpus = read([markdown, good])
        assertIssue(corpus, file: markdown, action: .skipped, reasonContains: ["unsupported file type", ".md", ".txt", ".jsonl"])
        XCTAssertEqual(corpus.articles.map(\.id), ["good.txt"])
        XCTAssertEqual(corpus.ignoredFiles, [], "an explicit file is an issue, not an ignored file")
        assertGoodArticleRead(corpus)
    }

    /// `ln -s . loop` inside the folder being read. The walk must stop at the link, report it,
    /// and read every article once.
    ///
    /// Keep one loop per test: the walk's loop detection keys folders by
    /// `NSString.resolvingSymlinksInPath`, which on Linux resolves a relative link target against
    /// the wrong folder (`<root>/loop -> .` comes back as `<root>`'s parent), so the loop is not
    /// recognised and the walk only ends when the kernel gives up (ELOOP after 40 links in one
    /// path). With one loop that is 40 levels deep and quick; with two loops in one tree it
    /// branches at every level (2^40 paths) and never finishes. See the report.
    func testSymbolicLinkLoopTerminatesAndIsReported() throws {
        let root = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: root)
        let loop = root.appendingPathComponent("loop")
        try FileManager.default.createSymbolicLink(atPath: loop.path, withDestinationPath: ".")
        let corpus = read([root])
        assertIssue(corpus, file: loop, action: .skipped, reasonContains: ["symbolic-link loop"])
        XCTAssertEqual(corpus.articles.map(\.id), ["good.txt"], "every article read once")
        XCTAssertEqual(corpus.issues.count, 1, "\(corpus.issues.prefix(3).map(\.message))")
        assertGoodArticleRead(corpus)
    }

    /// The same with a link to the parent folder (`outlet/up -> ..`).
    func testSymbolicLinkToParentFolderIsReported() throws {
        let root = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: root)
        try TestSupport.write("Nested\nText.\n", to: "outlet/nested.txt", in: root)
        let up = root.appendingPathComponent("outlet/up")
        try FileManager.default.createSymbolicLink(atPath: up.path, withDestinationPath: "..")
        let corpus = read([root])
        assertIssue(corpus, file: up, action: .skipped, reasonContains: ["symbolic-link loop"])
        XCTAssertEqual(corpus.articles.map(\.id), ["good.txt", "outlet/nested.txt"], "every article read once")
        assertGoodArticleRead(corpus)
    }

    func testBrokenSymbolicLinkInFolder() throws {
        let root = try TestSupport.temporaryFolder(for: self)
        try writeGoodArticle(in: root)
        let broken = root.appendingPathComponent("gone.txt")
        try FileManager.default.createSymbolicLink(atPath: broken.path, withDestinationPath: "does-not-exist.txt")
        let corpus = read([root])
        assertIssue(corpus, file: broken, action: .skipped, reasonContains: ["broken symbolic link"])
        assertGoodArticleRead(corpus)
    }

    func testIssueMessageFormat() {
        XCTAssertEqual(InputIssue(file: "a.jsonl", line: 3, action: .skipped, reason: "malformed JSON").message,
                       "a.jsonl:3: malformed JSON (skipped)")
        XCTAssertEqual(InputIssue(file: "b.txt", action: .repaired, reason: "bad date").message, "b.txt: bad date (repaired)")
        let sorted = [InputIssue(file: "b", line: 1, action: .skipped, reason: "x"),
                      InputIssue(file: "a", line: 9, action: .skipped, reason: "x"),
                      InputIssue(file: "a", line: 2, action: .skipped, reason: "x")].sorted()
        XCTAssertEqual(sorted.map { "\($0.file):\($0.line!)" }, ["a:2", "a:9", "b:1"])
    }
}
