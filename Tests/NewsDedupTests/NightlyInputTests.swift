import Foundation
import XCTest
import LinearAlgebra
@testable import NewsDedup

/// Every bad input of a night (issue "Nightly operation") through the whole run: it is listed in
/// manifest.json with file, line (JSONL) and reason, and the rest of the night is processed.
final class NightlyInputTests: XCTestCase {
    static let good = """
        {"id": "good-1", "date": "2024-11-15", "source": "wire", "title": "Harbour cranes stop", "text": "Dockworkers at Port Calloway walked out on Friday over pay, leaving ships at anchor in the harbour."}
        {"id": "good-2", "date": "2024-11-15", "source": "post", "title": "Ships wait at anchor", "text": "Ships waited at anchor off Port Calloway as the dockworkers' strike over pay entered its second day."}

        """

    /// A folder with two good articles (`good.jsonl`) and whatever `setUp` adds; runs the pipeline
    /// and returns the manifest.
    func night(_ label: String = #function, configure: (inout Configuration) -> Void = { _ in },
               _ add: (URL) throws -> Void) throws -> (RunManifest, URL) {
        let base = try TestSupport.temporaryFolder(for: self, label)
        let input = base.appendingPathComponent("night")
        try TestSupport.write(Self.good, to: "good.jsonl", in: input)
        try add(input)
        var c = Configuration()
        configure(&c)
        var p = Pipeline(configuration: c)
        p.history = HistoryOptions(stateFolder: base.appendingPathComponent("state").path)
        let out = base.appendingPathComponent("R")
        let manifest = try p.run(inputs: [input.path], output: out.path)
        XCTAssertTrue(manifest.complete)
        let clusters = try NightlyFiles.decode(ClustersFile.self, out, "clusters.json")
        let clustered = Set(clusters.clusters.flatMap { $0.members.map(\.id) })
        XCTAssertTrue(clustered.isSuperset(of: ["good-1", "good-2"]), "the good articles are processed: \(clustered.sorted())")
        XCTAssertEqual(manifest.night, "2024-11-15")
        return (manifest, input)
    }

    func assertIssue(_ m: RunManifest, _ file: URL, line: Int? = nil, action: InputIssue.Action = .skipped,
                     _ words: [String], file f: StaticString = #filePath, line l: UInt = #line) {
        let hit = m.issues.first { $0.file == file.path && $0.line == line && $0.action == action
            && words.allSatisfy($0.reason.contains) }
        XCTAssertNotNil(hit, "no \(action) issue at \(file.lastPathComponent):\(line.map(String.init) ?? "-") with \(words): \(m.issues.map(\.message))",
                        file: f, line: l)
    }

    func testInvalidUTF8IsRepaired() throws {
        var file: URL!
        let (m, _) = try night { dir in
            file = try TestSupport.write(Data("Caf\u{e9} news\n\nThe caf".utf8) + Data([0xC3, 0x28, 0xFF]) + Data(" opened.\n".utf8),
                                         to: "latin.txt", in: dir)
        }
        assertIssue(m, file, action: .repaired, ["invalid UTF-8"])
        XCTAssertEqual(m.articles.read, 3)
    }

    func testEmptyFilesAreSkipped() throws {
        var txt: URL!, jsonl: URL!
        let (m, _) = try night { dir in
            txt = try TestSupport.write("", to: "empty.txt", in: dir)
            jsonl = try TestSupport.write("", to: "empty.jsonl", in: dir)
        }
        assertIssue(m, txt, ["empty file"])
        assertIssue(m, jsonl, ["empty file"])
    }

    func testBinaryFilesAreSkipped() throws {
        var txt: URL!, jsonl: URL!
        var bytes = [UInt8](repeating: 0, count: 4096)
        var rng = SplitMix64(seed: 7)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
        let (m, _) = try night { dir in
            txt = try TestSupport.write(Data(bytes), to: "image.txt", in: dir)
            jsonl = try TestSupport.write(Data(bytes + Array("\n".utf8) + bytes), to: "archive.jsonl", in: dir)
        }
        assertIssue(m, txt, ["binary file"])
        assertIssue(m, jsonl, ["binary file"])
        XCTAssertEqual(m.issues.filter { $0.file == jsonl.path }.count, 1, "a binary JSONL file is one issue, not one per line")
    }

    /// 100 MB: a text article over reader.maxFileBytes and a JSONL line over reader.maxLineBytes
    /// are skipped (the per-article limits, 16 MiB by default), a 100 MB JSONL file of ordinary
    /// lines is simply read. Written on the fly; the lines carry their text beside a large
    /// `html` field (JSON parsing is fast in any build), so the test stays quick.
    func testHundredMegabyteInputs() throws {
        let size = 100 << 20
        var text: URL!, oneLine: URL!, many: URL!
        var expectedLines = 0
        let (m, _) = try night { dir in
            let chunk = Data(String(repeating: "wordy ", count: (1 << 20) / 6).utf8)
            text = dir.appendingPathComponent("huge.txt")
            oneLine = dir.appendingPathComponent("huge-line.jsonl")
            many = dir.appendingPathComponent("many.jsonl")
            _ = FileManager.default.createFile(atPath: text.path, contents: Data("Huge\n\n".utf8))
            let t = try FileHandle(forWritingTo: text)
            try t.seekToEnd()
            for _ in 0..<(size / chunk.count + 1) { try t.write(contentsOf: chunk) }
            try t.close()
            _ = FileManager.default.createFile(atPath: oneLine.path, contents: Data(#"{"id": "huge", "date": "2024-11-15", "text": ""#.utf8))
            let o = try FileHandle(forWritingTo: oneLine)
            try o.seekToEnd()
            for _ in 0..<(size / chunk.count + 1) { try o.write(contentsOf: chunk) }
            try o.write(contentsOf: Data("\"}\n".utf8))
            try o.write(contentsOf: Data(#"{"id": "after-huge", "date": "2024-11-15", "text": "Read after the huge line."}"#.utf8 + [0x0A]))
            try o.close()
            // Ordinary lines of about 64 KiB (an article with its HTML page, as feeds carry it)
            // until 100 MB: each one an article.
            _ = FileManager.default.createFile(atPath: many.path, contents: nil)
            let w = try FileHandle(forWritingTo: many)
            let html = "<p>" + String(repeating: "lorem ipsum dolor sit amet ", count: 2400) + "</p>"
            var written = 0
            var batch = Data()
            while written < size {
                expectedLines += 1
                batch.append(Data(#"{"id": "m\#(expectedLines)", "date": "2024-11-15", "title": "Harbour note \#(expectedLines)", "text": "Ships at anchor off Port Calloway, note \#(expectedLines).", "html": "\#(html)"}"#.utf8 + [0x0A]))
                if batch.count > 4 << 20 || written + batch.count >= size {
                    try w.write(contentsOf: batch)
                    written += batch.count
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try w.close()
        }
        assertIssue(m, text, ["file too large", "reader.maxFileBytes"])
        assertIssue(m, oneLine, line: 1, ["line longer than", "reader.maxLineBytes"])
        XCTAssertGreaterThanOrEqual(try FileManager.default.attributesOfItem(atPath: many.path)[.size] as? Int ?? 0, size)
        XCTAssertFalse(m.issues.contains { $0.file == many.path && $0.action == .skipped }, "\(m.issues.prefix(3))")
        XCTAssertEqual(m.articles.read, 2 + 1 + expectedLines, "the good ones, the line after the huge one, every ordinary line")
    }

    func testMalformedJSONLinesAreSkippedWithTheirLines() throws {
        var file: URL!
        let (m, _) = try night { dir in
            file = try TestSupport.write("""
                {"id": "ok-1", "date": "2024-11-15", "text": "Fine."}
                {"id": "broken", "text": "no closing brace"
                [1, 2, 3]
                {"id": "ok-2", "date": "2024-11-15", "text": "Also fine."}

                """, to: "mixed.jsonl", in: dir)
        }
        assertIssue(m, file, line: 2, ["malformed JSON"])
        assertIssue(m, file, line: 3, ["not an object"])
        XCTAssertEqual(m.articles.read, 4)
    }

    func testMissingAndImpossibleDatesAreRepaired() throws {
        var jsonl: URL!, txt: URL!
        let (m, _) = try night { dir in
            jsonl = try TestSupport.write("""
                {"id": "undated", "text": "No date at all."}
                {"id": "feb30", "date": "2024-02-30", "text": "An impossible date."}
                {"id": "words", "date": "last Tuesday", "text": "Not a date."}

                """, to: "dates.jsonl", in: dir)
            txt = try TestSupport.write("date 2024-13-01 Thirteenth month\n\nBody.\n", to: "month13.txt", in: dir)
        }
        assertIssue(m, jsonl, line: 1, action: .repaired, ["no date"])
        assertIssue(m, jsonl, line: 2, action: .repaired, ["impossible or malformed date '2024-02-30'"])
        assertIssue(m, jsonl, line: 3, action: .repaired, ["'last Tuesday'"])
        assertIssue(m, txt, line: 1, action: .repaired, ["2024-13-01"])
        XCTAssertEqual(m.articles.read, 6, "kept without a date")
        XCTAssertEqual(m.articles.skipped, 0)
    }

    func testDuplicateIDIsSkipped() throws {
        var file: URL!
        let (m, _) = try night { dir in
            file = try TestSupport.write(#"{"id": "good-1", "date": "2024-11-15", "text": "Same id as an earlier article."}"# + "\n",
                                         to: "z-again.jsonl", in: dir)
        }
        assertIssue(m, file, line: 1, ["duplicate id 'good-1'"])
        XCTAssertEqual(m.articles.read, 2)
    }

    /// Root reads a mode-000 file, so these tests (run as root) use what even root cannot read:
    /// a FIFO named like an article (opening it would block the night: it is skipped unopened)
    /// and a link to /proc/self/mem, whose first page is unmapped (read error EIO).
    func testUnreadableFilesAreSkipped() throws {
        var fifo: URL!, fifoJSONL: URL!, mem: URL!
        let (m, _) = try night { dir in
            fifo = dir.appendingPathComponent("pipe.txt")
            fifoJSONL = dir.appendingPathComponent("pipe.jsonl")
            XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
            XCTAssertEqual(mkfifo(fifoJSONL.path, 0o644), 0)
            mem = dir.appendingPathComponent("mem.txt")
            try FileManager.default.createSymbolicLink(atPath: mem.path, withDestinationPath: "/proc/self/mem")
        }
        assertIssue(m, fifo, ["not a regular file", "FIFO"])
        assertIssue(m, fifoJSONL, ["not a regular file", "FIFO"])
        assertIssue(m, mem, ["read error"])
        if getuid() != 0 {
            let (m2, _) = try night("chmod") { dir in
                let locked = try TestSupport.write("Locked\n\nSecret.\n", to: "locked.txt", in: dir)
                try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked.path)
            }
            XCTAssertTrue(m2.issues.contains { $0.reason.contains("permission denied") })
        }
    }

    func testSymbolicLinkLoopsAreSkipped() throws {
        var folderLoop: URL!, selfLink: URL!
        let (m, _) = try night { dir in
            folderLoop = dir.appendingPathComponent("loop")
            try FileManager.default.createSymbolicLink(atPath: folderLoop.path, withDestinationPath: ".")
            selfLink = dir.appendingPathComponent("self.txt")
            try FileManager.default.createSymbolicLink(atPath: selfLink.path, withDestinationPath: "self.txt")
        }
        assertIssue(m, folderLoop, ["symbolic-link loop"])
        assertIssue(m, selfLink, ["symbolic-link loop"])
        XCTAssertEqual(m.articles.read, 2, "every article read once")
    }
}
