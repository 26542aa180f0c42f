import Foundation
import XCTest
@testable import NewsDedup

/// The fast JSONL line reader against `JSONSerialization` (the slow path it falls back to):
/// for every line, both must give the same article (or the same skip) and the same issues.
final class JSONLineTests: XCTestCase {
    static let lines: [String] = [
        #"{"id":"a1","title":"Port closes","text":"Dockworkers walked out.\n\nA second paragraph.","date":"2024-11-16","source":"Wire"}"#,
        #"  { "id" : "a2" , "text" : "spaces around everything" , "title" : null }  "#,
        #"{"id":"a3","title":"Caf\u00e9 \"quotes\" \\ back\/slash","text":"tab\there, cr\r\nnew line, emoji \ud83d\ude00 and \u20ac"}"#,
        #"{"id":"a4","text":"unicode as is: café, naïve, 東京, ẞ, 🙂","extra":{"nested":[1,2.5,-3e-2,true,false,null,{"x":"y"}]}}"#,
        #"{"id":"a5","text":"x","date":null,"source":"","url":"https://example.com/a?b=1"}"#,
        #"{"id":"a6","text":"number id next","n":0,"m":-0.5,"e":1E+3}"#,
        #"{"id":7,"text":"a number id goes to the slow path"}"#,
        #"{"text":"no id at all"}"#,
        #"{"id":"","text":"empty id"}"#,
        #"{"id":"a8","text":"date not a string","date":20241116}"#,
        #"{"id":"a9","text":"impossible date","date":"2024-02-30"}"#,
        #"{"id":"a10","title":"","text":""}"#,
        #"{"id":"a11","text":"trailing comma",}"#,
        #"{"id":"a12","text":"unterminated"#,
        #"{"id":"a13","text":"lone surrogate \ud800 here"}"#,
        #"{"id":"a14","text":"escaped nul \u0000 inside"}"#,
        #"{"id":"a15","text":"bad escape \q"}"#,
        #"{"id":"a16","text":"dup key","text":"second"}"#,
        #"{"id":"a17","text":"leading zero","n":01}"#,
        #"{"id":"a18","text":"bad literal","b":tru}"#,
        #"["id","not an object"]"#,
        #""just a string""#,
        #"{"id":"a19","text":"after the object"} trailing"#,
        #"{"id":"a20","t\u0065xt":"escaped key"}"#,
        #"{"id":" a21 ","text":"id with spaces"}"#,
        #"{"id":"a22","title":"Title only"}"#,
        #"{"id":"a23","text":"source is a number","source":12}"#,
        #"{"id":"a24","text":"deep","x":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}"#,
        #"{"id":"a25","text":"&amp; entities &lt;b&gt; and &#8217;curly&#8217;"}"#,
        "{\"id\":\"a26\",\"text\":\"raw control \u{01} char\"}",
        "{\"id\":\"a27\",\"text\":\"raw tab\tin string\"}",
        #"{"id":"a28","title":"Body fast path","text":"  lead  \r\n\r\n CR \"q\" it's \/ back\\slash\t tab \n\n\n end  "}"#,
        #"{"id":"a29","text":"curly \u2019 escape after a plain start","title":"t"}"#,
        #"{"id":"a30","text":"\n\n  \t \r\n"}"#,
    ]

    func testFastPathAgreesWithJSONSerialization() throws {
        let reader = CorpusReader()
        let file = CorpusReader.InputFile(path: "/in/night.jsonl", relativePath: "night.jsonl", folder: nil)
        var fastHits = 0
        for (k, line) in Self.lines.enumerated() {
            let bytes = ArraySlice(Array(line.utf8))
            let fast = reader.parseJSONLine(bytes, file: file, line: k + 1)
            let slow = reader.parseJSONLine(bytes, file: file, line: k + 1, fastPath: false)
            XCTAssertEqual(fast.1, slow.1, "issues differ for \(line)")
            XCTAssertEqual(fast.0.map(Self.describe), slow.0.map(Self.describe), "article differs for \(line)")
            if bytes.withUnsafeBufferPointer({ JSONLine.parse($0) }) != nil { fastHits += 1 }
        }
        // The common shapes take the fast path (else this test would compare the slow path with itself).
        XCTAssertGreaterThanOrEqual(fastHits, 12)
    }

    /// Re-reading a released text parses only the text: the same text as the whole article's,
    /// for every line (fast, slow, skipped, blank, NUL).
    func testTextOfJSONLineMatchesParsedArticle() {
        let reader = CorpusReader()
        let file = CorpusReader.InputFile(path: "/in/night.jsonl", relativePath: "night.jsonl", folder: nil)
        for (k, line) in (Self.lines + ["", "   ", "{\"id\":\"n\",\"text\":\"nul\u{0}\"}"]).enumerated() {
            let bytes = ArraySlice(Array(line.utf8))
            let whole = reader.parseJSONLine(bytes, file: file, line: k + 1).0?.text ?? ""
            XCTAssertEqual(Array(reader.textOfJSONLine(bytes, file: file, line: k + 1).unicodeScalars),
                           Array(whole.unicodeScalars), line)
        }
    }

    /// The id trimming shortcut against Foundation's trimming, on ids with ASCII, Unicode and
    /// control characters at either end.
    func testTrimmedIDMatchesFoundation() {
        let ends = ["", " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{1F}", "\u{85}", "\u{A0}", "\u{2003}", "\u{3000}", "\u{200B}",
                    "\u{FEFF}", "a", "Z", "9", "-", "_", "\u{E9}", "\u{6771}", "e\u{301}", "\u{1F642}"]
        for head in ends {
            for tail in ends {
                for middle in ["", "x", "id 42", " "] {
                    let id = head + middle + tail
                    XCTAssertEqual(Array(CorpusReader.trimmedID(id).unicodeScalars),
                                   Array(id.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars), id.debugDescription)
                }
            }
        }
    }

    func testInvalidUTF8FallsBackAndIsRepaired() {
        var bytes = Array(#"{"id":"b1","text":"bad "#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#" bytes"}"#.utf8)
        XCTAssertNil(bytes.withUnsafeBufferPointer { JSONLine.parse($0) })
        let file = CorpusReader.InputFile(path: "/in/x.jsonl", relativePath: "x.jsonl", folder: nil)
        let (article, issues) = CorpusReader().parseJSONLine(ArraySlice(bytes), file: file, line: 1)
        XCTAssertEqual(article?.id, "b1")
        XCTAssertEqual(issues.map(\.action), [.repaired])
    }

    static func describe(_ a: Article) -> String {
        [a.id, a.title, a.text, a.date.map { "\($0)" } ?? "-", a.source ?? "-", a.url ?? "-", a.file, a.line.map(String.init) ?? "-"]
            .joined(separator: "|")
    }
}
