import Foundation
import XCTest
@testable import NewsDedup

final class DayTests: XCTestCase {
    /// Days since 1970-01-01 by Foundation's Gregorian calendar in UTC: an independent reference.
    private func foundationDays(_ year: Int, _ month: Int, _ day: Int) -> Int32 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return Int32((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    func testValidDates() throws {
        XCTAssertEqual(Day(iso: "1970-01-01")?.daysSinceEpoch, 0)
        XCTAssertEqual(Day(iso: "1970-01-02")?.daysSinceEpoch, 1)
        XCTAssertEqual(Day(iso: "1969-12-31")?.daysSinceEpoch, -1)
        for (y, m, d) in [(2024, 11, 15), (2000, 3, 1), (1999, 12, 31), (1900, 3, 1), (1600, 1, 1), (2400, 2, 29), (2038, 1, 19)] {
            let text = String(format: "%04d-%02d-%02d", y, m, d)
            let day = try XCTUnwrap(Day(iso: text), text)
            XCTAssertEqual(day.daysSinceEpoch, foundationDays(y, m, d), text)
            XCTAssertEqual(day.iso, text)
        }
        // The ends of the range. Foundation's Gregorian calendar switches to Julian before 1582,
        // Day is proleptic Gregorian: these two were computed with Python's datetime.date
        // (proleptic Gregorian): (date(y, m, d) - date(1970, 1, 1)).days.
        XCTAssertEqual(Day(iso: "0001-01-01")?.daysSinceEpoch, -719_162)
        XCTAssertEqual(Day(iso: "9999-12-31")?.daysSinceEpoch, 2_932_896)
        XCTAssertEqual(Day(daysSinceEpoch: -719_162).iso, "0001-01-01")
    }

    func testInvalidDates() {
        let invalid = [
            "", "2024", "2024-11", "2024-11-1", "2024-1-15", "24-11-15", "2024/11/15", "15-11-2024",
            "2024-13-01", "2024-00-10", "2024-11-00", "2024-11-31", "2024-04-31", "0000-01-01",
            "2024-02-30", "abcd-ef-gh", "2024-1a-15", " 2024-11-15", "2024-11-15x", "2024-11-15T",
            "2024-11-15T8", "2024-11-15Tab:00", "+2024-11-15", "２０２４-11-15",
        ]
        for text in invalid { XCTAssertNil(Day(iso: text), text.debugDescription) }
    }

    func testLeapYears() {
        XCTAssertNotNil(Day(iso: "2024-02-29"), "divisible by 4")
        XCTAssertNil(Day(iso: "2023-02-29"), "not divisible by 4")
        XCTAssertNil(Day(iso: "1900-02-29"), "divisible by 100 but not 400")
        XCTAssertNotNil(Day(iso: "2000-02-29"), "divisible by 400")
        XCTAssertNil(Day(iso: "2100-02-29"))
        XCTAssertEqual(Day(iso: "2024-03-01")!.daysSinceEpoch - Day(iso: "2024-02-28")!.daysSinceEpoch, 2)
        XCTAssertEqual(Day(iso: "2023-03-01")!.daysSinceEpoch - Day(iso: "2023-02-28")!.daysSinceEpoch, 1)
        XCTAssertEqual(Day(iso: "2025-01-01")!.daysSinceEpoch - Day(iso: "2024-01-01")!.daysSinceEpoch, 366)
        XCTAssertEqual(Day(iso: "2101-01-01")!.daysSinceEpoch - Day(iso: "2100-01-01")!.daysSinceEpoch, 365)
    }

    func testDateTimesGiveTheirDay() {
        for text in ["2024-11-15T08:30:00Z", "2024-11-15T23:59:59+05:00", "2024-11-15 08:30", "2024-11-15t08:30:00.123Z",
                     "2024-11-15T08"] {
            XCTAssertEqual(Day(iso: text)?.iso, "2024-11-15", text)
        }
        XCTAssertNil(Day(iso: "2024-02-30T08:00:00Z"), "an impossible day with a time is still impossible")
        // Substrings work too.
        let line = "date 2024-11-15 Title"
        XCTAssertEqual(Day(iso: line.dropFirst(5).prefix(10))?.iso, "2024-11-15")
    }

    func testISORoundTripOverManyDays() {
        // Every 97th day from 1600 to 2400 (crosses every kind of leap rule), against Foundation.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = Day(iso: "1600-01-01")!.daysSinceEpoch
        let end = Day(iso: "2400-12-31")!.daysSinceEpoch
        var n = start
        while n <= end {
            let day = Day(daysSinceEpoch: n)
            XCTAssertEqual(Day(iso: day.iso), day, "round trip of \(n)")
            let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(n) * 86_400))
            XCTAssertEqual(day.iso, String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!), "day \(n)")
            n += 97
        }
        XCTAssertEqual(Day(daysSinceEpoch: 0).iso, "1970-01-01")
        XCTAssertEqual(Day(daysSinceEpoch: 20_042).iso, "2024-11-15")
        // The byte-by-byte years (0 to 9999) against padding each number, and the years around.
        for n in stride(from: Int32(-800_000), through: 2_990_000, by: 4_999) + [-719_528, -719_529, 2_932_896, 2_932_897] {
            let (y, m, d) = Day.civilFromDays(Int(n))
            XCTAssertEqual(Day(daysSinceEpoch: n).iso, Day.paddedISO(y, m, d), "day \(n)")
        }
        XCTAssertEqual(Day(daysSinceEpoch: -719_528).iso, "0000-01-01")
        XCTAssertEqual(Day(daysSinceEpoch: 2_932_896).iso, "9999-12-31")
        XCTAssertEqual(Day(daysSinceEpoch: 2_932_897).iso, "10000-01-01")
        XCTAssertEqual(Day(daysSinceEpoch: 20_042).description, "2024-11-15")
    }

    func testOrderingAndCodable() throws {
        let a = Day(iso: "2024-11-15")!, b = Day(iso: "2024-11-16")!
        XCTAssertLessThan(a, b)
        XCTAssertEqual([b, a].sorted(), [a, b])
        let data = try JSONEncoder().encode([a, b])
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["2024-11-15","2024-11-16"]"#)
        XCTAssertEqual(try JSONDecoder().decode([Day].self, from: data), [a, b])
        XCTAssertThrowsError(try JSONDecoder().decode([Day].self, from: Data(#"["2024-02-30"]"#.utf8)))
    }
}
