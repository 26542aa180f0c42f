/// Splits normalised text into lowercase word and number tokens.
///
/// The rule (the TF-IDF reference test reproduces it with a scikit-learn `token_pattern`):
/// - a word character is a Unicode letter (L*) or number (N*); not `_`, not a mark;
/// - a token is a maximal run of word characters; runs joined by a single `'` with word
///   characters on both sides are one token (`don't`, `o'neill`);
/// - a trailing `'s` is removed (`musk's` becomes `musk`);
/// - tokens shorter than two characters are dropped.
/// Input must already be folded (`TextNormalizer`): curly apostrophes are `'` by then.
public struct Tokenizer: Sendable {
    public init() {}

    /// Calls `body` with each token, lowercased.
    public func forEachToken(in text: String, _ body: (String) -> Void) {
        var current = String.UnicodeScalarView()
        var pendingApostrophe = false
        var lastWasWord = false

        func flush() {
            if !current.isEmpty {
                var token = String(current)
                if token.utf8.count >= 2, token.hasSuffix("'s") {
                    token.removeLast(2)
                }
                if token.unicodeScalars.count >= 2 { body(token) }
                current = String.UnicodeScalarView()
            }
        }

        for u in text.unicodeScalars {
            if Tokenizer.isWordScalar(u) {
                if pendingApostrophe { current.append("'"); pendingApostrophe = false }
                Tokenizer.appendLowercased(u, to: &current)
                lastWasWord = true
            } else if u == "'" && lastWasWord && !pendingApostrophe {
                pendingApostrophe = true
                lastWasWord = false
            } else {
                pendingApostrophe = false
                lastWasWord = false
                flush()
            }
        }
        flush()
    }

    public func tokens(_ text: String) -> [String] {
        var out: [String] = []
        forEachToken(in: text) { out.append($0) }
        return out
    }

    @inline(__always)
    static func isWordScalar(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x80 {
            return (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) || (v >= 0x30 && v <= 0x39)
        }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func appendLowercased(_ u: Unicode.Scalar, to out: inout String.UnicodeScalarView) {
        let v = u.value
        if v < 0x80 {
            out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 32)! : u)
        } else {
            out.append(contentsOf: u.properties.lowercaseMapping.unicodeScalars)
        }
    }
}
