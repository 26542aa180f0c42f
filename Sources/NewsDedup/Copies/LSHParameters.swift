import Foundation

/// Banding parameters for LSH over a signature of `bins` values: `bands` bands of `rows`
/// values each. Two articles with Jaccard similarity `s` become a candidate pair with
/// probability `1 - (1 - s^rows)^bands`.
public struct LSHParameters: Codable, Sendable, Equatable {
    public var bands: Int
    public var rows: Int

    public init(bands: Int, rows: Int) {
        self.bands = bands
        self.rows = rows
    }

    /// The probability that a pair of Jaccard similarity `s` shares at least one band.
    public func candidateProbability(_ s: Double) -> Double {
        1 - pow(1 - pow(s, Double(rows)), Double(bands))
    }

    /// The most selective banding (largest `rows`, `bands = bins / rows`) that still makes a
    /// pair at `targetJaccard` a candidate with probability at least `recall`.
    public static func derive(bins: Int, targetJaccard: Double, recall: Double) -> LSHParameters {
        var best = LSHParameters(bands: bins, rows: 1)
        for rows in 1...max(1, bins) {
            let p = LSHParameters(bands: bins / rows, rows: rows)
            if p.bands >= 1 && p.candidateProbability(targetJaccard) >= recall { best = p }
        }
        return best
    }
}
