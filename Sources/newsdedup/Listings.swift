import ArgumentParser
import Foundation
import NewsDedup

func loadJSON<T: Decodable>(_ type: T.Type, _ folder: String, _ name: String) throws -> T {
    let path = (folder as NSString).appendingPathComponent(name)
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("no \(path): run `newsdedup run` first, or pass --results DIR")
    }
    do { return try JSONDecoder().decode(T.self, from: data) } catch {
        throw ValidationError("\(path) is not a NewsDedup \(name): \(error)")
    }
}

/// Options every listing command shares.
struct ListingOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Results folder written by `newsdedup run`.", valueName: "dir"))
    var results: String = "Results"

    @Flag(help: "Print the rows as a JSON array (one object per table row, every field in full) instead of a table.")
    var json = false
}

/// A title line then the table, or the JSON rows.
func printListing<Row: Encodable>(_ rows: [Row], json: Bool, title: String, table: ([Row]) -> String) throws {
    if json {
        print(try Listing.json(rows), terminator: "")
    } else {
        print(title)
        if !rows.isEmpty { print("\n" + table(rows), terminator: "") }
    }
}

struct Duplicates: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the duplicate groups (wire copies) of a results folder.",
        discussion: """
            One row per article: each group's canonical first, then its copies with their TF-IDF cosine (SIM), \
            containment (CONT) and Jaccard similarity (JAC) against the canonical. Groups are in the order of \
            duplicates.json (canonical order of their canonicals). Titles are shortened in the table, never in --json.

            Examples:
              newsdedup duplicates
              newsdedup duplicates --results /srv/news/results --limit 10
              newsdedup duplicates --json | jq -r '.[] | select(.role == "copy") | .id'
            """)

    @OptionGroup var options: ListingOptions
    @Option(help: ArgumentHelp("Show only the first N groups.", valueName: "n")) var limit: Int?

    func validate() throws { if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") } }

    func run() throws {
        let file = try loadJSON(DuplicatesFile.self, options.results, "duplicates.json")
        let rows = Listing.duplicateRows(file, limit: limit)
        let shown = min(file.groups.count, limit ?? Int.max)
        try printListing(rows, json: options.json,
                         title: "\(shown == file.groups.count ? "" : "\(shown) of ")\(file.groups.count) duplicate groups over \(file.articles) articles",
                         table: Listing.duplicatesTable)
    }
}

struct Stories: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the story clusters of a results folder, largest first.",
        discussion: """
            One row per story: its id, number of articles (copies included), number of outlets, first and \
            last date, three top terms and headline. --json adds every outlet, the eight top terms, the \
            duplicate groups inside the story and the headline article's id.

            Examples:
              newsdedup stories
              newsdedup stories --min-size 5 --limit 20
              newsdedup stories --json | jq -r '.[0].headline'
            """)

    @OptionGroup var options: ListingOptions
    @Option(help: ArgumentHelp("Only stories with at least this many articles (1 lists single articles too).", valueName: "n"))
    var minSize: Int = 2
    @Option(help: ArgumentHelp("Show only the first N stories.", valueName: "n")) var limit: Int?

    func validate() throws {
        if minSize < 1 { throw ValidationError("--min-size must be at least 1") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        let file = try loadJSON(ClustersFile.self, options.results, "clusters.json")
        let rows = Listing.storyRows(file, minSize: minSize, limit: limit)
        let matching = file.clusters.filter { $0.size >= minSize }.count
        try printListing(rows, json: options.json,
                         title: "\(rows.count == matching ? "" : "\(rows.count) of ")\(matching) stories with at least \(minSize) article\(minSize == 1 ? "" : "s") (\(file.clusters.count) clusters over \(file.articles) articles)",
                         table: Listing.storiesTable)
    }
}

struct Topics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the SVD topics of a results folder.",
        discussion: """
            One row per topic, by decreasing singular value (SIGMA): the share of the TF-IDF variance it \
            explains and its strongest terms on each side. --json adds each term's weight.

            Examples:
              newsdedup topics
              newsdedup topics --terms 4
              newsdedup topics --json | jq -r '.[] | .positiveTerms[0].term'
            """)

    @OptionGroup var options: ListingOptions
    @Option(help: ArgumentHelp("Terms shown per side of each topic.", valueName: "n")) var terms: Int = 8

    func validate() throws { if terms < 0 { throw ValidationError("--terms must be 0 or more") } }

    func run() throws {
        let file = try loadJSON(TopicsFile.self, options.results, "topics.json")
        try printListing(Listing.topicRows(file, terms: terms), json: options.json,
                         title: "\(file.topics.count) topics over \(file.articles) articles and \(file.terms) terms",
                         table: Listing.topicsTable)
    }
}
