import Foundation
import LinearAlgebra

/// Headlines cut from one template: `BRIEF-<company> Q3 shr <n> dlrs vs <n> dlrs`,
/// `SOCCER-Premier Division result: <team> <n> <team> <n>`. Two such items share most of their
/// words, so their TF-IDF vectors are close, but they report different events: the parts in
/// which the headlines differ name different subjects.
///
/// Rule: two headlines are instances of one template when their longest common token
/// subsequence covers at least half of each, and in one slot of that alignment (a stretch
/// between common tokens) both headlines have a name (a capitalised word with a lowercase letter, e.g. `Harwick`, `Castleford`, not the
/// headline's first word) that the other article never mentions, in its headline (also as an
/// abbreviation: `Sept` for `September`) or its text. Numbers alone do not count
/// (`85,000` vs `90,000` is an update of one event), nor do all-capital words (`BRIEF`,
/// `UPDATE 1`, a re-cased headline), nor any word of a title-case headline (one whose words of
/// four or more letters are all capitalised, as AP style has it: there capitals mark no names).
struct HeadlineTemplates {
    /// Per voice: token ids (lowercased, interned) in headline order, and whether each is a name.
    var start: [Int]
    var token: [Int32]
    var isName: [Bool]
    /// Per voice: the distinct token ids, sorted (for a quick overlap bound).
    var setStart: [Int]
    var set: [Int32]

    /// Token id -> TF-IDF term id (-1: not in the vocabulary), and its folded text.
    var termOfToken: [Int32] = []
    var text: [[UInt8]] = []

    /// Tokenizing and folding the headlines is the bulk of the work and independent per title,
    /// so chunks of titles are tokenized in parallel, each interning its words in its own
    /// first-seen order (`TitleChunk`). The serial pass then only gives each chunk's distinct
    /// words their ids: a chunk's new words come in its first-seen order, so the ids are those
    /// of interning every word of every title in order.
    init(titles: [String], vocabulary: [String]) {
        let chunks = Parallel.mapChunks(titles.count) { TitleChunk(titles: titles[$0], vocabulary: vocabulary) }
        var ids: [String: Int32] = [:]
        start = [0]; token = []; isName = []
        setStart = [0]; set = []
        var distinct: [Int32] = []
        for chunk in chunks {
            let global = chunk.folded.indices.map { l -> Int32 in
                if let x = ids[chunk.folded[l]] { return x }
                let id = Int32(ids.count)
                ids[chunk.folded[l]] = id
                termOfToken.append(chunk.term[l])
                text.append(Array(chunk.folded[l].utf8))
                return id
            }
            isName.append(contentsOf: chunk.isName)
            for t in 0..<chunk.start.count - 1 {
                distinct.removeAll(keepingCapacity: true)
                for l in chunk.token[chunk.start[t]..<chunk.start[t + 1]] {
                    token.append(global[Int(l)])
                    distinct.append(global[Int(l)])
                }
                start.append(token.count)
                distinct.sort()
                var last: Int32 = -1
                for d in distinct where d != last { set.append(d); last = d }
                setStart.append(set.count)
            }
        }
    }

    /// Consecutive titles tokenized: per title its words as ids local to the chunk (in the
    /// chunk's first-seen order of their folded text) and whether each is a name.
    struct TitleChunk {
        var start: [Int] = [0]
        var token: [Int32] = []
        var isName: [Bool] = []
        /// Local id -> folded text, and the TF-IDF term of its first occurrence's lowercase.
        var folded: [String] = []
        var term: [Int32] = []

        /// What a word says, the same wherever it occurs: looked up once per distinct word.
        struct WordInfo {
            var id: Int32
            /// Capitalised with a lowercase letter (`Harwick`): a name in a sentence-case headline.
            var capitalised: Bool
            /// Four or more letters from a lowercase one: marks a sentence-case headline.
            var lowercaseLong: Bool
        }

        init(titles: ArraySlice<String>, vocabulary: [String]) {
            var seen: [String: WordInfo] = [:]
            var localOfFolded: [String: Int32] = [:]
            func info(_ word: String) -> WordInfo {
                if let known = seen[word] { return known }
                let lower = HeadlineTemplates.fold(word)
                let id: Int32
                if let x = localOfFolded[lower] { id = x } else {
                    id = Int32(folded.count); localOfFolded[lower] = id
                    folded.append(lower)
                    term.append(HeadlineTemplates.find(word.lowercased(), in: vocabulary))
                }
                let scalars = word.unicodeScalars
                let first = scalars.first!
                let made = WordInfo(id: id,
                                    capitalised: HeadlineTemplates.isUppercase(first) && scalars.contains { HeadlineTemplates.isLowercase($0) },
                                    lowercaseLong: HeadlineTemplates.isLowercase(first) && scalars.count >= 4)
                seen[word] = made
                return made
            }
            var words: [WordInfo] = []
            for title in titles {
                words.removeAll(keepingCapacity: true)
                for w in HeadlineTemplates.words(title) { words.append(info(w)) }
                // In a title-case headline (AP style: every word of four or more letters capitalised)
                // capitals say nothing about names; a sentence-case headline leaves such words lowercase.
                let sentenceCase = words.dropFirst().contains { $0.lowercaseLong }
                for (position, w) in words.enumerated() {
                    token.append(w.id)
                    // A headline's first word is capitalised by convention, not evidence of a name.
                    isName.append(sentenceCase && position > 0 && w.capitalised)
                }
                start.append(token.count)
            }
        }
    }

    /// `word.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)`; an ASCII
    /// word (letters, digits, `.` and `,`) folds to its ASCII lowercase, without Foundation.
    static func fold(_ word: String) -> String {
        if word.utf8.allSatisfy({ $0 < 0x80 }) { return word.lowercased() }
        return word.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    // Unicode properties, with the ASCII answers first (the property lookups are slow, and
    // nearly every scalar of a headline is ASCII). `HeadlineTests` compares them on all of ASCII.
    @inline(__always) static func isLetterOrDigit(_ u: Unicode.Scalar) -> Bool {
        if u.isASCII { return isASCIILetter(u) || isDigit(u) }
        return u.properties.isAlphabetic || u.properties.numericType != nil
    }

    @inline(__always) static func isNumeric(_ u: Unicode.Scalar) -> Bool {
        u.isASCII ? isDigit(u) : u.properties.numericType != nil
    }

    @inline(__always) static func isUppercase(_ u: Unicode.Scalar) -> Bool {
        u.isASCII ? u.value >= 0x41 && u.value <= 0x5A : u.properties.isUppercase
    }

    @inline(__always) static func isLowercase(_ u: Unicode.Scalar) -> Bool {
        u.isASCII ? u.value >= 0x61 && u.value <= 0x7A : u.properties.isLowercase
    }

    @inline(__always) private static func isASCIILetter(_ u: Unicode.Scalar) -> Bool {
        (u.value | 0x20) >= 0x61 && (u.value | 0x20) <= 0x7A
    }

    @inline(__always) private static func isDigit(_ u: Unicode.Scalar) -> Bool {
        u.value >= 0x30 && u.value <= 0x39
    }

    /// Binary search in the vocabulary (code-point order).
    static func find(_ word: String, in vocabulary: [String]) -> Int32 {
        var lo = 0, hi = vocabulary.count
        let key = Array(word.utf8)
        while lo < hi {
            let mid = (lo + hi) / 2
            if vocabulary[mid].utf8.lexicographicallyPrecedes(key) { lo = mid + 1 } else { hi = mid }
        }
        return lo < vocabulary.count && vocabulary[lo].utf8.elementsEqual(key) ? Int32(lo) : -1
    }

    /// Runs of letters and digits; a `.` or `,` between digits stays inside a number (`1.12`).
    static func words(_ s: String) -> [String] {
        var out: [String] = []
        let scalars = s.unicodeScalars
        var wordStart: String.UnicodeScalarView.Index? = nil
        var previous: Unicode.Scalar? = nil
        var k = scalars.startIndex
        while k != scalars.endIndex {
            let u = scalars[k]
            let next = scalars.index(after: k)
            if isLetterOrDigit(u) {
                if wordStart == nil { wordStart = k }
            } else if (u == "." || u == ","), wordStart != nil, let last = previous, isNumeric(last),
                      next != scalars.endIndex, isNumeric(scalars[next]) {
                // Inside a number.
            } else if let from = wordStart {
                out.append(String(scalars[from..<k])); wordStart = nil
            }
            previous = u
            k = next
        }
        if let from = wordStart { out.append(String(scalars[from..<scalars.endIndex])) }
        return out
    }

    /// Whether the headlines of voices a and b are two instances of one template.
    /// `mentions(v, term)`: whether voice v's text has the TF-IDF term.
    func sameTemplate(_ a: Int, _ b: Int, mentions: (Int, Int32) -> Bool) -> Bool {
        let la = start[a + 1] - start[a], lb = start[b + 1] - start[b]
        if la < 2 || lb < 2 { return false }
        // The common subsequence is at most the distinct overlap: a cheap bound first.
        var i = setStart[a], j = setStart[b], shared = 0
        while i < setStart[a + 1] && j < setStart[b + 1] {
            if set[i] == set[j] { shared += 1; i += 1; j += 1 } else if set[i] < set[j] { i += 1 } else { j += 1 }
        }
        if 2 * shared < min(la, lb) { return false }
        // Longest common subsequence, with the aligned positions: the table on the stack (it is
        // asked for once per edge of the neighbour graph: millions of times at a million articles).
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: (la + 1) * (lb + 1)) { table in
            table.initialize(repeating: 0)
            return token.withUnsafeBufferPointer { tokens in
                let x = tokens.baseAddress! + start[a], y = tokens.baseAddress! + start[b]
                return aligned(a, b, x, la, y, lb, table, mentions: mentions)
            }
        }
    }

    /// The rest of `sameTemplate` over the two headlines' tokens `x`, `y` and a zeroed table.
    private func aligned(_ a: Int, _ b: Int, _ x: UnsafePointer<Int32>, _ la: Int, _ y: UnsafePointer<Int32>, _ lb: Int,
                         _ table: UnsafeMutableBufferPointer<Int>, mentions: (Int, Int32) -> Bool) -> Bool {
        for p in stride(from: la - 1, through: 0, by: -1) {
            for q in stride(from: lb - 1, through: 0, by: -1) {
                table[p * (lb + 1) + q] = x[p] == y[q] ? table[(p + 1) * (lb + 1) + q + 1] + 1
                    : max(table[(p + 1) * (lb + 1) + q], table[p * (lb + 1) + q + 1])
            }
        }
        let common = table[0]
        if 2 * common < la || 2 * common < lb { return false }
        // Walk the alignment slot by slot (the stretches between aligned tokens): a template's
        // instances fill the same slot with different names.
        func unmentionedName(_ v: Int, _ k: Int, _ other: Int) -> Bool {
            guard isName[start[v] + k] else { return false }
            let t = token[start[v] + k]
            // Said by the other headline, also as an abbreviation (`Sept` / `September`).
            let w = text[Int(t)]
            for r in setStart[other]..<setStart[other + 1] {
                if set[r] == t { return false }
                let o = text[Int(set[r])]
                if min(w.count, o.count) >= 3 && (o.starts(with: w) || w.starts(with: o)) { return false }
            }
            if termOfToken[Int(t)] >= 0 && mentions(other, termOfToken[Int(t)]) { return false }
            return true
        }
        var p = 0, q = 0
        var slotA = false, slotB = false
        while p < la || q < lb {
            if p < la && q < lb && x[p] == y[q] && table[p * (lb + 1) + q] == table[(p + 1) * (lb + 1) + q + 1] + 1 {
                if slotA && slotB { return true }
                slotA = false; slotB = false
                p += 1; q += 1
            } else if q >= lb || (p < la && table[(p + 1) * (lb + 1) + q] >= table[p * (lb + 1) + q + 1]) {
                if unmentionedName(a, p, b) { slotA = true }
                p += 1
            } else {
                if unmentionedName(b, q, a) { slotB = true }
                q += 1
            }
        }
        return slotA && slotB
    }
}
