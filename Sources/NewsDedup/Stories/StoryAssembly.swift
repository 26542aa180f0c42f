import Foundation
import LinearAlgebra

extension StoryClusterer {
    /// Turns the voice labels into stories of articles, largest first (ties by the canonical
    /// rank of the founding member). In parallel over stories.
    func assemble(labels: [Int32], voices: Voices, articles: [Article], terms: TermMatrix,
                  duplicates: DuplicateGroups, canonicalRank: [Int]) -> [StoryCluster] {
        let v = voices.count
        // Voices grouped by label (counting sort), each group's articles in canonical order.
        var count = [Int](repeating: 0, count: v + 1)
        for i in 0..<v { count[Int(labels[i]) + 1] += voices.start[i + 1] - voices.start[i] }
        for i in 0..<v { count[i + 1] += count[i] }
        var fill = count
        var flat = [Int](repeating: 0, count: voices.members.count)
        for i in 0..<v {
            let l = Int(labels[i])
            for q in voices.start[i]..<voices.start[i + 1] { flat[fill[l]] = Int(voices.members[q]); fill[l] += 1 }
        }
        let roots = (0..<v).filter { count[$0 + 1] > count[$0] }
        // Several chunks a thread: stories differ widely in size, so two halves rarely take
        // the same time (the parts are concatenated in order, then sorted).
        let parts = Parallel.mapChunks(roots.count, chunks: max(1, min(roots.count, Parallel.threads * 4))) { range -> [StoryCluster] in
            var dense = [Double](repeating: 0, count: terms.matrix.columns)
            var used: [Int32] = []
            return range.map { r in
                let l = roots[r]
                let members = flat[count[l]..<count[l + 1]].sorted { canonicalRank[$0] < canonicalRank[$1] }
                return makeCluster(members, articles: articles, terms: terms, duplicates: duplicates, dense: &dense, used: &used)
            }
        }
        var clusters = parts.flatMap { $0 }
        clusters.sort { a, b in
            if a.members.count != b.members.count { return a.members.count > b.members.count }
            return canonicalRank[a.members[0]] < canonicalRank[b.members[0]]
        }
        return clusters
    }

    /// One story: centroid (the normalised sum of all member rows, each copy counted), each
    /// member's cosine to it, the headline, top terms, groups and the id.
    func makeCluster(_ members: [Int], articles: [Article], terms: TermMatrix, duplicates: DuplicateGroups,
                     dense: inout [Double], used: inout [Int32]) -> StoryCluster {
        let m = terms.matrix
        for d in members {
            for p in m.rowStart[d]..<m.rowStart[d + 1] {
                let t = m.columnIndex[p]
                if dense[Int(t)] == 0 { used.append(t) }
                dense[Int(t)] += m.values[p]
            }
        }
        used.sort()
        var centroid: [(Int32, Double)] = used.map { ($0, dense[Int($0)]) }
        for t in used { dense[Int(t)] = 0 }
        used.removeAll(keepingCapacity: true)
        let norm = centroid.reduce(0) { $0 + $1.1 * $1.1 }.squareRoot()
        if norm > 0 { for i in centroid.indices { centroid[i].1 /= norm } }
        for (t, x) in centroid { dense[Int(t)] = x }
        var similarity: [Double] = []
        similarity.reserveCapacity(members.count)
        for d in members {
            var s = 0.0
            for p in m.rowStart[d]..<m.rowStart[d + 1] { s += m.values[p] * dense[Int(m.columnIndex[p])] }
            similarity.append(s)
        }
        for (t, _) in centroid { dense[Int(t)] = 0 }
        // Headline: the member nearest the centroid, canonicals of duplicate groups preferred.
        var best = 0
        func key(_ i: Int) -> (Int, Double) {
            let a = members[i]
            let g = duplicates.groupOfArticle[a]
            let isCopy = g >= 0 && duplicates.groups[Int(g)].canonical != a
            return (isCopy ? 0 : 1, similarity[i])
        }
        for i in members.indices.dropFirst() {
            let (ka, sa) = key(i), (kb, sb) = key(best)
            if ka > kb || (ka == kb && sa > sb + 1e-12) { best = i }
        }
        // The strongest centroid terms (ties by smaller term id), by insertion into a short list.
        let topCount = configuration.topTerms
        var strongest: [(Int32, Double)] = []
        if topCount > 0 {
            strongest.reserveCapacity(topCount + 1)
            for e in centroid {
                if strongest.count == topCount, let last = strongest.last, !(e.1 > last.1 || (e.1 == last.1 && e.0 < last.0)) { continue }
                var at = strongest.count
                while at > 0 && (e.1 > strongest[at - 1].1 || (e.1 == strongest[at - 1].1 && e.0 < strongest[at - 1].0)) { at -= 1 }
                strongest.insert(e, at: at)
                if strongest.count > topCount { strongest.removeLast() }
            }
        }
        let top = strongest.map { (term: terms.vocabulary[Int($0.0)], weight: $0.1) }
        let groups = Set(members.compactMap { duplicates.groupOfArticle[$0] >= 0 ? Int(duplicates.groupOfArticle[$0]) : nil }).sorted()
        // Id: from the founding member (first in canonical order), so a story keeps it as it grows.
        let id = "story-" + ShingleHash.hex(ShingleHash.mix(ShingleHash.fnv1a(articles[members[0]].id.utf8))).prefix(12)
        return StoryCluster(id: String(id), members: members, headline: members[best], similarity: similarity,
                            topTerms: top, duplicateGroups: groups)
    }
}
