import XCTest
@testable import LinearAlgebra

final class MatrixTests: XCTestCase {
    // MARK: - BLAS.multiply

    /// dgemm against the textbook triple loop, for every combination of transposes and for
    /// shapes that are not square (so a swapped leading dimension would be caught).
    func testMultiplyMatchesNaiveTripleLoopForAllTransposes() throws {
        var rng = SplitMix64(seed: 11)
        let shapes: [(m: Int, k: Int, n: Int)] = [(1, 1, 1), (3, 5, 2), (7, 4, 9), (16, 16, 16), (2, 33, 5), (40, 3, 1)]
        for (m, k, n) in shapes {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = transposeA ? TestSupport.randomMatrix(k, m, rng: &rng) : TestSupport.randomMatrix(m, k, rng: &rng)
                    let b = transposeB ? TestSupport.randomMatrix(n, k, rng: &rng) : TestSupport.randomMatrix(k, n, rng: &rng)
                    let c = try BLAS.multiply(a, transposeA: transposeA, b, transposeB: transposeB)
                    let expected = TestSupport.naiveProduct(a, transposeA: transposeA, b, transposeB: transposeB)
                    XCTAssertEqual(c.rows, m, "rows for \(m)x\(k)x\(n) tA=\(transposeA) tB=\(transposeB)")
                    XCTAssertEqual(c.columns, n, "columns for \(m)x\(k)x\(n) tA=\(transposeA) tB=\(transposeB)")
                    XCTAssertLessThan(TestSupport.maxAbsDifference(c, expected), 1e-12 * Double(k + 1),
                                      "\(m)x\(k)x\(n) tA=\(transposeA) tB=\(transposeB)")
                }
            }
        }
    }

    func testMultiplyAppliesAlpha() throws {
        var rng = SplitMix64(seed: 12)
        let a = TestSupport.randomMatrix(4, 6, rng: &rng)
        let b = TestSupport.randomMatrix(6, 3, rng: &rng)
        let c = try BLAS.multiply(a, b, alpha: -2.5)
        XCTAssertLessThan(TestSupport.maxAbsDifference(c, TestSupport.naiveProduct(a, b, alpha: -2.5)), 1e-12)
    }

    func testMultiplySmallKnownProduct() throws {
        let a = Matrix(rowArrays: [[1, 2, 3], [4, 5, 6]])
        let b = Matrix(rowArrays: [[7, 8], [9, 10], [11, 12]])
        let c = try BLAS.multiply(a, b)
        XCTAssertEqual(c, Matrix(rowArrays: [[58, 64], [139, 154]]))
        // a * a^T without forming the transpose.
        XCTAssertEqual(try BLAS.multiply(a, a, transposeB: true), Matrix(rowArrays: [[14, 32], [32, 77]]))
        // a^T * a.
        XCTAssertEqual(try BLAS.multiply(a, transposeA: true, a),
                       Matrix(rowArrays: [[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
    }

    func testMultiplyRejectsMismatchedInnerDimensions() {
        let a = Matrix(zeros: 3, 4)
        let b = Matrix(zeros: 5, 2)
        XCTAssertThrowsError(try BLAS.multiply(a, b)) { error in
            guard case LinearAlgebraError.dimensionMismatch(let message)? = error as? LinearAlgebraError else {
                return XCTFail("expected dimensionMismatch, got \(error)")
            }
            XCTAssertTrue(message.contains("3x4") && message.contains("5x2"), message)
        }
        // op(A) = A^T is 4x3: still no fit with a 5x2 B.
        XCTAssertThrowsError(try BLAS.multiply(a, transposeA: true, b))
        // The transpose flag is honoured in the check: 3x4 times (2x4)^T fits.
        XCTAssertNoThrow(try BLAS.multiply(a, Matrix(zeros: 2, 4), transposeB: true))
    }

    func testMultiplyWithEmptyInnerDimensionGivesZeros() throws {
        let c = try BLAS.multiply(Matrix(zeros: 3, 0), Matrix(zeros: 0, 4))
        XCTAssertEqual(c.rows, 3)
        XCTAssertEqual(c.columns, 4)
        XCTAssertTrue(c.elements.allSatisfy { $0 == 0 })
        let empty = try BLAS.multiply(Matrix(zeros: 0, 5), Matrix(zeros: 5, 2))
        XCTAssertEqual(empty.rows, 0)
        XCTAssertEqual(empty.columns, 2)
    }

    // MARK: - dot and norm

    func testDotMatchesLoop() {
        var rng = SplitMix64(seed: 13)
        for n in [1, 2, 7, 100, 1001] {
            let x = (0..<n).map { _ in rng.nextGaussian() }
            let y = (0..<n).map { _ in rng.nextGaussian() }
            var expected = 0.0
            for i in 0..<n { expected += x[i] * y[i] }
            XCTAssertEqual(BLAS.dot(x, y), expected, accuracy: 1e-12 * Double(n), "n = \(n)")
        }
        XCTAssertEqual(BLAS.dot([1, 2, 3], [4, -5, 6]), 12)
        XCTAssertEqual(BLAS.dot([], []), 0)
    }

    func testNorm() {
        XCTAssertEqual(BLAS.norm([3, 4]), 5, accuracy: 1e-15)
        XCTAssertEqual(BLAS.norm([]), 0)
        XCTAssertEqual(BLAS.norm([-2]), 2, accuracy: 1e-15)
        var rng = SplitMix64(seed: 14)
        let x = (0..<257).map { _ in rng.nextGaussian() }
        XCTAssertEqual(BLAS.norm(x), x.reduce(0) { $0 + $1 * $1 }.squareRoot(), accuracy: 1e-12)
        // dnrm2 scales, so a naive sum of squares would overflow here but the norm does not.
        XCTAssertEqual(BLAS.norm([3e200, 4e200]) / 1e200, 5, accuracy: 1e-12)
    }

    // MARK: - Matrix

    func testRowArraysAreStoredColumnMajor() {
        let m = Matrix(rowArrays: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.rows, 2)
        XCTAssertEqual(m.columns, 3)
        XCTAssertEqual(m.elements, [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(m[1, 2], 6)
        XCTAssertEqual(m.column(1), [2, 5])
    }

    func testTransposed() {
        var rng = SplitMix64(seed: 15)
        // 33 x 70 crosses the 32 x 32 tiles' edges; 2000 x 40 and 40 x 2000 take the parallel path.
        for (r, c) in [(1, 1), (1, 5), (5, 1), (3, 7), (8, 8), (33, 70), (2000, 40), (40, 2000)] {
            let m = TestSupport.randomMatrix(r, c, rng: &rng)
            let t = m.transposed
            XCTAssertEqual(t.rows, c)
            XCTAssertEqual(t.columns, r)
            for i in 0..<r { for j in 0..<c { XCTAssertEqual(t[j, i], m[i, j]) } }
            XCTAssertEqual(t.transposed, m, "transposing twice gives the original back, bit for bit")
        }
        XCTAssertEqual(Matrix(rowArrays: [[1, 2, 3], [4, 5, 6]]).transposed, Matrix(rowArrays: [[1, 4], [2, 5], [3, 6]]))
        let empty = Matrix(zeros: 0, 3).transposed
        XCTAssertEqual(empty.rows, 3)
        XCTAssertEqual(empty.columns, 0)
    }

    func testIdentityLeadingRowsColumnsAndFrobenius() {
        let i3 = Matrix.identity(3)
        XCTAssertEqual(i3, Matrix(rowArrays: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
        let m = Matrix(rowArrays: [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
        XCTAssertEqual(m.leadingColumns(2), Matrix(rowArrays: [[1, 2], [4, 5], [7, 8]]))
        XCTAssertEqual(m.leadingRows(2), Matrix(rowArrays: [[1, 2, 3], [4, 5, 6]]))
        XCTAssertEqual(m.leadingRows(0).rows, 0)
        XCTAssertEqual(m.frobeniusNorm, (1...9).reduce(0.0) { $0 + Double($1 * $1) }.squareRoot(), accuracy: 1e-13)
    }
}
