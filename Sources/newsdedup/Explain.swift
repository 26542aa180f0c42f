import ArgumentParser
import Foundation
import NewsDedup

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain why two articles are or are not wire copies.",
        discussion: "Re-reads the corpus (default: the inputs recorded in the results' manifest) and prints the measures, the shared passage, the boilerplate set aside and the rule that decided.")

    @Argument(help: "The two article ids.") var first: String
    @Argument var second: String
    @Option(help: "Results folder whose manifest names the inputs.") var results: String = "Results"
    @Option(name: .customLong("corpus"), help: "Read these files or folders instead of the manifest's inputs.")
    var corpus: [String] = []

    func run() throws {
        var inputs = corpus
        var configuration = Configuration()
        if inputs.isEmpty {
            let manifest = try loadJSON(RunManifest.self, results, "manifest.json")
            inputs = manifest.inputs
            configuration = manifest.configuration
        }
        var stages: [RunManifest.Stage] = []
        let state = try Pipeline(configuration: configuration).compute(inputs: inputs, stages: &stages)
        let report = try CopyExplanation.explain(first, second, state: state, configuration: configuration.copies)
        print(report)
    }
}
