import Foundation
import LinearAlgebra

/// `report.html`: one self-contained static page about a run, for people. No network, no
/// external files, inline CSS and SVG; a few lines of optional JavaScript (expand/collapse all).
///
/// Sections: overview (counts, skipped inputs, time per stage, BLAS), stories, duplicate groups
/// (with what changed in each copy), topics (terms with weight bars) and the topic map (articles
/// on the first two SVD dimensions, coloured by story). What is drawn and listed is capped by
/// `Configuration.report`, and the page says so wherever a cap applied.
///
/// Pure: the same state and manifest give the same bytes (only the manifest's timings and
/// timestamps vary between runs).
///
/// Its cost does not grow with the corpus beyond the caps, except for a few linear passes
/// (counting, hashing article ids for the map's sample). It reads the texts of the articles it
/// shows with what changed (`textsNeeded`): from `texts` when given, else through
/// `Corpus.text(of:)`.
public enum ReportBuilder {
    public static func html(state: PipelineState, manifest: RunManifest, texts: [Int: String] = [:]) -> String {
        var page = ReportPage(state: state, manifest: manifest, texts: texts)
        return page.render()
    }

    /// The articles whose text the page shows (canonicals and the listed copies of the listed
    /// duplicate groups), so a caller that reads them anyway can hand them over.
    public static func textsNeeded(state: PipelineState, caps: ReportConfiguration) -> Set<Int> {
        textsNeeded(groups: state.duplicates.groups, caps: caps)
    }

    static func textsNeeded(groups: [DuplicateGroup], caps: ReportConfiguration) -> Set<Int> {
        var needed = Set<Int>()
        for gi in ReportPage.shownGroups(groups, caps: caps) {
            let g = groups[gi]
            needed.insert(g.canonical)
            for m in g.members.lazy.filter({ $0 != g.canonical }).prefix(caps.copies) { needed.insert(m) }
        }
        return needed
    }

    /// The `id` attributes of the page's sections, in order, with their headings. The browser
    /// test (scripts/report-browser-test.sh) checks these headings are present.
    public static let sections: [(id: String, heading: String)] = [
        ("overview", "Overview"),
        ("stories", "Stories"),
        ("duplicates", "Duplicate groups"),
        ("topics", "Topics"),
        ("map", "Topic map"),
    ]

    /// Colours of the largest stories on the topic map (Tableau 10, grey replaced).
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                          "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf"]
}

struct ReportPage {
    let state: PipelineState
    let manifest: RunManifest
    let caps: ReportConfiguration
    let articles: [Article]
    /// Texts read already (by article index); the others are read with `Corpus.text(of:)`.
    let texts: [Int: String]
    /// Multi-article stories (indices into `state.stories.clusters`), largest first.
    let multi: [Int]
    var out = ""

    init(state: PipelineState, manifest: RunManifest, texts: [Int: String] = [:]) {
        self.state = state
        self.manifest = manifest
        self.texts = texts
        caps = manifest.configuration.report
        articles = state.corpus.articles
        multi = state.stories.clusters.indices.filter { state.stories.clusters[$0].members.count > 1 }
        out.reserveCapacity(1 << 20)
    }

    mutating func render() -> String {
        let copies = state.duplicates.groups.reduce(0) { $0 + $1.members.count - 1 }
        let title = "NewsDedup report · \(HTML.plural(articles.count, "article")) · \(String(manifest.startedAt.prefix(10)))"
        out += """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="newsdedup \(HTML.escape(manifest.toolVersion))">
            <title>\(HTML.escape(title))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <header class="top"><div class="wrap">
            <h1>NewsDedup report</h1>
            <p class="sub">\(HTML.plural(articles.count, "article")) from \(HTML.escape(manifest.inputs.joined(separator: ", "))) · \
            run \(HTML.escape(manifest.startedAt)) · newsdedup \(HTML.escape(manifest.toolVersion))</p>
            <nav class="toc" aria-label="Contents"><ol>
            """
        let tocCounts = ["", "\(multi.count)", "\(state.duplicates.groups.count)", "\(state.topics?.topics.count ?? 0)", ""]
        for ((id, heading), n) in zip(ReportBuilder.sections, tocCounts) {
            out += "<li><a href=\"#\(id)\">\(heading)\(n.isEmpty ? "" : " <span class=\"n\">\(HTML.count(Int(n) ?? 0))</span>")</a></li>"
        }
        out += "</ol></nav>\n</div></header>\n<main class=\"wrap\">\n"
        // The topic map depends on no other section and is mostly serial (sampling, SVG text):
        // drawn on another thread while the other sections are written.
        let mapSection = BackgroundValue { [self] in
            var page = self
            page.out = ""
            page.map()
            return page.out
        }
        overview(copies: copies)
        stories()
        duplicates()
        topics()
        out += mapSection.value()
        out += """
            </main>
            <footer class="wrap"><p>Written by newsdedup \(HTML.escape(manifest.toolVersion)) with the results in this folder: \
            \(manifest.outputs.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: ", ")). \
            The JSON files hold every group, story and topic; this page shows the largest.</p></footer>
            <script>\(Self.script)</script>
            </body>
            </html>

            """
        return out
    }

    // MARK: - Overview

    mutating func overview(copies: Int) {
        let m = manifest
        let singles = state.stories.clusters.count - multi.count
        out += "<section id=\"overview\">\n<h2>Overview</h2>\n<div class=\"cards\">\n"
        func card(_ value: String, _ label: String, _ detail: String, warn: Bool = false) {
            out += "<div class=\"card\(warn ? " warn" : "")\"><b>\(value)</b><span>\(label)</span><small>\(detail)</small></div>\n"
        }
        card(HTML.count(m.articles.read), "articles", "from \(HTML.plural(m.files, "file"))")
        card(HTML.count(copies), "wire copies", "in \(HTML.plural(state.duplicates.groups.count, "duplicate group"))")
        card(HTML.count(multi.count), "stories", "of 2+ articles, and \(HTML.plural(singles, "single"))")
        card(HTML.count(state.topics?.topics.count ?? 0), "topics", "over \(HTML.plural(state.terms.vocabulary.count, "term"))")
        card(HTML.count(m.articles.skipped), "skipped inputs", "\(HTML.count(m.articles.repaired)) repaired", warn: m.articles.skipped > 0)
        card(HTML.seconds(m.stages.reduce(0) { $0 + $1.seconds }), "computing", "\(HTML.plural(m.threads, "thread"))")
        out += "</div>\n<div class=\"two\">\n<div>\n<h3>Time per stage</h3>\n<table class=\"stages\">\n"
        out += "<thead><tr><th>stage</th><th class=\"num\">time</th><th class=\"barcol\"></th><th>counts</th></tr></thead>\n<tbody>\n"
        let longest = max(1e-9, m.stages.map(\.seconds).max() ?? 0)
        for s in m.stages {
            let counts = s.counts.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)) \(HTML.count($0.value))" }.joined(separator: " · ")
            out += "<tr><td>\(HTML.escape(s.name))</td><td class=\"num\">\(HTML.seconds(s.seconds))</td>"
            out += "<td class=\"barcol\"><span class=\"bar\" style=\"width:\(HTML.fixed(max(1, 100 * s.seconds / longest), 1))%\"></span></td>"
            out += "<td class=\"small\">\(counts)</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        if !m.stages.contains(where: { $0.name == "write" }) {
            out += "<p class=\"small muted\">Writing the results is timed in <code>manifest.json</code>.</p>\n"
        }
        out += "</div>\n<div>\n<h3>Run</h3>\n<dl class=\"facts\">\n"
        func fact(_ k: String, _ v: String) { out += "<dt>\(k)</dt><dd>\(v)</dd>\n" }
        fact("inputs", m.inputs.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: " "))
        fact("started", HTML.escape(m.startedAt))
        fact("finished", HTML.escape(m.finishedAt))
        fact("threads", "\(m.threads)")
        fact("BLAS library", m.blasLibraries.isEmpty ? "none loaded" : m.blasLibraries.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: "<br>"))
        fact("files ignored", m.ignoredFiles.isEmpty ? "none"
             : "\(HTML.count(m.ignoredFiles.count)): " + m.ignoredFiles.prefix(5).map { "<code>\(HTML.escape($0))</code>" }.joined(separator: " ")
               + (m.ignoredFiles.count > 5 ? " …" : ""))
        out += "</dl>\n</div>\n</div>\n"

        out += "<h3>Skipped and repaired inputs</h3>\n"
        if m.issues.isEmpty {
            out += "<p class=\"muted\">Nothing was skipped or repaired.</p>\n"
        } else {
            let shown = m.issues.prefix(caps.issues)
            if shown.count < m.issues.count {
                note("Showing the first \(HTML.count(shown.count)) of \(HTML.plural(m.issues.count, "issue")) (report.issues); every one is in <code>manifest.json</code> (<code>issues</code>).")
            }
            out += "<table class=\"issues\"><thead><tr><th>input</th><th>action</th><th>reason</th></tr></thead>\n<tbody>\n"
            for i in shown {
                let place = i.line.map { "\(i.file):\($0)" } ?? i.file
                out += "<tr><td><code>\(HTML.escape(place))</code></td><td><span class=\"tag \(i.action == .skipped ? "bad" : "chg")\">\(i.action.rawValue)</span></td><td>\(HTML.escape(i.reason))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        out += "<details class=\"settings\"><summary>Settings used</summary>\n<pre>\(HTML.escape(m.configuration.toml(header: false)))</pre>\n</details>\n"
        out += "</section>\n"
    }

    mutating func note(_ html: String) {
        out += "<p class=\"note\">\(html)</p>\n"
    }

    // MARK: - Stories

    mutating func stories() {
        let clusters = state.stories.clusters
        let singles = clusters.count - multi.count
        out += "<section id=\"stories\">\n<h2>Stories</h2>\n"
        out += "<p class=\"lead\">Articles about one event, wire copies and independent coverage together, largest first. "
            + "Open a story for its outlets, its days and its articles; an article's wire copies are folded under it.</p>\n"
        let shown = Array(multi.prefix(caps.stories))
        var notes: [String] = []
        if shown.count < multi.count {
            notes.append("Showing the \(HTML.count(shown.count)) largest of \(HTML.count(multi.count)) stories of two or more articles (report.stories).")
        }
        if singles > 0 { notes.append("\(HTML.plural(singles, "single-article story", "single-article stories")) not listed.") }
        if !notes.isEmpty { note(notes.joined(separator: " ") + " All are in <code>clusters.json</code>.") }
        if multi.isEmpty { out += "<p class=\"muted\">No story has more than one article.</p>\n" }
        out += "<div class=\"list\" data-list>\n"
        // Stories are rendered in parallel chunks, joined in order (as the duplicate groups).
        let page = self
        out += Parallel.mapChunks(shown.count, chunks: ResultsBuilder.chunkCount(shown.count)) { r in
            var part = page
            part.out = ""
            for i in r { part.story(clusters[shown[i]]) }
            return part.out
        }.joined()
        out += "</div>\n</section>\n"
    }

    mutating func story(_ c: StoryCluster) {
        let a = articles
        let dates = c.members.compactMap { a[$0].date }
        let outlets = Set(c.members.compactMap { a[$0].source }).sorted()
        let first = dates.min(), last = dates.max()
        let span: String
        if let first, let last { span = first == last ? first.iso : "\(first.iso) → \(last.iso)" } else { span = "undated" }
        out += "<details class=\"item\" id=\"\(HTML.escape(c.id))\"><summary><span class=\"badge\">\(HTML.count(c.members.count))</span>"
        out += "<span class=\"ttl\">\(HTML.escape(a[c.headline].title))</span>"
        out += "<span class=\"meta\">\(HTML.plural(outlets.count, "outlet")) · \(span)"
        if !c.duplicateGroups.isEmpty { out += " · \(HTML.plural(c.duplicateGroups.count, "duplicate group"))" }
        out += "</span></summary>\n<div class=\"body\">\n<div class=\"two\">\n<div>\n"
        out += "<div class=\"k\">Outlets</div><p>\(outlets.isEmpty ? "<span class=\"muted\">none named</span>" : outlets.map { HTML.escape($0) }.joined(separator: ", "))</p>\n"
        if !c.topTerms.isEmpty {
            out += "<div class=\"k\">Terms</div><p class=\"chips\">" + c.topTerms.map { "<span>\(HTML.escape($0.term))</span>" }.joined() + "</p>\n"
        }
        out += "<div class=\"k\">Story id</div><p><code>\(HTML.escape(c.id))</code></p>\n</div>\n<div>\n<div class=\"k\">Timeline</div>\n"
        out += timeline(dates, undated: c.members.count - dates.count)
        out += "</div>\n</div>\n"

        // Voices (canonicals and articles in no group) in canonical order, copies folded under them.
        let inStory = Set(c.members)
        let voices = c.members.filter { state.duplicates.representative(of: $0) == $0 }
        let similarity = Dictionary(uniqueKeysWithValues: zip(c.members, c.similarity))
        out += "<div class=\"k\">Articles</div>\n<ol class=\"members\">\n"
        var listed = 0
        for v in voices {
            guard listed < caps.members else { break }
            out += "<li>" + articleLine(v, extra: "fit \(HTML.fixed(similarity[v] ?? 0, 2))")
            listed += 1
            let g = state.duplicates.groupOfArticle[v]
            if g >= 0 {
                let group = state.duplicates.groups[Int(g)]
                let copies = zip(group.members, group.evidence).filter { $0.0 != v && inStory.contains($0.0) }
                let shownCopies = copies.prefix(max(0, caps.members - listed))
                out += "<details class=\"copies\"><summary>\(HTML.plural(copies.count, "wire copy", "wire copies"))</summary><ul>\n"
                for (m, e) in shownCopies {
                    out += "<li>" + articleLine(m, extra: "similarity \(HTML.fixed(e.cosine, 2))") + "</li>\n"
                }
                listed += shownCopies.count
                if shownCopies.count < copies.count {
                    out += "<li class=\"muted\">… \(HTML.count(copies.count - shownCopies.count)) more (report.members)</li>\n"
                }
                out += "</ul></details>"
            }
            out += "</li>\n"
        }
        out += "</ol>\n"
        if listed < c.members.count {
            out += "<p class=\"note\">Showing \(HTML.count(listed)) of \(HTML.plural(c.members.count, "article")) (report.members); all are in <code>clusters.json</code>.</p>\n"
        }
        out += "</div></details>\n"
    }

    /// `date · outlet · title · id`, for lists.
    func articleLine(_ i: Int, extra: String? = nil) -> String {
        let x = articles[i]
        var s = "<span class=\"date\">\(x.date?.iso ?? "undated")</span> "
        s += "<span class=\"src\">\(HTML.escape(x.source ?? "–"))</span> "
        s += "<span class=\"t\">\(HTML.escape(x.title))</span>"
        if let extra { s += " <span class=\"small muted\">\(extra)</span>" }
        s += " <code class=\"id\">\(HTML.escape(x.id))</code>"
        return s
    }

    /// A small bar chart of articles per day (per few days when the span is long).
    func timeline(_ dates: [Day], undated: Int) -> String {
        guard let first = dates.min(), let last = dates.max() else {
            return "<p class=\"muted\">No dated articles.</p>\n"
        }
        let span = Int(last.daysSinceEpoch - first.daysSinceEpoch) + 1
        let bucketDays = max(1, (span + 29) / 30)
        let buckets = (span + bucketDays - 1) / bucketDays
        var counts = [Int](repeating: 0, count: buckets)
        for d in dates { counts[Int(d.daysSinceEpoch - first.daysSinceEpoch) / bucketDays] += 1 }
        let top = max(1, counts.max() ?? 1)
        let width = 260.0, height = 46.0, base = 30.0
        let step = width / Double(buckets), barWidth = max(2, min(step - 3, 26))
        var svg = "<svg class=\"timeline\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"articles per day\">"
        for (i, n) in counts.enumerated() where n > 0 {
            let h = max(2, (base - 2) * Double(n) / Double(top))
            let day = Day(daysSinceEpoch: first.daysSinceEpoch + Int32(i * bucketDays)).iso
            svg += "<rect x=\"\(HTML.fixed(Double(i) * step + (step - barWidth) / 2, 1))\" y=\"\(HTML.fixed(base - h, 1))\" width=\"\(HTML.fixed(barWidth, 1))\" height=\"\(HTML.fixed(h, 1))\" rx=\"1.5\"><title>\(day)\(bucketDays > 1 ? " + \(bucketDays - 1) days" : ""): \(HTML.plural(n, "article"))</title></rect>"
        }
        svg += "<line x1=\"0\" y1=\"\(base + 0.5)\" x2=\"\(Int(width))\" y2=\"\(base + 0.5)\" class=\"axis\"/>"
        svg += "<text x=\"0\" y=\"\(Int(height) - 2)\">\(first.iso)</text>"
        if span > 1 { svg += "<text x=\"\(Int(width))\" y=\"\(Int(height) - 2)\" text-anchor=\"end\">\(last.iso)</text>" }
        svg += "</svg>"
        var s = svg + "\n<p class=\"small muted\">\(HTML.plural(span, "day")), at most \(HTML.plural(top, "article")) per \(bucketDays == 1 ? "day" : "\(bucketDays) days")"
        if undated > 0 { s += "; \(HTML.count(undated)) undated" }
        return s + "</p>\n"
    }

    // MARK: - Duplicate groups

    mutating func duplicates() {
        let groups = state.duplicates.groups
        out += "<section id=\"duplicates\">\n<h2>Duplicate groups</h2>\n"
        out += "<p class=\"lead\">Wire copies: one article republished with light edits. Each group shows its canonical "
            + "(earliest, then longest) and every copy with its scores against it and what changed: the headline, the length, "
            + "the words of the canonical it lacks (trimmed or reworded) and the words it adds (<mark>highlighted</mark>; "
            + "long stretches in common are folded).</p>\n"
        let shown = Self.shownGroups(groups, caps: caps)
        if shown.count < groups.count {
            note("Showing the \(HTML.count(shown.count)) largest of \(HTML.plural(groups.count, "duplicate group")) (report.duplicateGroups); all are in <code>duplicates.json</code>.")
        }
        if groups.isEmpty { out += "<p class=\"muted\">No wire copies were found.</p>\n" }
        out += "<div class=\"list\" data-list>\n"
        // Groups are rendered in parallel chunks, joined in order.
        let page = self
        out += Parallel.mapChunks(shown.count, chunks: ResultsBuilder.chunkCount(shown.count)) { r in
            r.map { page.group(groups[shown[$0]]) }.joined()
        }.joined()
        out += "</div>\n</section>\n"
    }

    /// The groups listed: the largest first, ties in the groups' order (canonical order of their
    /// canonicals), at most `caps.duplicateGroups`.
    static func shownGroups(_ groups: [DuplicateGroup], caps: ReportConfiguration) -> [Int] {
        let cap = max(0, caps.duplicateGroups)
        // Sizes are small integers: a counting pass finds the smallest size listed, then one
        // stable pass takes the groups in order (no full sort of every group).
        var bySize: [Int: Int] = [:]
        for g in groups { bySize[g.members.count, default: 0] += 1 }
        var threshold = Int.max, taken = 0
        for size in bySize.keys.sorted(by: >) where taken < cap {
            threshold = size
            taken += bySize[size]!
        }
        let candidates = groups.indices.filter { groups[$0].members.count >= threshold }
        return Array(candidates.sorted { groups[$0].members.count != groups[$1].members.count
            ? groups[$0].members.count > groups[$1].members.count : $0 < $1 }.prefix(cap))
    }

    func text(_ i: Int) -> String { texts[i] ?? state.corpus.text(of: i) }

    func group(_ g: DuplicateGroup) -> String {
        var out = ""
        let a = articles
        let canonical = a[g.canonical]
        var keys = WordKeys()
        let canonWords = WordDiff.Words(text(g.canonical))
        let canonIDs = keys.ids(canonWords)
        let canonTrigrams = WordDiff.trigrams(canonIDs)
        let canonTitleKeys = WordDiff.words(canonical.title).flatMap(WordDiff.parts)
        let canonTitleSet = Set(canonTitleKeys)
        out += "<details class=\"item\" id=\"\(HTML.escape(g.id))\"><summary><span class=\"badge\">\(HTML.count(g.members.count))</span>"
        out += "<span class=\"ttl\">\(HTML.escape(canonical.title))</span>"
        out += "<span class=\"meta\">\(HTML.escape(canonical.source ?? "no outlet")) · \(canonical.date?.iso ?? "undated") · \(HTML.plural(g.members.count - 1, "copy", "copies"))</span></summary>\n"
        out += "<div class=\"body\">\n<p class=\"canon\"><span class=\"tag ok\">canonical</span> " + articleLine(g.canonical)
            + " <span class=\"small muted\">\(HTML.plural(canonWords.count, "word")) · group <code>\(HTML.escape(g.id))</code></span></p>\n"
        let copies = zip(g.members, g.evidence).filter { $0.0 != g.canonical }
        for (m, e) in copies.prefix(caps.copies) {
            let x = a[m]
            let words = WordDiff.Words(text(m))
            let ids = keys.ids(words)
            let diff = WordDiff(copy: words, ids: ids, canonicalTrigrams: canonTrigrams)
            let titleKeys = WordDiff.words(x.title).flatMap(WordDiff.parts)
            let sameHeadline = titleKeys == canonTitleKeys
            out += "<div class=\"copy\">\n<div class=\"copy-h\"><span class=\"t\">"
            if sameHeadline {
                out += HTML.escape(x.title)
            } else {
                out += WordDiff.words(x.title).map { w -> String in
                    WordDiff.parts(w).contains { !canonTitleSet.contains($0) } ? "<mark>\(HTML.escape(w))</mark>" : HTML.escape(w)
                }.joined(separator: " ")
            }
            out += "</span><span class=\"meta\">\(HTML.escape(x.source ?? "–")) · \(x.date?.iso ?? "undated") · <code class=\"id\">\(HTML.escape(x.id))</code></span></div>\n"
            out += "<div class=\"scores\">"
            for (label, value) in [("similarity", e.cosine), ("containment", e.containment), ("jaccard", e.jaccard)] {
                out += "<span class=\"score\"><span class=\"lbl\">\(label)</span><span class=\"meter\"><i style=\"width:\(Int((max(0, min(1, value)) * 100).rounded()))%\"></i></span><b>\(HTML.fixed(value, 3))</b></span>"
            }
            out += "</div>\n<ul class=\"changes\">"
            out += sameHeadline ? "<li><span class=\"tag ok\">same headline</span></li>"
                : "<li><span class=\"tag chg\">headline changed</span></li>"
            // Words of the canonical the copy does not have: what was trimmed (or reworded).
            let dropped = WordDiff.addedCount(ids: canonIDs, canonicalTrigrams: WordDiff.trigrams(ids))
            let ratio = canonWords.isEmpty ? 1 : Double(words.count) / Double(canonWords.count)
            out += "<li><span class=\"tag \(ratio < 0.95 ? "chg" : "ok")\">\(HTML.percent(ratio)) of the length</span> "
                + "<span class=\"small muted\">\(HTML.count(words.count)) vs \(HTML.plural(canonWords.count, "word"))</span></li>"
            out += "<li><span class=\"tag \(dropped > 0 ? "chg" : "ok")\">\(dropped > 0 ? HTML.plural(dropped, "word") + " trimmed" : "nothing trimmed")</span></li>"
            out += "<li><span class=\"tag \(diff.addedCount > 0 ? "chg" : "ok")\">\(diff.addedCount > 0 ? HTML.plural(diff.addedCount, "word") + " added" : "nothing added")</span></li>"
            out += "</ul>\n"
            let excerpt = diff.excerptHTML(context: 4, limit: 90)
            if !excerpt.isEmpty { out += "<p class=\"excerpt\">\(excerpt)</p>\n" }
            out += "</div>\n"
        }
        if copies.count > caps.copies {
            out += "<p class=\"note\">Showing \(HTML.count(caps.copies)) of \(HTML.plural(copies.count, "copy", "copies")) (report.copies); all are in <code>duplicates.json</code>.</p>\n"
        }
        out += "</div></details>\n"
        return out
    }

    // MARK: - Topics

    mutating func topics() {
        out += "<section id=\"topics\">\n<h2>Topics</h2>\n"
        guard let t = state.topics, !t.topics.isEmpty else {
            out += "<p class=\"muted\">No topics: they need at least two articles and two vocabulary terms.</p>\n</section>\n"
            return
        }
        out += "<p class=\"lead\">Latent topics of a truncated SVD of the TF-IDF matrix, by decreasing singular value: "
            + "the 8 terms with the largest positive weights, the 4 most negative, and the stories that load most on it "
            + "(all terms: <code>topics.json</code>).</p>\n<div class=\"topics\">\n"
        for (i, topic) in t.topics.enumerated() {
            out += "<div class=\"topic\"><h3>Topic \(i + 1)</h3><p class=\"tmeta\">σ \(HTML.fixed(topic.singularValue, 3)) · \(HTML.percent(topic.explainedVarianceRatio)) of the variance</p>\n"
            let scale = max(1e-12, (topic.positiveTerms.map { abs($0.weight) } + topic.negativeTerms.map { abs($0.weight) }).max() ?? 1)
            func terms(_ list: [(term: String, weight: Double)], _ cls: String) {
                out += "<table class=\"terms\">"
                for (term, weight) in list {
                    out += "<tr><td title=\"\(HTML.escape(term))\">\(HTML.escape(term))</td><td class=\"barcol\"><span class=\"bar \(cls)\" style=\"width:\(HTML.fixed(max(1, 100 * abs(weight) / scale), 1))%\"></span></td><td class=\"num\">\(HTML.fixed(weight, 3))</td></tr>"
                }
                out += "</table>\n"
            }
            terms(Array(topic.positiveTerms.prefix(8)), "pos")
            if !topic.negativeTerms.isEmpty {
                out += "<div class=\"k\">Negative side</div>\n"
                terms(Array(topic.negativeTerms.prefix(4)), "neg")
            }
            if !topic.stories.isEmpty {
                out += "<div class=\"k\">Stories</div><ul class=\"plain\">"
                for s in topic.stories {
                    let c = state.stories.clusters[s.index]
                    out += "<li><a href=\"#\(HTML.escape(c.id))\">\(HTML.escape(articles[c.headline].title))</a> <span class=\"small muted\">\(HTML.count(c.members.count))</span></li>"
                }
                out += "</ul>\n"
            }
            out += "</div>\n"
        }
        out += "</div>\n</section>\n"
    }

    // MARK: - Topic map

    mutating func map() {
        out += "<section id=\"map\">\n<h2>Topic map</h2>\n"
        guard let t = state.topics, t.articleVectors.columns >= 2, t.articleVectors.rows == articles.count, !articles.isEmpty else {
            out += "<p class=\"muted\">No map: it needs at least two topics.</p>\n</section>\n"
            return
        }
        let v = t.articleVectors
        let clusters = state.stories.clusters
        let coloured = Array(multi.prefix(min(caps.colouredStories, ReportBuilder.palette.count)))
        var colourOfCluster: [Int: Int] = [:]
        for (k, ci) in coloured.enumerated() { colourOfCluster[ci] = k }
        let cap = max(0, caps.scatterPoints)

        // Which articles: the coloured stories' members first (up to 100 each, never more than
        // half the cap), then a fixed pseudo-random sample of the rest (smallest hash of the id).
        var chosen: [Int] = []
        var taken = Set<Int>()
        if articles.count <= cap {
            chosen = Array(articles.indices)
            taken = Set(chosen)
        } else {
            let perStory = 100, budget = cap / 2
            for ci in coloured {
                for m in clusters[ci].members.prefix(perStory) where chosen.count < budget {
                    chosen.append(m); taken.insert(m)
                }
            }
            let rest = Self.smallestHashes(articles, count: cap - chosen.count, excluding: taken)
            for i in rest { chosen.append(i); taken.insert(i) }
        }
        chosen.sort()

        let xs = chosen.map { v[$0, 0] }, ys = chosen.map { v[$0, 1] }
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1), (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 - x0 < 1e-9 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-9 { y0 -= 0.5; y1 += 0.5 }
        let padX = (x1 - x0) * 0.04, padY = (y1 - y0) * 0.04
        x0 -= padX; x1 += padX; y0 -= padY; y1 += padY
        let W = 860.0, H = 520.0, left = 40.0, right = 12.0, top = 12.0, bottom = 40.0
        func px(_ x: Double) -> String { HTML.fixed(left + (x - x0) / (x1 - x0) * (W - left - right), 1) }
        func py(_ y: Double) -> String { HTML.fixed(top + (y1 - y) / (y1 - y0) * (H - top - bottom), 1) }

        out += "<p class=\"lead\">Every dot is an article, placed by its loadings on topics 1 and 2. "
            + "The \(HTML.plural(coloured.count, "largest story", "largest stories")) have their own colours; the rest are grey. "
            + "Hover over a coloured dot for its headline.</p>\n"
        if chosen.count < articles.count {
            note("Drawing \(HTML.count(chosen.count)) of \(HTML.plural(articles.count, "article")) (report.scatterPoints): "
                 + "the members of the coloured stories (up to 100 each) and a fixed pseudo-random sample of the others, "
                 + "so the same night always gives the same picture.")
        }
        out += "<div class=\"mapbox\"><svg class=\"scatter\" viewBox=\"0 0 \(Int(W)) \(Int(H))\" role=\"img\" aria-label=\"articles on the first two SVD dimensions\">\n"
        out += "<rect x=\"\(Int(left))\" y=\"\(Int(top))\" width=\"\(Int(W - left - right))\" height=\"\(Int(H - top - bottom))\" class=\"plot\"/>\n"
        if x0 < 0 && x1 > 0 { out += "<line x1=\"\(px(0))\" y1=\"\(Int(top))\" x2=\"\(px(0))\" y2=\"\(Int(H - bottom))\" class=\"zero\"/>\n" }
        if y0 < 0 && y1 > 0 { out += "<line x1=\"\(Int(left))\" y1=\"\(py(0))\" x2=\"\(Int(W - right))\" y2=\"\(py(0))\" class=\"zero\"/>\n" }
        // Grey dots: one path of zero-length round-capped segments (compact at thousands of points).
        var grey = ""
        var byColour = [[Int]](repeating: [], count: coloured.count)
        for i in chosen {
            let ci = Int(state.stories.clusterOfArticle[i])
            if let k = colourOfCluster[ci] { byColour[k].append(i) } else { grey += "M\(px(v[i, 0])) \(py(v[i, 1]))h0" }
        }
        if !grey.isEmpty { out += "<path class=\"grey\" d=\"\(grey)\"/>\n" }
        for (k, members) in byColour.enumerated().reversed() where !members.isEmpty {
            out += "<g fill=\"\(ReportBuilder.palette[k])\" class=\"story\">"
            for i in members {
                out += "<circle cx=\"\(px(v[i, 0]))\" cy=\"\(py(v[i, 1]))\" r=\"4.5\"><title>\(HTML.escape(HTML.truncate(articles[i].title, 110)))</title></circle>"
            }
            out += "</g>\n"
        }
        func axisTerms(_ j: Int) -> String {
            guard j < t.topics.count else { return "" }
            return t.topics[j].positiveTerms.prefix(4).map(\.term).joined(separator: ", ")
        }
        out += "<text x=\"\(Int(W - right))\" y=\"\(Int(H - 12))\" text-anchor=\"end\" class=\"axislabel\">topic 1 → \(HTML.escape(axisTerms(0)))</text>\n"
        out += "<text x=\"14\" y=\"\(Int(top))\" transform=\"rotate(-90 14 \(Int(top)))\" text-anchor=\"end\" class=\"axislabel\">topic 2 → \(HTML.escape(axisTerms(1)))</text>\n"
        out += "</svg>\n"
        if !coloured.isEmpty {
            out += "<ol class=\"legend\">"
            for (k, ci) in coloured.enumerated() {
                let c = clusters[ci]
                out += "<li><i style=\"background:\(ReportBuilder.palette[k])\"></i><a href=\"#\(HTML.escape(c.id))\">\(HTML.escape(HTML.truncate(articles[c.headline].title, 80)))</a> <span class=\"small muted\">\(HTML.count(c.members.count))</span></li>"
            }
            out += "</ol>"
        }
        out += "</div>\n</section>\n"
    }

    /// The `count` articles not in `excluding` with the smallest hash of their id (ties by
    /// index), in that order: a bounded max-heap, so memory and sorting stay within the cap.
    static func smallestHashes(_ articles: [Article], count k: Int, excluding: Set<Int>) -> [Int] {
        guard k > 0 else { return [] }
        typealias Entry = (hash: UInt64, index: Int)
        func after(_ a: Entry, _ b: Entry) -> Bool { a.hash != b.hash ? a.hash > b.hash : a.index > b.index }
        var heap: [Entry] = []   // max-heap: heap[0] is the largest kept
        heap.reserveCapacity(k)
        for i in articles.indices where !excluding.contains(i) {
            let e = (hash: ShingleHash.mix(ShingleHash.fnv1a(articles[i].id.utf8)), index: i)
            if heap.count < k {
                heap.append(e)
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    if after(heap[c], heap[p]) { heap.swapAt(c, p); c = p } else { break }
                }
            } else if after(heap[0], e) {
                heap[0] = e
                var p = 0
                while true {
                    let l = 2 * p + 1, r = l + 1
                    var m = p
                    if l < heap.count && after(heap[l], heap[m]) { m = l }
                    if r < heap.count && after(heap[r], heap[m]) { m = r }
                    if m == p { break }
                    heap.swapAt(p, m)
                    p = m
                }
            }
        }
        return heap.sorted { after($1, $0) }.map(\.index)
    }

    // MARK: - Style and script

    static let css = """
        :root{--fg:#1f2328;--muted:#656d76;--bg:#ffffff;--panel:#f6f8fa;--line:#d8dee4;--accent:#2f6feb;--neg:#d1495b;\
        --mark:#ffe28a;--ok:#1a7f37;--okbg:#dafbe1;--chg:#9a6700;--chgbg:#fff8c5;--bad:#cf222e;--badbg:#ffebe9}
        @media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#8d96a0;--bg:#0d1117;--panel:#161b22;--line:#30363d;\
        --accent:#4493f8;--mark:#6b5300;--okbg:#12361f;--ok:#56d364;--chgbg:#3b2e00;--chg:#e3b341;--badbg:#4a1619;--bad:#ff7b72}}
        *{box-sizing:border-box}
        html{scroll-behavior:smooth}
        body{margin:0;color:var(--fg);background:var(--bg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,\
        "Helvetica Neue","Noto Sans","Liberation Sans",Arial,sans-serif;-webkit-font-smoothing:antialiased}
        .wrap{max-width:1120px;margin:0 auto;padding:0 24px}
        header.top{background:var(--panel);border-bottom:1px solid var(--line);padding:22px 0 0;margin-bottom:8px}
        h1{font-size:26px;margin:0 0 2px;letter-spacing:-.01em}
        h2{font-size:21px;margin:34px 0 10px;padding-top:8px;border-top:1px solid var(--line)}
        section:first-child h2{border-top:0}
        h3{font-size:15px;margin:18px 0 8px}
        .sub{color:var(--muted);margin:0 0 14px}
        .toc ol{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
        .toc a{display:inline-block;padding:7px 12px;border-radius:8px 8px 0 0;color:var(--fg);text-decoration:none;font-weight:500}
        .toc a:hover{background:var(--bg)}
        .toc .n,.badge{font-size:12px;font-weight:600;border-radius:999px;padding:1px 7px;background:var(--line);color:var(--fg)}
        a{color:var(--accent)}
        code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
        code.id{color:var(--muted);font-size:11.5px;word-break:break-all}
        .lead{color:var(--muted);max-width:820px;margin-top:0}
        .muted{color:var(--muted)} .small{font-size:12.5px}
        .note{background:var(--chgbg);border-left:3px solid var(--chg);padding:7px 12px;border-radius:4px;font-size:13.5px;max-width:900px}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;margin:6px 0 6px}
        .card{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
        .card b{display:block;font-size:28px;line-height:1.15;font-weight:650;letter-spacing:-.02em}
        .card span{display:block;font-weight:600}
        .card small{color:var(--muted)}
        .card.warn{border-color:var(--bad)} .card.warn b{color:var(--bad)}
        .two{display:grid;grid-template-columns:minmax(0,1.25fr) minmax(0,1fr);gap:28px}
        @media (max-width:800px){.two{grid-template-columns:1fr}}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
        th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        .barcol{width:28%;vertical-align:middle}
        table.stages .barcol{vertical-align:top;padding-top:11px;width:22%}
        .bar{display:block;height:9px;border-radius:5px;background:var(--accent);min-width:2px}
        .bar.neg{background:var(--neg)}
        table.stages td.small{color:var(--muted)}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}
        dl.facts dt{color:var(--muted)} dl.facts dd{margin:0;word-break:break-word}
        .tag{display:inline-block;font-size:12px;font-weight:600;border-radius:6px;padding:0 7px;white-space:nowrap}
        .tag.ok{background:var(--okbg);color:var(--ok)} .tag.chg{background:var(--chgbg);color:var(--chg)}
        .tag.bad{background:var(--badbg);color:var(--bad)}
        details.item{border:1px solid var(--line);border-radius:10px;margin:6px 0;background:var(--bg)}
        details.item>summary{cursor:pointer;padding:9px 14px;display:flex;gap:10px;align-items:baseline;list-style:none}
        details.item>summary::-webkit-details-marker{display:none}
        details.item>summary::before{content:"▸";color:var(--muted);width:10px;flex:none}
        details.item[open]>summary::before{content:"▾"}
        details.item[open]>summary{border-bottom:1px solid var(--line);background:var(--panel);border-radius:10px 10px 0 0}
        summary .ttl{font-weight:600;flex:1 1 auto;min-width:0}
        summary .meta{color:var(--muted);font-size:13px;white-space:nowrap;flex:none}
        @media (max-width:800px){summary .meta{display:none}}
        .body{padding:4px 16px 14px}
        .k{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;margin-top:10px}
        .k+p{margin:2px 0 6px}
        .chips span{display:inline-block;background:var(--panel);border:1px solid var(--line);border-radius:999px;padding:0 8px;margin:2px 4px 2px 0;font-size:13px}
        ol.members{padding-left:22px;margin:4px 0}
        ol.members li{margin:3px 0}
        .date{font-variant-numeric:tabular-nums;color:var(--muted);font-size:13px}
        .src{font-size:12.5px;font-weight:600;background:var(--panel);border:1px solid var(--line);border-radius:5px;padding:0 6px}
        details.copies{margin:2px 0 6px 0}
        details.copies>summary{cursor:pointer;color:var(--accent);font-size:13px}
        details.copies ul{margin:2px 0;padding-left:20px;border-left:2px solid var(--line)}
        .canon{margin:8px 0 10px}
        .copy{border-top:1px dashed var(--line);padding:10px 0 4px}
        .copy-h{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline}
        .copy-h .t{font-weight:600} .copy-h .meta{color:var(--muted);font-size:13px}
        .scores{display:flex;flex-wrap:wrap;gap:6px 22px;margin:6px 0}
        .score{display:inline-flex;align-items:center;gap:7px;font-size:13px}
        .score .lbl{color:var(--muted);width:82px}
        .meter{display:inline-block;width:90px;height:8px;border-radius:4px;background:var(--line);overflow:hidden}
        .meter i{display:block;height:100%;background:var(--accent)}
        .score b{font-variant-numeric:tabular-nums;font-weight:600}
        ul.changes{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:4px 0}
        .excerpt{font-size:13.5px;background:var(--panel);border-radius:8px;padding:8px 12px;margin:6px 0;max-width:960px}
        mark{background:var(--mark);color:inherit;border-radius:3px;padding:0 1px}
        .gap{color:var(--muted);font-style:italic;font-size:12.5px;white-space:nowrap}
        .topics{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:14px}
        .topic{border:1px solid var(--line);border-radius:10px;padding:4px 14px 10px}
        .topic h3{margin:10px 0 0}
        .tmeta{color:var(--muted);font-size:12.5px;margin:0 0 6px}
        table.terms{table-layout:fixed}
        table.terms td{border:0;padding:1px 6px 1px 0;font-size:13px}
        table.terms td:first-child{width:38%;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
        table.terms .barcol{width:40%}
        table.terms td.num{width:22%}
        ul.plain{list-style:none;padding:0;margin:2px 0;font-size:13px}
        ul.plain li{margin:2px 0}
        .mapbox{display:grid;grid-template-columns:minmax(0,1fr) 280px;gap:16px;align-items:start}
        @media (max-width:900px){.mapbox{grid-template-columns:1fr}}
        svg.scatter{width:100%;height:auto;background:var(--panel);border:1px solid var(--line);border-radius:10px}
        svg.scatter .plot{fill:none}
        svg.scatter .zero{stroke:var(--line);stroke-dasharray:4 4}
        svg.scatter .grey{stroke:#9aa3ad;stroke-opacity:.55;stroke-width:5;stroke-linecap:round;fill:none}
        svg.scatter circle{stroke:var(--bg);stroke-width:1}
        svg.scatter .axislabel{font-size:13px;fill:var(--muted)}
        ol.legend{list-style:none;padding:0;margin:0;font-size:13px}
        ol.legend li{display:flex;gap:8px;align-items:baseline;margin:4px 0}
        ol.legend i{flex:none;width:11px;height:11px;border-radius:50%;display:inline-block;transform:translateY(1px)}
        svg.timeline rect{fill:var(--accent)} svg.timeline .axis{stroke:var(--line)}
        svg.timeline text{font-size:10px;fill:var(--muted)}
        details.settings{margin:14px 0}
        details.settings>summary{cursor:pointer;color:var(--accent)}
        details.settings pre{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 14px;overflow:auto;font-size:12px;max-height:480px}
        .tools{float:right;font-weight:400}
        .tools button{font:inherit;font-size:12.5px;border:1px solid var(--line);background:var(--panel);color:var(--fg);border-radius:6px;padding:2px 10px;margin-left:6px;cursor:pointer}
        footer.wrap{color:var(--muted);font-size:12.5px;margin-top:40px;margin-bottom:30px}
        footer p{border-top:1px solid var(--line);padding-top:12px;margin:0}
        """

    /// Optional: "expand all / collapse all" buttons above each list. The page works without it.
    static let script = """
        document.querySelectorAll("[data-list]").forEach(function(list){
          if(!list.querySelector("details"))return;
          var bar=document.createElement("div");bar.className="tools";
          [["Expand all",true],["Collapse all",false]].forEach(function(b){
            var btn=document.createElement("button");btn.type="button";btn.textContent=b[0];
            btn.onclick=function(){list.querySelectorAll("details.item").forEach(function(d){d.open=b[1];});};
            bar.appendChild(btn);});
          var h=list.parentNode.querySelector("h2");(h||list.parentNode).appendChild(bar);});
        """
}
