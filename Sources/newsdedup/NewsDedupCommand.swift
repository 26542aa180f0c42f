import ArgumentParser
import Foundation
import NewsDedup

@main
struct NewsDedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsdedup",
        abstract: "Find duplicate wire copies, story clusters and topics in a night's news articles.",
        discussion: """
            Reads articles (seed-format or plain .txt files, .jsonl/.ndjson with one article per line, \
            or folders of them) and writes duplicates.json, clusters.json, topics.json, report.html (a page \
            for people: open it in a browser) and manifest.json into the results folder. `run` is the default \
            subcommand: `newsdedup Corpus` is `newsdedup run Corpus`. The listing commands read a results \
            folder and print an aligned table, or JSON with --json. See README.md, docs/results.md and \
            docs/configuration.md; `newsdedup help <subcommand>` explains each one.

            Examples:
              newsdedup run Corpus --out Results   # then open Results/report.html
              newsdedup run /data/night.jsonl --config night.toml --quiet
              newsdedup config > newsdedup.toml    # every setting, with its default
              newsdedup duplicates --json | jq length
              newsdedup stories --min-size 5
              newsdedup topics --terms 5
              newsdedup explain ID-A ID-B

            Exit codes: 0 success, 1 failure, 2 bad usage; `run` adds 3 (completed, some inputs \
            skipped), 4 (--strict and some inputs skipped), 5 (another run holds the lock).
            """,
        version: NewsDedup.ResultsSchema.toolVersion,
        subcommands: [Run.self, Config.self, Duplicates.self, Stories.self, Topics.self, Explain.self],
        defaultSubcommand: Run.self
    )

    /// ArgumentParser exits 64 on bad usage; this tool promises 2 (and 1 for any failure), and
    /// the codes of `RunExit` for `run`.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let e as ExitCode where e.rawValue == RunExit.completedWithSkippedInputs {
            Foundation.exit(e.rawValue)
        } catch let e as PipelineError {
            printError("newsdedup: \(e)")
            Foundation.exit(RunExit.strictSkippedInputs)
        } catch let e as RunLockError {
            printError("newsdedup: \(e)")
            Foundation.exit(RunExit.lockHeld)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : 1)
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
