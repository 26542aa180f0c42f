extension Corpus {
    /// The body of article `index` (`Article.text`). The one way the results and the report read
    /// an article's text, and only for the articles that need it (members of duplicate groups for
    /// the shared passages, the report's excerpts), once each: it may cost a disk read. It is
    /// called from several threads at once (the results are built in parallel chunks).
    public func text(of index: Int) -> String { articles[index].text }
}
