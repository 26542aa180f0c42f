import ArgumentParser
import Foundation
import Logging
import NewsDedup

/// Options shared by the commands that compute (`run`, `explain`) or print (`config`) a configuration.
struct SettingsOptions: ParsableArguments {
    @Option(name: [.customShort("c"), .long], help: ArgumentHelp(
        "Configuration file: TOML (.toml or any other name) or JSON (.json).",
        discussion: "Every key is optional; `newsdedup config` prints them all with their defaults and meaning.",
        valueName: "file"))
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override one setting, e.g. --set copies.minCosine=0.35 (repeatable; wins over the file).",
        valueName: "key=value"))
    var assignments: [String] = []

    /// Defaults < file < `--set` < the dedicated options, whose assignments come last.
    func resolve(extra: [String] = []) throws -> Configuration {
        do {
            return try Configuration.resolve(file: config, assignments: assignments + extra)
        } catch let e as ConfigurationError {
            throw ValidationError(e.description)
        }
    }
}

/// Logging and progress options.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Cron mode: no progress; only warnings (at most --max-warnings input issues) and the final summary line.")
    var quiet = false

    @Flag(help: "Per-stage progress lines even when stderr is not a terminal (on a terminal they are on by default).")
    var progress = false

    @Option(help: ArgumentHelp(
        "Least severe log messages shown on stderr.",
        discussion: "info shows the library's structured per-stage log lines; debug adds more.",
        valueName: "level"))
    var logLevel: Logger.Level = .warning

    @Option(help: ArgumentHelp("Input issues printed as warnings at most; the rest are counted in one line (all are in manifest.json and report.html).",
                               valueName: "n"))
    var maxWarnings: Int = 100

    func validate() throws {
        if quiet && progress { throw ValidationError("--quiet and --progress cannot be used together") }
        if maxWarnings < 0 { throw ValidationError("--max-warnings must be 0 or more") }
    }

    var progressMode: Progress.Mode {
        if quiet { return .off }
        if Console.shared.isTerminal { return .live }
        return progress ? .plain : .off
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole job: read, find copies, cluster stories, fit topics, write the results and report.html.",
        discussion: """
            Writes duplicates.json, clusters.json, topics.json, report.html and manifest.json into the results \
            folder, replacing it atomically when the run completes. Inputs that must be skipped never stop a run: \
            they are printed as warnings and listed in the manifest's `issues` and in report.html.

            Settings come from the defaults, then --config FILE, then --set KEY=VALUE, then --threads, \
            --topics and --window-days (later wins). The manifest records the settings used.

            On a terminal, each stage shows a live status line, then its time, rate and counts. When stderr \
            is not a terminal (cron) or with --quiet, only warnings and the summary line are printed.

            Examples:
              newsdedup run Corpus          # = `newsdedup Corpus`; writes Results/
              newsdedup run night.jsonl -o /srv/news/results --config night.toml
              newsdedup run Corpus --topics 30 --set copies.minContainment=0.5
              # cron: warnings and the summary only, plus the structured log lines
              newsdedup run /data/night --quiet --log-level info

            History: each run is one night (--night, or the most common article date) and keeps its \
            articles, duplicate groups and stories in a state folder (--state, default <out>.state): \
            copies of earlier nights' articles join the earlier group (its canonical and id kept), \
            stories that go on keep their id. Rerunning a night replaces it. See docs/nightly.md.

            Exit codes: 0 success; 3 completed, but some inputs were skipped (results and state \
            written, the inputs listed in manifest.json); 4 --strict and some inputs were skipped \
            (nothing written); 5 another run holds the lock (nothing done); 1 failure (a stage \
            failed: the previous results and state are kept); 2 bad usage (unknown option, bad \
            value, unreadable or invalid configuration file).
            """)

    @Argument(help: ArgumentHelp("Files or folders to read (.txt, .jsonl, .ndjson; folders recursively).", valueName: "path"))
    var paths: [String] = ["Corpus"]

    @Option(name: .shortAndLong, help: ArgumentHelp("Results folder, replaced atomically when the run completes.", valueName: "dir"))
    var out: String = "Results"

    @OptionGroup(title: "Settings") var settings: SettingsOptions

    @Option(help: ArgumentHelp("Worker threads (default: one per core). Same as --set threads=N.", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Number of SVD topics (default 20). Same as --set topics.topics=N.", valueName: "n"))
    var topics: Int?

    @Option(help: ArgumentHelp("Story date window in days (default 3): dated articles further apart are never linked directly. Same as --set stories.windowDays=N.",
                               valueName: "n"))
    var windowDays: Int?

    @Option(help: ArgumentHelp("State folder holding the history across nights (default: <out>.state, beside the results folder).",
                               valueName: "dir"))
    var state: String?

    @Flag(help: "Keep no history: no state folder is read or written.")
    var noHistory = false

    @Option(help: ArgumentHelp("The night this run is (default: the most common article date, else today in UTC). Rerunning a night replaces it.",
                               valueName: "YYYY-MM-DD"))
    var night: String?

    @Option(help: ArgumentHelp("Nights kept in the state folder, in days before --night (default 30). Same as --set history.retentionDays=N.",
                               valueName: "n"))
    var retentionDays: Int?

    @Flag(help: "Any skipped input fails the run (exit 4) before anything is written or committed.")
    var strict = false

    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if let t = topics, t < 1 { throw ValidationError("--topics must be at least 1") }
        if let w = windowDays, w < 0 { throw ValidationError("--window-days must be 0 or more") }
        if let r = retentionDays, r < 1 { throw ValidationError("--retention-days must be at least 1") }
        if let night, Day(iso: night) == nil || night.count != 10 { throw ValidationError("--night must be a date YYYY-MM-DD, got '\(night)'") }
        if noHistory && (state != nil || night != nil) { throw ValidationError("--no-history cannot be used with --state or --night") }
        if paths.isEmpty { throw ValidationError("give at least one file or folder to read") }
        let missing = paths.filter { !FileManager.default.fileExists(atPath: $0) }
        if !missing.isEmpty, missing.count == paths.count {
            throw ValidationError("no such file or folder: \(missing.joined(separator: ", "))")
        }
    }

    func run() throws {
        var extra: [String] = []
        if let threads { extra.append("threads=\(threads)") }
        if let topics { extra.append("topics.topics=\(topics)") }
        if let windowDays { extra.append("stories.windowDays=\(windowDays)") }
        if let retentionDays { extra.append("history.retentionDays=\(retentionDays)") }
        let configuration = try settings.resolve(extra: extra)

        let logger = makeLogger(level: output.logLevel)
        let progress = Progress(mode: output.progressMode)
        let warnings = WarningCounter(limit: output.maxWarnings, logger: logger)
        var pipeline = Pipeline(configuration: configuration, logger: logger) { event in
            switch event {
            case let .stageStarted(name): progress.stageStarted(name)
            case let .stageFinished(name, seconds, counts): progress.stageFinished(name, seconds: seconds, counts: counts)
            case let .issue(issue): warnings.report(issue)
            case .wrote: break
            }
        }
        if !noHistory {
            pipeline.history = HistoryOptions(stateFolder: state ?? Run.defaultState(out: out), night: night.flatMap { Day(iso: $0) })
        }
        pipeline.strict = strict
        // The process ends after the run: its memory goes back to the system at exit, not array by array.
        pipeline.keepsStateUntilExit = true
        let manifest: RunManifest
        do {
            manifest = try pipeline.run(inputs: paths, output: out)
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        warnings.finish(out: out)
        let stage = Dictionary(uniqueKeysWithValues: manifest.stages.map { ($0.name, $0.counts) })
        print("newsdedup: \(manifest.articles.read) articles, \(stage["copies"]?["groups"] ?? 0) duplicate groups, "
              + "\(stage["stories"]?["multiArticleClusters"] ?? 0) multi-article stories, \(stage["topics"]?["topics"] ?? 0) topics, "
              + "\(manifest.articles.skipped) skipped inputs, \(String(format: "%.1f", manifest.totalSeconds))s -> \(out)/"
              + (manifest.night.map { ", night \($0)" } ?? ""))
        if manifest.articles.skipped > 0 { throw ExitCode(RunExit.completedWithSkippedInputs) }
    }

    /// `<out>.state`, beside the results folder.
    static func defaultState(out: String) -> String {
        var base = out
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        return base + ".state"
    }
}

/// The exit codes of `newsdedup run` (README "Running it nightly", docs/nightly.md).
enum RunExit {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let completedWithSkippedInputs: Int32 = 3
    static let strictSkippedInputs: Int32 = 4
    static let lockHeld: Int32 = 5
}

/// Prints the first `limit` input issues as warnings and counts the rest.
final class WarningCounter: @unchecked Sendable {
    let limit: Int
    let logger: Logger
    private let lock = NSLock()
    private var seen = 0

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    func report(_ issue: InputIssue) {
        lock.lock()
        seen += 1
        let show = seen <= limit
        lock.unlock()
        if show { logger.warning("\(issue.message)") }
    }

    func finish(out: String) {
        lock.lock(); let n = seen; lock.unlock()
        if n > limit {
            logger.warning("\(n - limit) more input issues not shown (\(n) in all): see \(out)/report.html or the `issues` of \(out)/manifest.json")
        }
    }
}
