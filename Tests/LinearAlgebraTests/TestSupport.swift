import Foundation
import XCTest
@testable import LinearAlgebra

/// Helpers shared by the LinearAlgebra tests. Everything random is seeded (SplitMix64), so every
/// run sees the same matrices.
enum TestSupport {
    /// A dense rows x columns matrix of standard normal entries.
    static func randomMatrix(_ rows: Int, _ columns: Int, rng: inout SplitMix64) -> Matrix {
        var m = Matrix(zeros: rows, columns)
        for i in 0..<m.elements.count { m.elements[i] = rng.nextGaussian() }
        return m
    }

    /// The textbook triple loop: alpha * op(a) * op(b), written without BLAS.
    static func naiveProduct(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
                             alpha: Double = 1) -> Matrix {
        func ea(_ i: Int, _ k: Int) -> Double { transposeA ? a[k, i] : a[i, k] }
        func eb(_ k: Int, _ j: Int) -> Double { transposeB ? b[j, k] : b[k, j] }
        let m = transposeA ? a.columns : a.rows
        let inner = transposeA ? a.rows : a.columns
        let n = transposeB ? b.rows : b.columns
        var c = Matrix(zeros: m, n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for k in 0..<inner { s += ea(i, k) * eb(k, j) }
                c[i, j] = alpha * s
            }
        }
        return c
    }

    /// Largest absolute entry-wise difference.
    static func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Double {
        precondition(a.rows == b.rows && a.columns == b.columns, "shapes differ")
        var worst = 0.0
        for i in 0..<a.elements.count { worst = max(worst, abs(a.elements[i] - b.elements[i])) }
        return worst
    }

    /// A dense matrix from a CSR matrix (naive).
    static func dense(_ s: CSRMatrix) -> Matrix {
        var m = Matrix(zeros: s.rows, s.columns)
        for i in 0..<s.rows {
            for p in s.rowStart[i]..<s.rowStart[i + 1] { m[i, Int(s.columnIndex[p])] = s.values[p] }
        }
        return m
    }

    /// A CSR matrix from a dense one, keeping the nonzero entries (naive, for tests).
    static func sparse(_ m: Matrix) -> CSRMatrix {
        var rowStart = [0], columnIndex: [Int32] = [], values: [Double] = []
        for i in 0..<m.rows {
            for j in 0..<m.columns where m[i, j] != 0 {
                columnIndex.append(Int32(j))
                values.append(m[i, j])
            }
            rowStart.append(values.count)
        }
        return CSRMatrix(rows: m.rows, columns: m.columns, rowStart: rowStart, columnIndex: columnIndex, values: values)
    }

    /// A random sparse matrix: each entry is nonzero with probability `density`, value uniform in (0, 1)
    /// (non-negative, like TF-IDF) unless `signed`.
    static func randomSparse(_ rows: Int, _ columns: Int, density: Double, signed: Bool = false,
                             rng: inout SplitMix64) -> CSRMatrix {
        var m = Matrix(zeros: rows, columns)
        for i in 0..<rows {
            for j in 0..<columns where rng.nextUnit() < density {
                m[i, j] = signed ? rng.nextGaussian() : rng.nextUnit()
            }
        }
        return sparse(m)
    }

    /// `a^T a` (via the naive product) compared with the identity.
    static func orthonormalityError(columnsOf a: Matrix) -> Double {
        maxAbsDifference(naiveProduct(a, transposeA: true, a), Matrix.identity(a.columns))
    }

    /// `a * diag(s) * b`.
    static func reconstruct(_ u: Matrix, _ s: [Double], _ vt: Matrix) -> Matrix {
        var us = u
        for j in 0..<s.count { for i in 0..<u.rows { us[i, j] *= s[j] } }
        return naiveProduct(us, vt)
    }

    /// Frobenius norm computed by a plain loop (not through BLAS).
    static func frobenius(_ a: Matrix) -> Double {
        a.elements.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    static func fixtureURL(_ name: String, file: String = #filePath) -> URL {
        URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }
}
