/// Settings of story clustering.
public struct StoryConfiguration: Codable, Sendable, Equatable {
    /// Two dated voices (articles, or duplicate groups) more than this many days apart are never linked directly; a story can still span longer through articles in between.
    public var windowDays: Int = 3
    /// Candidates of a voice are the voices sharing one of its this-many strongest terms.
    public var indexTerms: Int = 12
    /// The inverted index lists each voice under its this-many strongest terms (so memory is
    /// voices x postingTerms, whatever the vocabulary).
    public var postingTerms: Int = 32
    /// A voice's candidates are ranked by the cosine over each voice's this-many strongest terms
    /// (its sketch: a bounded, cache-friendly row; 0 uses whole rows); the `neighbours` kept then
    /// get their exact similarity.
    public var sketchTerms: Int = 64
    /// Terms carried by more voices than this within a voice's date window are too common to
    /// find neighbours by.
    public var maxPosting: Int = 2000
    /// Candidates per voice that get an exact similarity (the best by the partial dot product
    /// over its strongest terms).
    public var candidates: Int = 100
    /// Neighbours kept per voice (the sparse similarity graph's degree bound).
    public var neighbours: Int = 20
    /// A voice's local scale is its mean similarity to its `localScaleNeighbours` nearest voices.
    public var localScaleNeighbours: Int = 5
    /// Clusters merge while their mean locally scaled similarity (CSLS: twice the mean cosine
    /// minus the two clusters' levels) is at least this. 0 means: merge while two clusters are
    /// closer to each other than their members are to their usual neighbours.
    public var threshold: Double = 0
    /// Whatever the local scales, clusters whose mean similarity is below this never merge.
    /// The floor actually used is the higher of this and the derived chance level (see
    /// `backgroundPairs`).
    public var minCosine: Double = 0.15
    /// Random voice pairs within the date window whose similarity estimates the background
    /// (unrelated pairs); the merge floor is the similarity the best of a voice's window
    /// comparisons reaches by chance. 0 turns the derived floor off (`minCosine` alone).
    public var backgroundPairs: Int = 100_000
    /// A story with at least this many voices (3: the first size with more than one internal
    /// pair, so that its mean internal cosine is an estimate) is compared by that cohesion ...
    public var largeStoryVoices: Int = 3
    /// ... times this factor (or the midpoint between its cohesion and its voices' similarity
    /// to their nearest outsiders, when lower), instead of its voices' local scales.
    public var cohesionFactor: Double = 0.9
    /// Terms found in the articles of one outlet only (footers, bylines, an outlet's house
    /// templates) say who wrote a piece, not what happened: such a term's weight is multiplied by
    /// the chance that its articles fall in one outlet at random (near 0 among many outlets, 1
    /// when the corpus has one outlet).
    public var fadeOutletTerms: Bool = true
    /// Two voices that each write names (people, places, organisations: `ArticleNames`) but
    /// share none report different events, however much common vocabulary they share: their
    /// edge is dropped.
    public var sharedNames: Bool = true
    /// Weight of the reduced (SVD) vectors in the similarity: `(1 - w) * tfidfCosine +
    /// w * reducedCosine`. 0 uses TF-IDF alone.
    public var reducedWeight: Double = 0.2
    /// Terms reported per story.
    public var topTerms: Int = 8

    public init() {}
}
