import Foundation
import XCTest
@testable import NewsDedup

/// The built `newsdedup` as a cron job would run it: killed with SIGKILL at every point of a run
/// (NEWSDEDUP_TEST_KILL_AT, see TestHooks), locked out, strict, and with skipped inputs.
final class NightlyKillTests: XCTestCase {
    let (n1, n2) = (NightlyCorpus.nights[0], NightlyCorpus.nights[1])

    func newsdedup(_ arguments: [String], killAt: String? = nil) throws -> (status: Int32, signalled: Bool, stderr: String) {
        let tool = try XCTUnwrap(CommandLineTool.path, "newsdedup binary")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("newsdedup-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let errURL = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NEWSDEDUP_TEST_KILL_AT"] = killAt
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try err.close()
        return (p.terminationStatus, p.terminationReason == .uncaughtSignal, try String(contentsOf: errURL, encoding: .utf8))
    }

    func copyFolder(_ from: URL, to: URL) throws {
        try? FileManager.default.removeItem(at: to)
        try FileManager.default.copyItem(at: from, to: to)
    }

    /// For every point of a run: kill night 2 there, check that Results/ holds a complete run
    /// (night 1's before the swap, night 2's after it) and the state database is night 1's (or,
    /// once committed, night 2's) and sound; then rerun night 2 and get exactly the results and
    /// state of an uninterrupted night 2, with no leftovers.
    func testKilledAtEveryPointKeepsResultsAndStateAndTheRerunCompletes() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let inputs = try NightlyCorpus.write(in: base.appendingPathComponent("in"), limit: 8)
        let out = base.appendingPathComponent("R"), state = base.appendingPathComponent("S")
        let savedOut = base.appendingPathComponent("saved-R"), savedState = base.appendingPathComponent("saved-S")
        func night(_ n: String, killAt: String? = nil) throws -> (status: Int32, signalled: Bool, stderr: String) {
            try newsdedup(["run", inputs[n]!.path, "--out", out.path, "--state", state.path, "--night", n, "--quiet"], killAt: killAt)
        }
        let all = NightlyFiles.deterministic + ["manifest.json", "report.html"]
        let r1 = try night(n1)
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let results1 = try NightlyFiles.contents(out, all)
        let summary1 = try HistoryStore(folder: state.path).summary()
        try copyFolder(out, to: savedOut)
        try copyFolder(state, to: savedState)
        let r2 = try night(n2)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let results2 = try NightlyFiles.contents(out)
        let summary2 = try HistoryStore(folder: state.path).summary()
        XCTAssertNotEqual(summary1, summary2)

        let afterSwap: Set<String> = ["swapped", "commit", "committed"]
        for point in TestHooks.points {
            try copyFolder(savedOut, to: out)
            try copyFolder(savedState, to: state)
            let killed = try night(n2, killAt: point)
            XCTAssertTrue(killed.signalled && killed.status == SIGKILL, "\(point): killed by SIGKILL (status \(killed.status))")
            // Results/ always holds one complete run.
            if afterSwap.contains(point) {
                XCTAssertEqual(try NightlyFiles.contents(out), results2, "\(point): night 2's complete results are in place")
            } else {
                XCTAssertEqual(try NightlyFiles.contents(out, all), results1, "\(point): night 1's results untouched")
            }
            let summary = try HistoryStore(folder: state.path).summary()
            XCTAssertEqual(summary.integrity, "ok", point)
            XCTAssertEqual(summary, point == "committed" ? summary2 : summary1, "\(point): the state is one night's, whole")
            // The rerun completes and gives the uninterrupted night's results and state.
            let rerun = try night(n2)
            XCTAssertEqual(rerun.status, 0, "\(point): \(rerun.stderr)")
            XCTAssertEqual(try NightlyFiles.contents(out), results2, "\(point): rerun")
            XCTAssertEqual(try HistoryStore(folder: state.path).summary(), summary2, "\(point): rerun state")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: base.path).filter { $0.hasPrefix("R.tmp-") || $0.hasPrefix("R.old-") }
            XCTAssertEqual(leftovers, [], "\(point): no leftovers after the rerun")
        }
    }

    /// Exit codes: 3 when inputs were skipped (results and state written), 4 with --strict
    /// (nothing written), 5 when another run holds the lock (nothing done), 0 on success.
    func testExitCodes() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let inputs = try NightlyCorpus.write(in: base.appendingPathComponent("in"), limit: 4)
        let out = base.appendingPathComponent("R"), state = base.appendingPathComponent("S")
        let good = try night(inputs[n1]!, out: out, state: state)
        XCTAssertEqual(good.status, 0, good.stderr)
        let before = try NightlyFiles.contents(out)
        let summary = try HistoryStore(folder: state.path).summary()

        // A night with a malformed line.
        var bad = try Data(contentsOf: inputs[n2]!)
        bad.append(Data("{not json\n".utf8))
        let badFile = try TestSupport.write(bad, to: "bad/\(n2).jsonl", in: base)
        let strict = try night(badFile, out: out, state: state, extra: ["--strict"])
        XCTAssertEqual(strict.status, 4, strict.stderr)
        XCTAssertTrue(strict.stderr.contains("--strict: 1 input was skipped"), strict.stderr)
        XCTAssertTrue(strict.stderr.contains("\(badFile.path):5: malformed JSON"), strict.stderr)
        XCTAssertEqual(try NightlyFiles.contents(out), before, "--strict: nothing written")
        XCTAssertEqual(try HistoryStore(folder: state.path).summary(), summary, "--strict: nothing committed")

        let lenient = try night(badFile, out: out, state: state)
        XCTAssertEqual(lenient.status, 3, "completed with skipped inputs: \(lenient.stderr)")
        let manifest = try NightlyFiles.decode(RunManifest.self, out, "manifest.json")
        XCTAssertEqual(manifest.night, n2)
        XCTAssertEqual(manifest.articles.skipped, 1)
        XCTAssertTrue(manifest.issues.contains { $0.file == badFile.path && $0.line == 5 && $0.action == .skipped })
        XCTAssertEqual(try HistoryStore(folder: state.path).summary().nights, [n1, n2], "the night is committed")

        // Another run holds the state lock.
        let held = try RunLock(path: state.appendingPathComponent("lock").path)
        let locked = try night(inputs[n1]!, out: out, state: state)
        XCTAssertEqual(locked.status, 5, locked.stderr)
        XCTAssertTrue(locked.stderr.contains("another newsdedup run is in progress"), locked.stderr)
        held.release()
        // The results lock too (another run writing the same results folder with its own state).
        let heldOut = try RunLock(path: ResultsWriter.lockPath(out.path))
        let locked2 = try night(inputs[n1]!, out: out, state: base.appendingPathComponent("other"))
        XCTAssertEqual(locked2.status, 5, locked2.stderr)
        heldOut.release()
        XCTAssertEqual(try night(inputs[n1]!, out: out, state: state).status, 0)
    }

    /// Leftovers of a run killed between the two renames of the fallback (no exchange on the file
    /// system): `<out>` missing, the previous results in `<out>.old-PID`, a partial `<out>.tmp-PID`.
    /// The next writer puts the previous results back, then removes the rest.
    func testLeftoversOfAKilledRunAreRepaired() throws {
        let base = try TestSupport.temporaryFolder(for: self)
        let out = base.appendingPathComponent("R")
        try TestSupport.write("{}\n", to: "R.old-4242/manifest.json", in: base)
        try TestSupport.write("previous\n", to: "R.old-4242/duplicates.json", in: base)
        try TestSupport.write("partial\n", to: "R.tmp-4343/duplicates.json", in: base)
        try TestSupport.write("stale\n", to: "R.tmp-4444/clusters.json", in: base)
        ResultsWriter(output: out.path).cleanStale()
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("duplicates.json"), encoding: .utf8), "previous\n",
                       "the complete previous results are back in place")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: base.path).sorted(), ["R"], "no leftovers")
        // With <out> present, leftovers are just removed, and <out> is kept.
        try TestSupport.write("{}\n", to: "R.old-5555/manifest.json", in: base)
        try TestSupport.write("x\n", to: "R.tmp-5556/topics.json", in: base)
        ResultsWriter(output: out.path).cleanStale()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: base.path).sorted(), ["R"])
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("duplicates.json"), encoding: .utf8), "previous\n")
        // The exchange itself: both folders swap in one call.
        let other = base.appendingPathComponent("S")
        try TestSupport.write("new\n", to: "S/duplicates.json", in: base)
        XCTAssertTrue(ResultsWriter.exchange(other.path, out.path), "renameat2(RENAME_EXCHANGE) is available here")
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("duplicates.json"), encoding: .utf8), "new\n")
        XCTAssertEqual(try String(contentsOf: other.appendingPathComponent("duplicates.json"), encoding: .utf8), "previous\n")
    }

    func night(_ input: URL, out: URL, state: URL, extra: [String] = []) throws -> (status: Int32, signalled: Bool, stderr: String) {
        let night = input.deletingPathExtension().lastPathComponent
        return try newsdedup(["run", input.path, "--out", out.path, "--state", state.path, "--night", night, "--quiet"] + extra)
    }
}
