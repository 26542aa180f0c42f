/// The seed article format, and plain text.
///
/// Seed format: the first line is `date YYYY-MM-DD Title` (leading whitespace allowed), then a
/// blank line, then paragraphs separated by blank lines. Plain text: the first non-empty line
/// is the title, the rest is the body.
enum TextArticleParser {
    struct Parsed {
        var title: String
        var body: String
        /// The date text as written, when the seed header had one.
        var dateText: Substring?
        var isSeedFormat: Bool
    }

    static func parse(_ content: String) -> Parsed {
        // Find the first non-empty line.
        var rest = Substring(content)
        var firstLine: Substring = ""
        while !rest.isEmpty {
            let end = rest.firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) ?? rest.endIndex
            let line = rest[rest.startIndex..<end]
            rest = end < rest.endIndex ? rest[rest.index(after: end)...] : rest[rest.endIndex...]
            if !line.allSatisfy(\.isWhitespace) { firstLine = line; break }
        }
        let trimmed = firstLine.drop(while: \.isWhitespace)
        if trimmed.hasPrefix("date "), trimmed.count > 5 {
            let afterKeyword = trimmed.dropFirst(5).drop(while: { $0 == " " || $0 == "\t" })
            let dateEnd = afterKeyword.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? afterKeyword.endIndex
            let dateText = afterKeyword[afterKeyword.startIndex..<dateEnd]
            let title = afterKeyword[dateEnd...].trimmingWhitespace()
            return Parsed(title: String(title), body: String(rest), dateText: dateText, isSeedFormat: true)
        }
        return Parsed(title: String(trimmed.trimmingWhitespace()), body: String(rest), dateText: nil, isSeedFormat: false)
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        let start = firstIndex(where: { !$0.isWhitespace }) ?? endIndex
        let end = lastIndex(where: { !$0.isWhitespace }).map { index(after: $0) } ?? start
        return start < end ? self[start..<end] : self[start..<start]
    }
}
