import Foundation
import XCTest
@testable import NewsDedup

/// Configuration files (TOML and JSON), `--set` assignments, precedence and error messages.
final class ConfigurationFileTests: XCTestCase {
    private func file(_ text: String, _ name: String = "night.toml") throws -> String {
        try TestSupport.write(text, to: name, in: TestSupport.temporaryFolder(for: self, name)).path
    }

    private func error(_ body: () throws -> Void) -> ConfigurationError? {
        do { try body() } catch let e as ConfigurationError { return e } catch { XCTFail("unexpected \(error)") }
        return nil
    }

    // MARK: Round trips

    func testDefaultsRoundTripThroughTOML() throws {
        let text = Configuration().toml()
        XCTAssertTrue(text.hasPrefix("# NewsDedup configuration"))
        XCTAssertTrue(text.contains("[copies]\n"))
        XCTAssertTrue(text.contains("# threads = 2"), "threads is left out (one per core) by default")
        var parsed = Configuration()
        parsed.copies.minCosine = 0.99   // must be overwritten by the file
        try parsed.apply(toml: text, source: "defaults.toml")
        XCTAssertEqual(parsed, Configuration())
    }

    func testDefaultsRoundTripThroughJSON() throws {
        var parsed = Configuration()
        parsed.topics.topics = 3
        try parsed.apply(json: Configuration().json(), source: "defaults.json")
        XCTAssertEqual(parsed, Configuration())
    }

    func testEveryKeyRoundTrips() throws {
        // Every key set to another valid value, written, read back.
        var changed = Configuration()
        for key in Configuration.keys {
            let value: ConfigurationKey.Value
            switch key.get(changed) {
            case let .integer(i)?:
                value = key.path == "copies.signatureBins" ? .integer(128) : key.check(.integer(i + 1)) == nil ? .integer(i + 1) : .integer(i - 1)
            case let .number(d)?:
                value = .number(d == 1 ? 0.5 : (d + 0.001 <= 1 ? d + 0.001 : d - 0.001))
            case let .boolean(b)?:
                value = .boolean(!b)
            case nil:
                value = .integer(3)   // threads
            }
            XCTAssertNil(key.check(value), "\(key.path): \(value)")
            key.set(&changed, value)
            XCTAssertEqual(key.get(changed), value, key.path)
        }
        XCTAssertNotEqual(changed, Configuration())
        var fromTOML = Configuration()
        try fromTOML.apply(toml: changed.toml(), source: "changed.toml")
        XCTAssertEqual(fromTOML, changed)
        var fromJSON = Configuration()
        try fromJSON.apply(json: changed.json(), source: "changed.json")
        XCTAssertEqual(fromJSON, changed)
    }

    /// The key table must cover every setting `Configuration` encodes (a new setting needs a key).
    func testKeysCoverEveryEncodedSetting() throws {
        var c = Configuration()
        c.threads = 2
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any])
        var encoded = Set<String>()
        for (name, value) in object {
            if let section = value as? [String: Any] {
                for key in section.keys { encoded.insert("\(name).\(key)") }
            } else {
                encoded.insert(name)
            }
        }
        XCTAssertEqual(Set(Configuration.keys.map(\.path)), encoded)
        XCTAssertEqual(Configuration.undescribedKeys.map(\.path), [],
                       "a new setting: describe it in Configuration.describedKeys (Sources/NewsDedup/Pipeline/Configuration.swift) and docs/configuration.md")
        XCTAssertEqual(Set(Configuration.keys.compactMap(\.section)), Set(Configuration.sections))
        XCTAssertEqual(Configuration.keys.count, Set(Configuration.keys.map(\.path)).count, "no key twice")
        for key in Configuration.keys {
            if let v = key.get(Configuration()) { XCTAssertNil(key.check(v), "the default of \(key.path) is allowed") }
        }
    }

    /// The machinery that keeps a setting nobody has described yet usable from a file.
    func testUndescribedSettingsStayUsable() throws {
        let numbers = try XCTUnwrap(JSONSerialization.jsonObject(with: Data("[true, false, 1, 0, 0.5]".utf8)) as? [NSNumber])
        XCTAssertEqual(numbers.map(Configuration.isJSONBoolean), [true, true, false, false, false])
        XCTAssertEqual(try Configuration.withField("stories", "cohesionFactor", 0.5, in: Configuration()).stories.cohesionFactor, 0.5)
        XCTAssertThrowsError(try Configuration.withField("stories", "largeStoryVoices", 0.5, in: Configuration()),
                             "a fraction for an integer setting does not decode")
    }

    /// docs/configuration.md documents every key.
    func testDocumentationListsEveryKey() throws {
        let doc = try String(contentsOf: TestSupport.repositoryRoot.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        for key in Configuration.keys {
            XCTAssertTrue(doc.contains("| `\(key.path)` |"), "docs/configuration.md lacks \(key.path)")
        }
    }

    // MARK: Precedence

    func testPrecedenceDefaultsFileThenAssignments() throws {
        let path = try file("""
            threads = 3
            [topics]
            topics = 7
            [stories]
            windowDays = 5
            [copies]
            minCosine = 0.4
            """)
        let fromFile = try Configuration.resolve(file: path)
        XCTAssertEqual(fromFile.topics.topics, 7)
        XCTAssertEqual(fromFile.stories.windowDays, 5)
        XCTAssertEqual(fromFile.copies.minCosine, 0.4)
        XCTAssertEqual(fromFile.threads, 3)
        XCTAssertEqual(fromFile.copies.minContainment, CopyConfiguration().minContainment, "keys left out keep their defaults")

        // The CLI passes --set, then --threads/--topics/--window-days, as assignments after the file.
        let overridden = try Configuration.resolve(file: path, assignments: ["topics.topics=9", "copies.minCosine = 0.35",
                                                                              "topics.topics=11", "tfidf.stopWords=false"])
        XCTAssertEqual(overridden.topics.topics, 11, "a later assignment wins")
        XCTAssertEqual(overridden.copies.minCosine, 0.35)
        XCTAssertEqual(overridden.stories.windowDays, 5, "the file's value stays where nothing overrides it")
        XCTAssertFalse(overridden.tfidf.stopWords)
    }

    func testNumbersAcceptIntegersButIntegersRejectFractions() throws {
        var c = Configuration()
        try c.apply(toml: "[copies]\nminCosine = 1\n", source: "x.toml")
        XCTAssertEqual(c.copies.minCosine, 1.0)
        let e = error { try c.apply(toml: "[topics]\ntopics = 2.5\n", source: "x.toml") }
        XCTAssertEqual(e?.key, "topics.topics")
        XCTAssertTrue(e?.message.contains("whole number") ?? false, e?.description ?? "")
    }

    // MARK: Errors name the file, the line and the key

    func testUnknownKeyIsAnErrorNamingFileLineAndKey() throws {
        let path = try file("""
            # my night
            [copies]
            minContainment = 0.5
            minCosin = 0.3
            """)
        let e = try XCTUnwrap(error { _ = try Configuration.resolve(file: path) })
        XCTAssertEqual(e.source, path)
        XCTAssertEqual(e.key, "copies.minCosin")
        XCTAssertEqual(e.line, 4)
        XCTAssertTrue(e.description.hasPrefix("\(path):4: copies.minCosin: unknown key"), e.description)
        XCTAssertTrue(e.description.contains("did you mean 'copies.minCosine'?"), e.description)
    }

    func testUnknownSectionAndTopLevelKey() throws {
        let e1 = try XCTUnwrap(error { _ = try Configuration.resolve(file: try file("[copy]\nminCosine = 0.3\n")) })
        XCTAssertEqual(e1.key, "copy")
        XCTAssertTrue(e1.description.contains("did you mean 'copies'?"), e1.description)
        let e2 = try XCTUnwrap(error { _ = try Configuration.resolve(file: try file("thread = 2\n")) })
        XCTAssertEqual(e2.key, "thread")
        XCTAssertEqual(e2.line, 1)
    }

    func testBadValuesAreErrors() throws {
        let cases: [(String, String, String)] = [
            ("[copies]\nminCosine = 1.5\n", "copies.minCosine", "between 0.0 and 1.0"),
            ("[copies]\nminCosine = \"0.3\"\n", "copies.minCosine", "got a string"),
            ("[copies]\nsignatureBins = 100\n", "copies.signatureBins", "power of two"),
            ("[topics]\ntopics = 0\n", "topics.topics", "at least 1"),
            ("[tfidf]\nstopWords = 1\n", "tfidf.stopWords", "true or false"),
            ("threads = 0\n", "threads", "between 1 and 4096"),
            ("copies = 3\n", "copies", "must be a section"),
            ("[stories]\nwindowDays = -1\n", "stories.windowDays", "at least 0"),
        ]
        for (text, key, words) in cases {
            let e = try XCTUnwrap(error { _ = try Configuration.resolve(file: try file(text)) }, text)
            XCTAssertEqual(e.key, key, text)
            XCTAssertTrue(e.message.contains(words), "\(text): \(e.description)")
            XCTAssertNotNil(e.line, text)
        }
    }

    func testSyntaxErrorsAndMissingFiles() throws {
        let e = try XCTUnwrap(error { _ = try Configuration.resolve(file: try file("[copies]\nminCosine = \n")) })
        XCTAssertEqual(e.line, 2)
        XCTAssertTrue(e.message.hasPrefix("not valid TOML"), e.description)
        let missing = try XCTUnwrap(error { _ = try Configuration.resolve(file: "/nonexistent/night.toml") })
        XCTAssertEqual(missing.description, "/nonexistent/night.toml: no such configuration file")
        let json = try XCTUnwrap(error { _ = try Configuration.resolve(file: try file("{\"copies\": {\"minCosin\": 0.3}}", "night.json")) })
        XCTAssertEqual(json.key, "copies.minCosin")
        XCTAssertEqual(json.line, 1)
        let badJSON = try XCTUnwrap(error { _ = try Configuration.resolve(file: try file("{\"copies\": ", "broken.json")) })
        XCTAssertTrue(badJSON.message.hasPrefix("not valid JSON"), badJSON.description)
    }

    func testAssignments() throws {
        var c = Configuration()
        try c.apply(assignment: "report.scatterPoints=100")
        XCTAssertEqual(c.report.scatterPoints, 100)
        let e1 = try XCTUnwrap(error { try c.apply(assignment: "copies.minCosine") })
        XCTAssertTrue(e1.description.hasPrefix("--set: 'copies.minCosine' is not KEY=VALUE"), e1.description)
        let e2 = try XCTUnwrap(error { try c.apply(assignment: "copies.nope=1") })
        XCTAssertEqual(e2.description.components(separatedBy: ":").prefix(2).joined(separator: ":"), "--set: copies.nope")
        let e3 = try XCTUnwrap(error { try c.apply(assignment: "copies.minCosine=high") })
        XCTAssertTrue(e3.message.contains("is not a value"), e3.description)
    }

    /// Manifests from before a section or a setting existed still decode (explain reads them):
    /// the recorded settings are kept, the missing ones take their defaults.
    func testOlderManifestConfigurationsDecode() throws {
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(Configuration())) as? [String: Any])
        object.removeValue(forKey: "report")
        XCTAssertEqual(try JSONDecoder().decode(Configuration.self, from: JSONSerialization.data(withJSONObject: object)), Configuration())

        var stories = try XCTUnwrap(object["stories"] as? [String: Any])
        stories.removeValue(forKey: "neighbours")
        stories["windowDays"] = 7
        object["stories"] = stories
        let decoded = try JSONDecoder().decode(Configuration.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(decoded.stories.windowDays, 7, "recorded")
        XCTAssertEqual(decoded.stories.neighbours, StoryConfiguration().neighbours, "missing: the default")
        object["stories"] = "nonsense"
        XCTAssertThrowsError(try JSONDecoder().decode(Configuration.self, from: JSONSerialization.data(withJSONObject: object)))
    }

    /// The command: `--config` with an unknown key exits 2 and names the file and key; `config`
    /// prints a file that `run --config` accepts.
    func testCommandExitCodes() throws {
        let tool = try XCTUnwrap(CommandLineTool.path, "newsdedup binary")
        let bad = try file("[copies]\nminCosin = 0.3\n")
        let corpus = try ReportFixture.write(in: TestSupport.temporaryFolder(for: self, "cfgcorpus"))
        let out = try TestSupport.temporaryFolder(for: self, "cfgout").appendingPathComponent("results").path
        let r1 = try CommandLineTool.run(tool, ["run", corpus.path, "--out", out, "--config", bad])
        XCTAssertEqual(r1.status, 2, r1.stderr)
        XCTAssertTrue(r1.stderr.contains("\(bad):2: copies.minCosin: unknown key"), r1.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is written on bad usage")

        let defaults = try CommandLineTool.run(tool, ["config"])
        XCTAssertEqual(defaults.status, 0)
        let good = try file(defaults.stdout.replacingOccurrences(of: "topics = 20", with: "topics = 4"), "good.toml")
        let r2 = try CommandLineTool.run(tool, ["run", corpus.path, "--out", out, "--config", good, "--window-days", "2", "--quiet"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let manifest = try JSONDecoder().decode(RunManifest.self, from: Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("manifest.json")))
        XCTAssertEqual(manifest.configuration.topics.topics, 4, "from the file")
        XCTAssertEqual(manifest.configuration.stories.windowDays, 2, "the option wins over the file")
        XCTAssertEqual(r2.stderr, "", "quiet, nothing to warn about")
        XCTAssertTrue(r2.stdout.hasPrefix("newsdedup: 8 articles"), r2.stdout)

        let r3 = try CommandLineTool.run(tool, ["run", corpus.path, "--out", out, "--set", "copies.minCosine=2"])
        XCTAssertEqual(r3.status, 2)
        XCTAssertTrue(r3.stderr.contains("--set: copies.minCosine: must be between 0.0 and 1.0, got 2"), r3.stderr)
    }
}

/// The `newsdedup` executable built beside the tests (`swift test` builds every product).
enum CommandLineTool {
    static var path: String? {
        var candidates = [Bundle.main.bundleURL.appendingPathComponent("newsdedup").path]
        if let argv0 = CommandLine.arguments.first {
            var url = URL(fileURLWithPath: argv0)
            while url.pathComponents.count > 1 {
                url = url.deletingLastPathComponent()
                if url.pathExtension == "xctest" { continue }
                candidates.append(url.appendingPathComponent("newsdedup").path)
                break
            }
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ tool: String, _ arguments: [String]) throws -> Result {
        // Output to files, not pipes: a large output can then never block the child.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("newsdedup-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        return Result(status: p.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
                      stderr: try String(contentsOf: errURL, encoding: .utf8))
    }
}
