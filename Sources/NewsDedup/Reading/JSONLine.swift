/// A fast, strict reader for the common case of an article line: a JSON object whose `id`
/// is a non-empty string and whose `title`, `text`, `date`, `source` and `url` are strings,
/// null or absent. Other keys may hold any JSON value; they are validated and skipped.
///
/// It accepts a subset of what `JSONSerialization` accepts and, on that subset, gives the
/// same values (tests and the reader fuzz target compare the two). Anything else (a number
/// id, a lone surrogate, invalid UTF-8, a duplicate key of interest, deep nesting, a syntax
/// error) returns nil, and the reader falls back to `JSONSerialization`, which also words
/// the error. No Foundation objects, one pass, no allocation but the strings it returns.
struct JSONLine {
    var id: String?
    var title: String?
    var text: String?
    var date: String?
    var source: String?
    var url: String?
    /// Keys of interest that held null (`date: null` is "no date", not a type error).
    var nullDate = false
    /// `text` is already `TextNormalizer.body` of the JSON string (see `parse(_:normalizeBody:)`).
    var textNormalized = false

    static let maxDepth = 64

    /// With `normalizeBody`, a `text` string in the common form (`TextNormalizer.bodyOfJSONString`)
    /// is normalised straight from the line's bytes and `textNormalized` is set; otherwise `text`
    /// is the decoded string, as without it.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, normalizeBody: Bool = false) -> JSONLine? {
        var p = Parser(bytes: bytes)
        p.normalizeBody = normalizeBody
        return p.parseLine()
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        var scratch: [UInt8] = []
        var normalizeBody = false

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            scratch.reserveCapacity(256)
        }

        @inline(__always) mutating func skipSpace() {
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1 } else { return }
            }
        }

        @inline(__always) mutating func consume(_ b: UInt8) -> Bool {
            if i < bytes.count && bytes[i] == b { i += 1; return true }
            return false
        }

        mutating func parseLine() -> JSONLine? {
            skipSpace()
            guard consume(0x7B) else { return nil }   // {
            var line = JSONLine()
            var seen: UInt8 = 0
            skipSpace()
            if consume(0x7D) { return finish(line) }
            while true {
                skipSpace()
                guard let key = parseKey() else { return nil }
                skipSpace()
                guard consume(0x3A) else { return nil }   // :
                skipSpace()
                let field: Int
                switch key {
                case .id: field = 0
                case .title: field = 1
                case .text: field = 2
                case .date: field = 3
                case .source: field = 4
                case .url: field = 5
                case .other: field = -1
                }
                if field >= 0 {
                    // A repeated key of interest: JSONSerialization's choice is not ours to guess.
                    if seen & (1 << UInt8(field)) != 0 { return nil }
                    seen |= 1 << UInt8(field)
                    guard i < bytes.count else { return nil }
                    if field == 2 && normalizeBody && bytes[i] == 0x22,
                       let (body, end) = TextNormalizer.bodyOfJSONString(bytes, from: i + 1) {
                        line.text = body
                        line.textNormalized = true
                        i = end
                    } else if bytes[i] == 0x22 {
                        guard let s = parseString() else { return nil }
                        switch field {
                        case 0: line.id = s
                        case 1: line.title = s
                        case 2: line.text = s
                        case 3: line.date = s
                        case 4: line.source = s
                        default: line.url = s
                        }
                    } else if matchLiteral("null") {
                        if field == 3 { line.nullDate = true }
                        if field == 0 { return nil }   // a null id is repaired by the slow path
                    } else {
                        return nil                      // a number id, a non-string field: slow path
                    }
                } else {
                    guard skipValue(depth: 1) else { return nil }
                }
                skipSpace()
                if consume(0x2C) { continue }          // ,
                if consume(0x7D) { break }             // }
                return nil
            }
            skipSpace()
            guard i == bytes.count else { return nil }
            return finish(line)
        }

        func finish(_ line: JSONLine) -> JSONLine? {
            guard let id = line.id, !id.isEmpty else { return nil }
            return line
        }

        enum Key { case id, title, text, date, source, url, other }

        /// A key: the six of interest are recognised without building a string when they
        /// hold no escapes; any other key is validated like a string.
        mutating func parseKey() -> Key? {
            guard i < bytes.count, bytes[i] == 0x22 else { return nil }
            let start = i + 1
            var j = start
            while j < bytes.count && bytes[j] != 0x22 && bytes[j] != 0x5C && bytes[j] >= 0x20 { j += 1 }
            if j < bytes.count && bytes[j] == 0x22 {
                let n = j - start
                var key = Key.other
                if n >= 2 && n <= 6 {
                    func eq(_ s: StaticString) -> Bool {
                        guard s.utf8CodeUnitCount == n else { return false }
                        let p = s.utf8Start
                        for k in 0..<n where bytes[start + k] != p[k] { return false }
                        return true
                    }
                    if eq("id") { key = .id } else if eq("title") { key = .title } else if eq("text") { key = .text }
                    else if eq("date") { key = .date } else if eq("source") { key = .source } else if eq("url") { key = .url }
                }
                if key == .other {
                    // Validate the key's UTF-8 (an invalid key makes the line invalid JSON).
                    guard validUTF8(start..<j) else { return nil }
                }
                i = j + 1
                return key
            }
            // A key with escapes: decode it, then compare.
            guard let s = parseString() else { return nil }
            switch s {
            case "id": return .id
            case "title": return .title
            case "text": return .text
            case "date": return .date
            case "source": return .source
            case "url": return .url
            default: return .other
            }
        }

        func validUTF8(_ range: Range<Int>) -> Bool {
            var ascii = true
            for k in range where bytes[k] >= 0x80 { ascii = false; break }
            if ascii { return true }
            return String(validating: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) != nil
        }

        mutating func matchLiteral(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= bytes.count else { return false }
            let p = s.utf8Start
            for k in 0..<n where bytes[i + k] != p[k] { return false }
            i += n
            return true
        }

        /// A JSON string at `i` (the opening quote), decoded; nil if invalid.
        mutating func parseString() -> String? {
            guard consume(0x22) else { return nil }
            let start = i
            // Fast scan: no escapes.
            var ascii = true
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x22 {
                    let range = start..<i
                    i += 1
                    let slice = UnsafeBufferPointer(rebasing: bytes[range])
                    if ascii { return String(decoding: slice, as: UTF8.self) }
                    return String(validating: slice, as: UTF8.self)
                }
                if b == 0x5C { break }
                if b < 0x20 { return nil }
                if b >= 0x80 { ascii = false }
                i += 1
            }
            guard i < bytes.count else { return nil }
            // Slow path: escapes.
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x22 {
                    i += 1
                    return scratch.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
                }
                if b < 0x20 { return nil }
                if b != 0x5C { scratch.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case 0x22: scratch.append(0x22)
                case 0x5C: scratch.append(0x5C)
                case 0x2F: scratch.append(0x2F)
                case 0x62: scratch.append(0x08)
                case 0x66: scratch.append(0x0C)
                case 0x6E: scratch.append(0x0A)
                case 0x72: scratch.append(0x0D)
                case 0x74: scratch.append(0x09)
                case 0x75:
                    guard let u = hex4() else { return nil }
                    var scalar: UInt32 = u
                    if u >= 0xD800 && u <= 0xDBFF {
                        // A surrogate pair; a lone surrogate goes to the slow path.
                        guard i + 1 < bytes.count, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { return nil }
                        i += 2
                        guard let low = hex4(), low >= 0xDC00 && low <= 0xDFFF else { return nil }
                        scalar = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                    } else if u >= 0xDC00 && u <= 0xDFFF {
                        return nil
                    }
                    // U+0000 is legal JSON but not something an article holds: slow path decides.
                    if scalar == 0 { return nil }
                    guard let us = Unicode.Scalar(scalar) else { return nil }
                    scratch.append(contentsOf: UTF8.encode(us)!)
                default:
                    return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: return nil
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        /// Validates and skips any JSON value.
        mutating func skipValue(depth: Int) -> Bool {
            guard depth <= JSONLine.maxDepth, i < bytes.count else { return false }
            switch bytes[i] {
            case 0x22:
                return parseString() != nil
            case 0x7B:
                i += 1
                skipSpace()
                if consume(0x7D) { return true }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == 0x22, parseString() != nil else { return false }
                    skipSpace()
                    guard consume(0x3A) else { return false }
                    skipSpace()
                    guard skipValue(depth: depth + 1) else { return false }
                    skipSpace()
                    if consume(0x2C) { continue }
                    return consume(0x7D)
                }
            case 0x5B:
                i += 1
                skipSpace()
                if consume(0x5D) { return true }
                while true {
                    skipSpace()
                    guard skipValue(depth: depth + 1) else { return false }
                    skipSpace()
                    if consume(0x2C) { continue }
                    return consume(0x5D)
                }
            case 0x74: return matchLiteral("true")
            case 0x66: return matchLiteral("false")
            case 0x6E: return matchLiteral("null")
            default:
                return skipNumber()
            }
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        mutating func skipNumber() -> Bool {
            func digit(_ k: Int) -> Bool { k < bytes.count && bytes[k] >= 0x30 && bytes[k] <= 0x39 }
            _ = consume(0x2D)
            guard digit(i) else { return false }
            if bytes[i] == 0x30 { i += 1 } else { while digit(i) { i += 1 } }
            if consume(0x2E) {
                guard digit(i) else { return false }
                while digit(i) { i += 1 }
            }
            if i < bytes.count && (bytes[i] == 0x65 || bytes[i] == 0x45) {
                i += 1
                if !consume(0x2B) { _ = consume(0x2D) }
                guard digit(i) else { return false }
                while digit(i) { i += 1 }
            }
            return true
        }
    }
}
