import ArgumentParser
import Foundation
import NewsDedup

struct Config: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case toml, json }

    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the configuration: the defaults, or the result of a file and overrides.",
        discussion: """
            Without options, prints every setting with its default value and a comment saying what it does \
            and which values it takes: a ready-to-edit configuration file. With --config and/or --set, checks \
            them and prints the configuration a run would use (the file is validated exactly as `run` does).

            JSON output is the form of the manifest's `configuration` object; a run's settings can be reused \
            with `jq .configuration Results/manifest.json > night.json` and `--config night.json`.

            Examples:
              newsdedup config > newsdedup.toml        # the defaults, commented
              newsdedup config --config night.toml     # check a file, print the result
              newsdedup config --set topics.topics=30 --format json

            Exit codes: 0 success, 2 bad usage (unknown key or bad value: the message names the file, line and key).
            """)

    @OptionGroup(title: "Settings") var settings: SettingsOptions

    @Option(help: ArgumentHelp("Output format: toml (with comments) or json.", valueName: "format"))
    var format: Format = .toml

    func run() throws {
        let configuration = try settings.resolve()
        switch format {
        case .toml: print(configuration.toml())
        case .json: print(configuration.json(), terminator: "")
        }
    }
}
