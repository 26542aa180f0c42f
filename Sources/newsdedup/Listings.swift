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

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? String(s.prefix(width)) : s + String(repeating: " ", count: width - s.count)
}

struct Duplicates: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the duplicate groups of a results folder.")
    @Option(help: "Results folder.") var results: String = "Results"

    func run() throws {
        let file = try loadJSON(DuplicatesFile.self, results, "duplicates.json")
        print("\(file.groups.count) duplicate groups over \(file.articles) articles")
        for g in file.groups {
            guard let c = g.members.first(where: { $0.role == "canonical" }) else { continue }
            print("\n\(g.id)  \(c.title)  [\(c.source ?? "-"), \(c.date ?? "undated")]  \(c.id)")
            for m in g.members where m.role == "copy" {
                print(String(format: "  cos %.3f  cont %.3f  jac %.3f  ", m.similarity, m.containment, m.jaccard)
                      + "\(pad(m.source ?? "-", 20)) \(pad(m.date ?? "undated", 10))  \(m.title)  \(m.id)")
            }
        }
    }
}

struct Stories: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the story clusters of a results folder, largest first.")
    @Option(help: "Results folder.") var results: String = "Results"
    @Option(help: "Only stories with at least this many articles.") var minSize: Int = 2

    func run() throws {
        let file = try loadJSON(ClustersFile.self, results, "clusters.json")
        let shown = file.clusters.filter { $0.size >= minSize }
        print("\(shown.count) stories with at least \(minSize) articles (\(file.clusters.count) clusters over \(file.articles) articles)")
        for c in shown {
            let dates = [c.firstDate, c.lastDate].compactMap { $0 }
            let span = dates.isEmpty ? "undated" : (dates.first == dates.last ? dates[0] : "\(dates[0])..\(dates[1])")
            print("\n\(c.id)  \(c.size) articles  \(span)  \(c.headline)")
            print("  sources: \(c.sources.joined(separator: ", "))")
            print("  terms:   \(c.topTerms.map(\.term).joined(separator: ", "))")
        }
    }
}

struct Topics: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the SVD topics of a results folder.")
    @Option(help: "Results folder.") var results: String = "Results"
    @Option(help: "Terms shown per topic.") var terms: Int = 8

    func run() throws {
        let file = try loadJSON(TopicsFile.self, results, "topics.json")
        print("\(file.topics.count) topics over \(file.articles) articles and \(file.terms) terms")
        for t in file.topics {
            print(String(format: "\n#%d  sigma %.3f  explained %.2f%%", t.index, t.singularValue, t.explainedVarianceRatio * 100))
            print("  + " + t.positiveTerms.prefix(terms).map { String(format: "%@ %.3f", $0.term, $0.weight) }.joined(separator: ", "))
            if !t.negativeTerms.isEmpty {
                print("  - " + t.negativeTerms.prefix(terms).map { String(format: "%@ %.3f", $0.term, $0.weight) }.joined(separator: ", "))
            }
        }
    }
}
