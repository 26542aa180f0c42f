/// The names each article mentions, for the story stage's shared-name rule: two articles about
/// one event name at least one person, place or organisation in common; two articles that
/// share common words (festival, record, visitors) but no name report different events.
///
/// A **name** is a term the night writes as a name (the counts are over body text):
/// - capitalised in the middle of a sentence at least once, and lowercase in at most
///   `maximumLowercaseShare` of its uses (`festival` in "the festival runs" is a common word,
///   `Fjellby` is never written lowercase);
/// - at least once the first capitalised word of its phrase, not only the trailing word of
///   other names (`Street` in `Mill Street` and `Harper Street`, `Festival` in `Seafood
///   Festival` are heads of names, not names);
/// - not a month, a weekday, a title (`Dr`, `Sen`) or a stop word.
/// An article's names are the names it writes capitalised, in its headline or body. Ids are
/// the analysis's global term ids (`AnalyzedCorpus.terms`), ascending per article.
public struct ArticleNames: Sendable, Equatable {
    /// Article d's names are `ids[start[d]..<start[d + 1]]`, ascending.
    public var start: [Int] = [0]
    public var ids: [Int32] = []

    public init() {}

    public init(start: [Int], ids: [Int32]) {
        self.start = start
        self.ids = ids
    }

    public var documentCount: Int { start.count - 1 }

    public func names(of d: Int) -> ArraySlice<Int32> { ids[start[d]..<start[d + 1]] }

    /// A name may be written lowercase in at most this share of its uses (one in ten: a
    /// sentence-initial or headline use of a common word is not counted either way).
    public static let maximumLowercaseShare = 0.1

    /// Terms never taken for names, whatever their case.
    static let excluded: Set<String> = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
        "mr", "mrs", "ms", "dr", "st", "lt", "gen", "rep", "sen", "gov", "sgt", "col", "capt",
        "prof", "jr", "sr", "rev",
    ]

    /// Whether a term with these body counts is a name (see the type's documentation).
    static func isName(_ term: String, midSentenceCapitalised: Int32, phraseInitial: Int32, lowercase: Int32) -> Bool {
        guard midSentenceCapitalised > 0, phraseInitial > 0 else { return false }
        let uses = Double(midSentenceCapitalised) + Double(lowercase)
        guard Double(lowercase) <= maximumLowercaseShare * uses else { return false }
        return !excluded.contains(term) && !StopWords.english.contains(term)
    }

    /// Whether two ascending id lists have an id in common.
    static func intersect(_ a: ArraySlice<Int32>, _ b: ArraySlice<Int32>) -> Bool {
        var i = a.startIndex, j = b.startIndex
        while i < a.endIndex && j < b.endIndex {
            if a[i] == b[j] { return true }
            if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return false
    }
}

/// How each id is written in article bodies: uses capitalised mid-sentence, those not right
/// after another capitalised word, and lowercase uses.
struct CaseCounts<Count: FixedWidthInteger & Sendable>: Sendable {
    var midSentenceCapitalised: [Count] = []
    var phraseInitial: [Count] = []
    var lowercase: [Count] = []

    /// Makes room for ids below `n` (new ids count 0).
    @inline(__always) mutating func cover(_ n: Int) {
        guard n > lowercase.count else { return }
        let grow = n - lowercase.count
        midSentenceCapitalised.append(contentsOf: repeatElement(0, count: grow))
        phraseInitial.append(contentsOf: repeatElement(0, count: grow))
        lowercase.append(contentsOf: repeatElement(0, count: grow))
    }
}

/// A chunk's counts: pass 1 keeps one per chunk of the night (by vocabulary id) until pass 2
/// renumbers it to local terms, so they are 16-bit and saturate (a chunk of 2,048 articles rarely
/// has 65,535 uses of one term; past that the share of lowercase uses is still what decides).
typealias CaseTally = CaseCounts<UInt16>
/// The night's totals of the chunks' tallies, by global term id.
typealias CaseTotals = CaseCounts<Int32>

extension CaseCounts where Count == UInt16 {
    @inline(__always) mutating func record(_ id: UInt32, _ c: TokenCase) {
        let i = Int(id)
        cover(i + 1)
        if c.contains(.lowercase) {
            if lowercase[i] < .max { lowercase[i] += 1 }
        } else if c.contains(.capitalised) && !c.contains(.sentenceStart) {
            if midSentenceCapitalised[i] < .max { midSentenceCapitalised[i] += 1 }
            if !c.contains(.afterCapital) && phraseInitial[i] < .max { phraseInitial[i] += 1 }
        }
    }

    /// The tallies under new ids: vocabulary id v becomes `map[v]` (dropped when negative).
    func renumbered(_ map: UnsafePointer<Int32>, count: Int) -> CaseTally {
        var out = CaseTally()
        out.cover(count)
        for v in 0..<lowercase.count where map[v] >= 0 {
            let t = Int(map[v])
            out.midSentenceCapitalised[t] = midSentenceCapitalised[v]
            out.phraseInitial[t] = phraseInitial[v]
            out.lowercase[t] = lowercase[v]
        }
        return out
    }
}

extension CaseCounts where Count == Int32 {
    /// Adds a chunk's tallies, its local term t counted under `map[t]`.
    mutating func add(_ other: CaseTally, map: [Int32]) {
        cover(Int((map.max() ?? -1) + 1))
        for t in 0..<other.lowercase.count {
            let g = Int(map[t])
            midSentenceCapitalised[g] += Int32(other.midSentenceCapitalised[t])
            phraseInitial[g] += Int32(other.phraseInitial[t])
            lowercase[g] += Int32(other.lowercase[t])
        }
    }
}
