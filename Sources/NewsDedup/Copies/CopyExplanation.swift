/// Errors of `newsdedup explain` (the explanation itself is `PairReport`).
public enum CopyExplanation {
    public enum Failure: Error, CustomStringConvertible {
        case unknownID(String)
        public var description: String {
            switch self { case .unknownID(let id): return "no article with id '\(id)' in the corpus" }
        }
    }
}
