/// A calendar day (UTC), stored as days since 1970-01-01 so it sorts and subtracts cheaply.
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let daysSinceEpoch: Int32

    public init(daysSinceEpoch: Int32) { self.daysSinceEpoch = daysSinceEpoch }

    /// Parses `YYYY-MM-DD`, or an ISO 8601 date-time that starts with one
    /// (`2024-11-15T08:30:00Z`, `2024-11-15 08:30`). Returns nil for anything else,
    /// including impossible dates such as `2024-02-30`.
    public init?(iso text: some StringProtocol) {
        let bytes = Array(text.utf8.prefix(40))
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let b = bytes[i]
                guard b >= 48 && b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
            }
            return value
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
        if bytes.count > 10 {
            // Only a time part may follow the date.
            guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "t"),
                  bytes.count >= 13, number(11..<13) != nil else { return nil }
        }
        guard let days = Day.daysFromCivil(year: y, month: m, day: d) else { return nil }
        self.daysSinceEpoch = Int32(days)
    }

    /// `YYYY-MM-DD`.
    public var iso: String {
        let (y, m, d) = Day.civilFromDays(Int(daysSinceEpoch))
        if y >= 0 && y <= 9999 {
            // The common case written byte by byte (a small string: no allocation); results
            // write one per member.
            return String(unsafeUninitializedCapacity: 10) { b in
                b[0] = 0x30 + UInt8(y / 1000)
                b[1] = 0x30 + UInt8(y / 100 % 10)
                b[2] = 0x30 + UInt8(y / 10 % 10)
                b[3] = 0x30 + UInt8(y % 10)
                b[4] = 0x2D
                b[5] = 0x30 + UInt8(m / 10)
                b[6] = 0x30 + UInt8(m % 10)
                b[7] = 0x2D
                b[8] = 0x30 + UInt8(d / 10)
                b[9] = 0x30 + UInt8(d % 10)
                return 10
            }
        }
        return Day.paddedISO(y, m, d)
    }

    /// `iso` by padding each number with zeros (any year).
    static func paddedISO(_ y: Int, _ m: Int, _ d: Int) -> String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public var description: String { iso }

    public static func < (a: Day, b: Day) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(text)"))
        }
        self = day
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }

    // Howard Hinnant's civil-date algorithms (proleptic Gregorian).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int? {
        guard (1...12).contains(month), year >= 1, year <= 9999 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day >= 1, day <= lengths[month - 1] else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
