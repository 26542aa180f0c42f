import ArgumentParser
import Foundation
import NewsDedup

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain why two articles are or are not wire copies.",
        discussion: """
            Re-reads the corpus and prints, for two article ids, a table of the measures the copy rule uses: \
            3-word shingles of each article and shared, the shared ones set aside as outlet boilerplate or common \
            phrasing, the kept shingles, containment, Jaccard and TF-IDF cosine, each with the rule's condition \
            and whether the pair meets it; then the verdict and the longest shared passage.

            By default it re-reads the inputs recorded in the results' manifest.json with the settings recorded \
            there (paths relative to the current folder). --corpus reads other paths with the default settings, \
            or those of --config / --set.

            Examples:
              # two ids from `newsdedup duplicates` (the demo corpus)
              newsdedup explain the-beltway-wire/000_836ff1559c56c5c5.txt \\
                lakeshore-tribune/2024-11-16-musks-secret-iran-meeting.txt
              # another corpus, another threshold
              newsdedup explain a1 a7 --corpus night.jsonl --set copies.minContainment=0.5
              newsdedup explain A B --json | jq .copies

            Exit codes: 0 success, 1 an id is not in the corpus, 2 bad usage.
            """)

    @Argument(help: ArgumentHelp("Id of the first article (an id as in duplicates.json).", valueName: "id-a")) var first: String
    @Argument(help: ArgumentHelp("Id of the second article.", valueName: "id-b")) var second: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Results folder whose manifest names the inputs and settings.", valueName: "dir"))
    var results: String = "Results"
    @Option(name: .customLong("corpus"), help: ArgumentHelp("Read this file or folder instead of the manifest's inputs (repeatable).", valueName: "path"))
    var corpus: [String] = []
    @OptionGroup(title: "Settings (with --corpus)") var settings: SettingsOptions
    @Flag(help: "Print the measures as JSON (the table's rows, the verdict and the shared passage).")
    var json = false

    func validate() throws {
        if corpus.isEmpty && (settings.config != nil || !settings.assignments.isEmpty) {
            throw ValidationError("--config and --set apply with --corpus; without it the manifest's settings are used")
        }
    }

    func run() throws {
        var inputs = corpus
        var configuration = try settings.resolve()
        if inputs.isEmpty {
            let manifest = try loadJSON(RunManifest.self, results, "manifest.json")
            inputs = manifest.inputs
            configuration = manifest.configuration
        }
        var stages: [RunManifest.Stage] = []
        let state = try Pipeline(configuration: configuration).compute(inputs: inputs, stages: &stages)
        let report = try PairReport.make(first, second, state: state, configuration: configuration.copies)
        if json { print(try Listing.json(report), terminator: "") } else { print(report.text(), terminator: "") }
    }
}
