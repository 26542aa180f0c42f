/// The longest run of words two texts share (compared case- and punctuation-insensitively),
/// quoted from the first text. For the evidence in `duplicates.json` and `explain`.
public enum SharedPassage {
    public static func longest(_ a: String, _ b: String, maxWords: Int = 40) -> String {
        let wa = a.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let wb = b.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let ka = wa.map(key), kb = wb.map(key)
        guard !ka.isEmpty, !kb.isEmpty else { return "" }
        // Index the second text by word; a run starting at (i, j) is extended word by word.
        // Only starts that are not inside an already-seen run are tried, so the work is
        // linear in the words for texts that share long passages.
        var positions: [UInt64: [Int32]] = [:]
        for (j, k) in kb.enumerated() where k != 0 { positions[k, default: []].append(Int32(j)) }
        var bestStart = 0, bestLength = 0
        var i = 0
        while i < ka.count {
            var advance = 1
            if ka[i] != 0, let js = positions[ka[i]] {
                for j32 in js.prefix(64) {
                    let j = Int(j32)
                    if i > 0 && j > 0 && ka[i - 1] == kb[j - 1] { continue }   // not a run start
                    var length = 0
                    while i + length < ka.count && j + length < kb.count && ka[i + length] == kb[j + length] { length += 1 }
                    if length > bestLength { bestLength = length; bestStart = i }
                    advance = max(advance, length)
                }
            }
            i += advance > 8 ? advance - 4 : 1
        }
        if bestLength == 0 { return "" }
        let words = wa[bestStart..<(bestStart + min(bestLength, maxWords))]
        return words.joined(separator: " ") + (bestLength > maxWords ? " ..." : "")
    }

    /// A fixed hash of the word's letters and digits, lowercased (0 for none).
    static func key(_ w: Substring) -> UInt64 {
        var h = ShingleHash.offsetBasis
        var any = false
        for u in w.unicodeScalars where Tokenizer.isWordScalar(u) {
            any = true
            if u.value < 0x80 {
                let v = u.value >= 0x41 && u.value <= 0x5A ? u.value + 32 : u.value
                h = (h ^ UInt64(v)) &* ShingleHash.prime
            } else {
                for l in u.properties.lowercaseMapping.unicodeScalars { h = (h ^ UInt64(l.value)) &* ShingleHash.prime }
            }
        }
        return any ? h : 0
    }
}
