extension Corpus {
    public func text(of index: Int) -> String { articles[index].text }
}
