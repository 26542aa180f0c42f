/// The longest run of words two texts share (compared case- and punctuation-insensitively),
/// quoted from the first text. For the evidence in `duplicates.json` and `explain`.
public enum SharedPassage {
    public static func longest(_ a: String, _ b: String, maxWords: Int = 40) -> String {
        let wa = a.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let wb = b.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let ka = wa.map(key), kb = wb.map(key)
        var positions: [String: [Int]] = [:]
        for (i, k) in kb.enumerated() where !k.isEmpty { positions[k, default: []].append(i) }
        var bestStart = 0, bestLength = 0
        // Dynamic programming over matching positions only: run[j] = length of the match ending at (i, j).
        var previous: [Int: Int] = [:]
        for i in 0..<ka.count {
            var current: [Int: Int] = [:]
            if let js = positions[ka[i]] {
                for j in js {
                    let length = (previous[j - 1] ?? 0) + 1
                    current[j] = length
                    if length > bestLength { bestLength = length; bestStart = i - length + 1 }
                }
            }
            previous = current
        }
        if bestLength == 0 { return "" }
        let words = wa[bestStart..<(bestStart + min(bestLength, maxWords))]
        return words.joined(separator: " ") + (bestLength > maxWords ? " ..." : "")
    }

    static func key(_ w: Substring) -> String {
        String(String.UnicodeScalarView(w.lowercased().unicodeScalars.filter { Tokenizer.isWordScalar($0) }))
    }
}
