import Foundation

/// Small, locale-independent helpers for writing the report.
enum HTML {
    /// Escapes text for an HTML text node or a quoted attribute value.
    static func escape(_ s: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline have no business in a page.
                if ch.value < 0x20 && ch != "\n" && ch != "\t" { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// `200,000`.
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `1 article`, `2 articles`.
    static func plural(_ n: Int, _ word: String, _ plural: String? = nil) -> String {
        "\(count(n)) \(n == 1 ? word : (plural ?? word + "s"))"
    }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "–" }
        return String(format: "%.\(digits)f", x)
    }

    static func seconds(_ s: Double) -> String {
        if s < 0.01 { return "<0.01 s" }
        if s < 100 { return fixed(s, 2) + " s" }
        return fixed(s, 0) + " s"
    }

    /// `13%`, `5.7%`, `0.42%`, `<0.01%`.
    static func percent(_ x: Double) -> String {
        guard x.isFinite else { return "–" }
        let p = x * 100
        if p == 0 || p >= 10 { return fixed(p, 0) + "%" }
        if p >= 1 { return fixed(p, 1) + "%" }
        return p >= 0.005 ? fixed(p, 2) + "%" : "<0.01%"
    }

    /// Cuts `s` to at most `n` characters, ending with `…` when cut.
    static func truncate(_ s: String, _ n: Int) -> String {
        s.count <= n ? s : String(s.prefix(max(1, n - 1))) + "…"
    }
}

/// Words a copy has that its canonical does not, for "what changed". A word counts as shared
/// when one of the 3-word sequences it belongs to also occurs in the canonical (compared case-
/// and punctuation-insensitively), so an appended footer or a new lede stands out even when it
/// is made of common words, and a reworded or misspelt word stands out alone.
struct WordDiff {
    var words: [Substring]
    /// Parallel to `words`.
    var added: [Bool]
    var addedCount: Int

    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
    }

    /// The word lowercased, without a possessive `'s` and without punctuation: `Trump’s` → `trump`.
    static func key(_ w: Substring) -> String {
        var lower = w.lowercased()
        while let last = lower.unicodeScalars.last, !Tokenizer.isWordScalar(last) { lower.unicodeScalars.removeLast() }
        if lower.hasSuffix("'s") || lower.hasSuffix("’s") { lower.removeLast(2) }
        return String(String.UnicodeScalarView(lower.unicodeScalars.filter { Tokenizer.isWordScalar($0) }))
    }

    /// The keys of the parts of a headline word split at punctuation: `1-Musk’s` → `1`, `musk`.
    static func parts(_ w: Substring) -> [String] {
        w.split(whereSeparator: { $0 == "-" || $0 == "–" || $0 == "—" || $0 == "/" || $0 == ":" }).map(key).filter { !$0.isEmpty }
    }

    /// The 3-word sequences (of non-empty keys) of `words`, as a set; words themselves when fewer than 3.
    static func trigrams(_ keys: [String]) -> Set<String> {
        let k = keys.filter { !$0.isEmpty }
        guard k.count >= 3 else { return Set(k) }
        var out = Set<String>()
        out.reserveCapacity(k.count)
        for i in 0...(k.count - 3) { out.insert(k[i] + " " + k[i + 1] + " " + k[i + 2]) }
        return out
    }

    init(copy: [Substring], canonicalTrigrams: Set<String>) {
        words = copy
        let keys = copy.map(WordDiff.key)
        let positions = keys.indices.filter { !keys[$0].isEmpty }
        var added = [Bool](repeating: false, count: copy.count)
        if positions.count < 3 {
            for p in positions where !canonicalTrigrams.contains(keys[p]) { added[p] = true }
        } else {
            var covered = [Bool](repeating: false, count: positions.count)
            for i in 0...(positions.count - 3) {
                let t = keys[positions[i]] + " " + keys[positions[i + 1]] + " " + keys[positions[i + 2]]
                if canonicalTrigrams.contains(t) { covered[i] = true; covered[i + 1] = true; covered[i + 2] = true }
            }
            for (i, p) in positions.enumerated() where !covered[i] { added[p] = true }
        }
        self.added = added
        addedCount = added.reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    /// The copy's text as HTML, added words in `<mark>`, long shared stretches collapsed to
    /// `… N words in common …`; at most `limit` words shown.
    func excerptHTML(context: Int = 5, limit: Int = 160) -> String {
        let n = words.count
        guard addedCount > 0 else { return "" }
        // Marks: added words, joined across gaps of at most 2 shared words.
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
        return out.trimmingCharacters(in: .whitespaces)
    }
}
