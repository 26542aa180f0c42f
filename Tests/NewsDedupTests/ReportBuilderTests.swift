import Foundation
import XCTest
@testable import NewsDedup

/// Helpers for the report and listing tests: a small corpus with one duplicate group (an
/// original, a copy with an outlet footer appended, a trimmed copy), singles (two of them
/// independent reports of one event), and a headline full of HTML.
enum ReportFixture {
    static let words = """
        harbor council vote budget bridge repair river flood storm power outage mayor school teacher strike union \
        wages port ship cargo museum meteorite festival crowd tourist library reopen renovation hospital wing doctor \
        nurse patient train ferry delay coast wind rain forecast energy price market shares investor recall \
        thermostat battery fire risk company coach football league club season player transfer
        """.split(separator: " ").map(String.init)

    /// `n` words drawn by a fixed generator from `seed`.
    static func text(_ seed: UInt64, _ n: Int = 110) -> String {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        var out: [String] = []
        for _ in 0..<n {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out.append(words[Int((state >> 33) % UInt64(words.count))])
        }
        return out.joined(separator: " ") + "."
    }

    /// Single i's words: 80 drawn from its own quarter of the word list (so singles about
    /// different things share no words).
    static func singleText(_ i: Int) -> String {
        let pool = words.count / 4, first = (i % 4) * pool
        var state = UInt64(100 + i) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        var out: [String] = []
        for _ in 0..<80 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out.append(words[first + Int((state >> 33) % UInt64(pool))])
        }
        return out.joined(separator: " ") + "."
    }

    static let dangerousTitle = #"Storm <script>alert("x")</script> & the 'power' cuts"#
    static let footer = "Subscribe to the Beta newsletter for daily updates and offers."

    /// Writes the corpus into `folder` and returns it.
    @discardableResult
    static func write(in folder: URL) throws -> URL {
        let base = text(1)
        try TestSupport.write(TestSupport.seedFormat(date: "2024-11-15", title: dangerousTitle, paragraphs: [base]),
                              to: "alpha/original.txt", in: folder)
        try TestSupport.write(TestSupport.seedFormat(date: "2024-11-16", title: "UPDATE 1-Storm cuts power",
                                                     paragraphs: [base, footer]), to: "beta/copy.txt", in: folder)
        let trimmed = base.split(separator: " ").prefix(80).joined(separator: " ")
        try TestSupport.write(TestSupport.seedFormat(date: "2024-11-16", title: "Storm: power cut", paragraphs: [trimmed]),
                              to: "gamma/trimmed.txt", in: folder)
        for i in 0..<5 {
            let source = ["alpha", "beta", "gamma"][i % 3]
            // Singles 3 and 4 report one event in their own words (the same words in reverse
            // order: no shared shingles, so not copies), a second multi-article story.
            let body = i == 4 ? singleText(3).dropLast().split(separator: " ").reversed().joined(separator: " ") + "." : singleText(i)
            try TestSupport.write(TestSupport.seedFormat(date: "2024-11-1\(5 + i % 3)", title: "Single story number \(i)",
                                                         paragraphs: [body]),
                                  to: "\(source)/single\(i).txt", in: folder)
        }
        return folder
    }

    /// The computed state of the fixture corpus and a manifest for it.
    static func state(_ test: XCTestCase, configuration: Configuration = Configuration()) throws -> (PipelineState, RunManifest) {
        let folder = try write(in: TestSupport.temporaryFolder(for: test, "reportcorpus"))
        let pipeline = Pipeline(configuration: configuration)
        var stages: [RunManifest.Stage] = []
        let state = try pipeline.compute(inputs: [folder.path], stages: &stages)
        let manifest = pipeline.makeManifest(inputs: [folder.path], state: state, stages: stages, started: Date(),
                                             outputs: ["clusters.json", "duplicates.json", "manifest.json", "report.html", "topics.json"])
        return (state, manifest)
    }
}

final class ReportBuilderTests: XCTestCase {
    func testPageHasEverySectionAndIsSelfContained() throws {
        let (state, manifest) = try ReportFixture.state(self)
        XCTAssertEqual(state.duplicates.groups.count, 1, "the fixture has one duplicate group")
        let page = ReportBuilder.html(state: state, manifest: manifest)

        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(page.hasSuffix("</html>\n"))
        for (id, heading) in ReportBuilder.sections {
            XCTAssertTrue(page.contains("<section id=\"\(id)\">\n<h2>\(heading)</h2>"), "section \(id)")
            XCTAssertTrue(page.contains("<a href=\"#\(id)\">\(heading)"), "table of contents entry for \(id)")
        }
        // Overview: counts, stage times, BLAS, settings.
        XCTAssertTrue(page.contains("<b>8</b><span>articles</span>"))
        XCTAssertTrue(page.contains("<b>2</b><span>wire copies</span>"))
        XCTAssertTrue(page.contains("BLAS library"))
        XCTAssertTrue(page.contains("Time per stage"))
        XCTAssertTrue(page.contains("<summary>Settings used</summary>"))
        // Stories with members and folded copies; duplicate groups with scores and changes.
        XCTAssertTrue(page.contains("class=\"timeline\""))
        XCTAssertTrue(page.contains("<details class=\"copies\"><summary>2 wire copies</summary>"))
        for label in ["similarity", "containment", "jaccard"] { XCTAssertTrue(page.contains("<span class=\"lbl\">\(label)</span>")) }
        XCTAssertTrue(page.contains("headline changed"))
        XCTAssertTrue(page.contains("30 words trimmed"), "the copy cut to 80 of 110 words")
        XCTAssertTrue(page.contains("nothing trimmed"), "the copy with a footer appended")
        XCTAssertTrue(page.contains("<mark>Subscribe to the Beta newsletter for daily updates and offers.</mark>"),
                      "the appended footer is highlighted as added text")
        // Topics with bars; the map as inline SVG.
        XCTAssertTrue(page.contains("<table class=\"terms\">"))
        XCTAssertTrue(page.contains("<svg class=\"scatter\""))
        XCTAssertTrue(page.contains("<circle "))

        // Self-contained: nothing loaded from elsewhere.
        for forbidden in ["<link", "src=", "@import", "url(", "http://", "https://"] {
            XCTAssertFalse(page.contains(forbidden), "the page must not reference \(forbidden)")
        }
        XCTAssertEqual(page.components(separatedBy: "<script>").count, 2, "one inline script only")
    }

    func testTextIsEscaped() throws {
        let (state, manifest) = try ReportFixture.state(self)
        XCTAssertTrue(state.corpus.articles.contains { $0.title.contains("<script>") }, "the title reaches the state unescaped")
        let page = ReportBuilder.html(state: state, manifest: manifest)
        XCTAssertFalse(page.contains("<script>alert"), "a title must never become markup")
        XCTAssertTrue(page.contains("Storm &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; the &#39;power&#39; cuts"))
        XCTAssertEqual(HTML.escape(#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    func testDeterministic() throws {
        let (state, manifest) = try ReportFixture.state(self)
        XCTAssertEqual(ReportBuilder.html(state: state, manifest: manifest), ReportBuilder.html(state: state, manifest: manifest))
    }

    func testCapsAreAppliedAndSaid() throws {
        var configuration = Configuration()
        configuration.report.stories = 1
        configuration.report.duplicateGroups = 0
        configuration.report.scatterPoints = 3
        configuration.report.members = 1
        let (state, manifest) = try ReportFixture.state(self, configuration: configuration)
        let multi = state.stories.clusters.filter { $0.members.count > 1 }.count
        XCTAssertGreaterThan(multi, 1, "the fixture needs two multi-article stories to show the cap")
        let page = ReportBuilder.html(state: state, manifest: manifest)
        XCTAssertTrue(page.contains("Showing the 1 largest of \(multi) stories"))
        XCTAssertTrue(page.contains("Showing the 0 largest of 1 duplicate group"))
        XCTAssertTrue(page.contains("Drawing 3 of 8 articles"))
        let circles = page.components(separatedBy: "<circle ").count - 1
        let greyDots = page.range(of: "<path class=\"grey\" d=\"[^\"]*\"", options: .regularExpression)
            .map { page[$0].components(separatedBy: "h0").count - 1 } ?? 0
        XCTAssertEqual(circles + greyDots, 3, "exactly report.scatterPoints dots")
        XCTAssertTrue(page.contains("(report.members)"))
    }

    func testEmptyNight() throws {
        let folder = try TestSupport.temporaryFolder(for: self)
        let pipeline = Pipeline(configuration: Configuration())
        var stages: [RunManifest.Stage] = []
        let state = try pipeline.compute(inputs: [folder.path], stages: &stages)
        let manifest = pipeline.makeManifest(inputs: [folder.path], state: state, stages: stages, started: Date(), outputs: [])
        let page = ReportBuilder.html(state: state, manifest: manifest)
        for (id, _) in ReportBuilder.sections { XCTAssertTrue(page.contains("<section id=\"\(id)\">")) }
        XCTAssertTrue(page.contains("No wire copies were found."))
        XCTAssertTrue(page.contains("No topics"))
    }

    func testRunWritesReportAndListsIt() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let corpus = try ReportFixture.write(in: base.appendingPathComponent("in"))
        let out = base.appendingPathComponent("results")
        let manifest = try Pipeline(configuration: Configuration()).run(inputs: [corpus.path], output: out.path)
        XCTAssertEqual(manifest.outputs, ["clusters.json", "duplicates.json", "manifest.json", "report.html", "topics.json"])
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<h2>Duplicate groups</h2>"))
        XCTAssertEqual(manifest.stages.last?.name, "write")
        XCTAssertEqual(manifest.stages.last?.counts["files"], 5)
    }

    func testWordDiffMarksAppendedAndChangedWords() {
        let canonical = WordDiff.words("the mayor said the bridge repair would start in spring after the council vote")
        let copy = WordDiff.words("the mayor said the bridge repair would begin in spring after the council vote. Sign up for our newsletter")
        var keys = WordKeys()
        let canonicalIDs = keys.ids(canonical)
        let copyIDs = keys.ids(copy)
        let diff = WordDiff(copy: copy, ids: copyIDs, canonicalTrigrams: WordDiff.trigrams(canonicalIDs))
        let added = zip(copy, diff.added).filter(\.1).map { String($0.0) }
        XCTAssertEqual(added, ["begin", "Sign", "up", "for", "our", "newsletter"])
        XCTAssertTrue(diff.excerptHTML().contains("<mark>Sign up for our newsletter</mark>"))
        XCTAssertEqual(WordDiff.parts("1-Musk’s"), ["1", "musk"])
        // What the copy lacks: "start" (reworded).
        XCTAssertEqual(WordDiff.addedCount(ids: canonicalIDs, canonicalTrigrams: WordDiff.trigrams(copyIDs)), 1)
        // Texts of fewer than 3 words compare words alone.
        let short = WordDiff.words("Bridge repair")
        let shortDiff = WordDiff(copy: short, ids: keys.ids(short), canonicalTrigrams: WordDiff.trigrams(keys.ids(WordDiff.words("bridge"))))
        XCTAssertEqual(shortDiff.added, [false, true])
    }
}
