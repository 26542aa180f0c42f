import Foundation

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

    init(titles: [String], vocabulary: [String]) {
        var ids: [String: Int32] = [:]
        start = [0]; token = []; isName = []
        setStart = [0]; set = []
        for title in titles {
            var distinct: [Int32] = []
            let words = HeadlineTemplates.words(title)
            // In a title-case headline (AP style: every word of four or more letters capitalised)
            // capitals say nothing about names; a sentence-case headline leaves such words lowercase.
            let sentenceCase = words.dropFirst().contains { w in
                w.unicodeScalars.count >= 4 && w.unicodeScalars.first!.properties.isLowercase
            }
            for word in words {
                let lower = word.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
                let id: Int32
                if let x = ids[lower] { id = x } else {
                    id = Int32(ids.count); ids[lower] = id
                    termOfToken.append(HeadlineTemplates.find(word.lowercased(), in: vocabulary))
                    text.append(Array(lower.utf8))
                }
                token.append(id)
                let first = word.unicodeScalars.first!
                // A headline's first word is capitalised by convention, not evidence of a name.
                let position = token.count - 1 - start[start.count - 1]
                isName.append(sentenceCase && position > 0 && first.properties.isUppercase && word.unicodeScalars.contains { $0.properties.isLowercase })
                distinct.append(id)
            }
            start.append(token.count)
            distinct.sort()
            var last: Int32 = -1
            for d in distinct where d != last { set.append(d); last = d }
            setStart.append(set.count)
        }
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
        var current = String.UnicodeScalarView()
        let scalars = Array(s.unicodeScalars)
        for (k, u) in scalars.enumerated() {
            let p = u.properties
            if p.isAlphabetic || p.numericType != nil {
                current.append(u)
            } else if (u == "." || u == ","), !current.isEmpty, let last = current.last, last.properties.numericType != nil,
                      k + 1 < scalars.count, scalars[k + 1].properties.numericType != nil {
                current.append(u)
            } else if !current.isEmpty {
                out.append(String(current)); current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { out.append(String(current)) }
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
        // Longest common subsequence, with the aligned positions.
        let x = Array(token[start[a]..<start[a + 1]]), y = Array(token[start[b]..<start[b + 1]])
        var table = [Int](repeating: 0, count: (la + 1) * (lb + 1))
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
