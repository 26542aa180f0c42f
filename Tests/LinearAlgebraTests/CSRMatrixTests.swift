import XCTest
@testable import LinearAlgebra

final class CSRMatrixTests: XCTestCase {
    func testMultiplyMatchesDenseProduct() throws {
        var rng = SplitMix64(seed: 31)
        // The 1500-row case spans several parallel chunks (minimumChunk 512).
        for (m, n, k, density) in [(1, 1, 1, 1.0), (10, 7, 3, 0.3), (40, 60, 5, 0.05), (1500, 40, 4, 0.1), (25, 25, 1, 0.0)] {
            let a = TestSupport.randomSparse(m, n, density: density, signed: true, rng: &rng)
            let x = TestSupport.randomMatrix(n, k, rng: &rng)
            let y = try a.multiply(x)
            XCTAssertEqual(y.rows, m)
            XCTAssertEqual(y.columns, k)
            let expected = TestSupport.naiveProduct(TestSupport.dense(a), x)
            XCTAssertLessThan(TestSupport.maxAbsDifference(y, expected), 1e-12, "\(m)x\(n) times \(n)x\(k)")
        }
    }

    /// Products with the transpose scatter from the rows instead of building the transpose; the
    /// sums must be bit-identical to the explicit transpose's, for 1 and 2 threads (determinism).
    func testTransposeProductsMatchExplicitTransposeBitForBit() throws {
        var rng = SplitMix64(seed: 77)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        // k of 8 and more takes the SIMD gather (blocks of 8 columns, four a pass, an overlapping
        // last block): 30 is the SVD's default, 37 and 70 need a second pass.
        for (m, n, k, density) in [(1, 1, 1, 1.0), (30, 9, 3, 0.3), (1500, 70, 5, 0.08), (20, 20, 2, 0.0),
                                   (700, 60, 30, 0.1), (90, 40, 8, 0.3), (120, 33, 37, 0.2), (50, 25, 70, 0.3), (10, 10, 16, 0.0)] {
            let a = TestSupport.randomSparse(m, n, density: density, signed: true, rng: &rng)
            let t = a.transposed
            let x = TestSupport.randomMatrix(m, k, rng: &rng)
            let y = (0..<(m * k)).map { _ in Float(rng.nextUnit() - 0.5) }
            for threads in [1, 2] {
                Parallel.threads = threads
                XCTAssertEqual(try a.transposeMultiply(x), try t.multiply(x), "\(m)x\(n), \(threads) thread(s)")
                XCTAssertEqual(a.transposeMultiplyRowMajor(y, k: k), t.multiplyRowMajor(y, k: k), "\(m)x\(n), \(threads) thread(s)")
            }
            let xf = (0..<(n * k)).map { _ in Float(rng.nextUnit() - 0.5) }
            XCTAssertEqual(a.multiplyRowMajor(xf, k: k), a.multiplyRowMajor(xf, k: k, values32: a.values.map(Float.init)))
        }
    }

    /// The double product gathers rows in SIMD registers, in column tiles: every entry must have
    /// the bits of the plain scalar loop (`y[t] += v * x[t]` from 0, entries in row order), for
    /// k below 8, of one block, two blocks a pass, an odd block, a tail of k mod 8 columns;
    /// default and tiny tiles; 1 and 2 threads.
    func testMultiplyMatchesPlainLoopBitForBit() throws {
        var rng = SplitMix64(seed: 78)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for (m, n, k, density) in [(1, 1, 1, 1.0), (30, 9, 3, 0.3), (40, 12, 7, 0.3), (60, 20, 8, 0.2), (70, 30, 12, 0.2),
                                   (80, 25, 16, 0.2), (1300, 50, 20, 0.1), (90, 40, 23, 0.2), (700, 60, 30, 0.1),
                                   (120, 33, 37, 0.2), (50, 25, 40, 0.3), (20, 20, 24, 0.0)] {
            let a = TestSupport.randomSparse(m, n, density: density, signed: true, rng: &rng)
            let x = TestSupport.randomMatrix(n, k, rng: &rng)
            var expected = Matrix(zeros: m, k)
            for i in 0..<m {
                for p in a.rowStart[i]..<a.rowStart[i + 1] {
                    let v = a.values[p], c = Int(a.columnIndex[p])
                    for t in 0..<k { expected[i, t] += v * x[c, t] }
                }
            }
            for threads in [1, 2] {
                Parallel.threads = threads
                let y = try a.multiply(x)
                XCTAssertEqual(y.rows, m)
                XCTAssertEqual(y.columns, k)
                XCTAssertEqual(y.elements.map(\.bitPattern), expected.elements.map(\.bitPattern), "\(m)x\(n) times \(n)x\(k), \(threads) thread(s)")
                // Small column tiles and row blocks: partial sums carried across many tiles.
                let tiled = try a.multiply(x, tileColumns: 3, rowBlock: 7)
                XCTAssertEqual(tiled.elements.map(\.bitPattern), expected.elements.map(\.bitPattern), "tiled, \(m)x\(n) times \(n)x\(k), \(threads) thread(s)")
            }
        }
    }

    /// The single-precision product (the SVD's power iterations) gathers rows in SIMD registers:
    /// every entry must have the bits of the plain scalar loop, for k below 8, whole blocks, an
    /// overlapping last block in the pass of the block it overlaps or in a pass of its own, more
    /// than one pass; 1 and 2 threads.
    func testSinglePrecisionMultiplyMatchesPlainLoopBitForBit() throws {
        var rng = SplitMix64(seed: 79)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for (m, n, k, density) in [(1, 1, 1, 1.0), (30, 9, 3, 0.3), (40, 12, 7, 0.3), (60, 20, 8, 0.2), (70, 30, 12, 0.2),
                                   (80, 25, 16, 0.2), (1300, 50, 20, 0.1), (90, 40, 23, 0.2), (1400, 300, 30, 0.05),
                                   (50, 25, 32, 0.3), (120, 33, 37, 0.2), (50, 25, 40, 0.3), (40, 20, 45, 0.3),
                                   (30, 20, 70, 0.3), (20, 20, 24, 0.0)] {
            let a = TestSupport.randomSparse(m, n, density: density, signed: true, rng: &rng)
            let x = (0..<(n * k)).map { _ in Float(rng.nextUnit() - 0.5) }
            var expected = [Float](repeating: 0, count: m * k)
            for i in 0..<m {
                for p in a.rowStart[i]..<a.rowStart[i + 1] {
                    let v = Float(a.values[p]), c = Int(a.columnIndex[p])
                    for t in 0..<k { expected[i * k + t] += v * x[c * k + t] }
                }
            }
            let bits = expected.map(\.bitPattern)
            for threads in [1, 2] {
                Parallel.threads = threads
                let label = "\(m)x\(n) times \(n)x\(k), \(threads) thread(s)"
                XCTAssertEqual(a.multiplyRowMajor(x, k: k).map(\.bitPattern), bits, label)
                XCTAssertEqual(a.multiplyRowMajor(x, k: k, values32: a.values.map(Float.init)).map(\.bitPattern), bits, "values32, " + label)
            }
        }
    }

    func testMultiplySmallKnownProduct() throws {
        // [[1, 0, 2], [0, 0, 0], [0, 3, 0]]
        let a = CSRMatrix(rows: 3, columns: 3, rowStart: [0, 2, 2, 3], columnIndex: [0, 2, 1], values: [1, 2, 3])
        let y = try a.multiply(Matrix(rowArrays: [[1, 10], [2, 20], [3, 30]]))
        XCTAssertEqual(y, Matrix(rowArrays: [[7, 70], [0, 0], [6, 60]]))
    }

    func testMultiplyRejectsMismatchedShape() {
        let a = CSRMatrix(rows: 2, columns: 3, rowStart: [0, 0, 0], columnIndex: [], values: [])
        XCTAssertThrowsError(try a.multiply(Matrix(zeros: 4, 1))) { error in
            guard case LinearAlgebraError.dimensionMismatch? = error as? LinearAlgebraError else {
                return XCTFail("expected dimensionMismatch, got \(error)")
            }
        }
    }

    func testTransposedTwiceEqualsOriginal() {
        var rng = SplitMix64(seed: 32)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        for (m, n, density) in [(1, 1, 1.0), (5, 9, 0.4), (30, 12, 0.2), (12, 30, 0.05), (8, 8, 0.0), (700, 50, 0.1), (2, 40, 0.5)] {
            let a = TestSupport.randomSparse(m, n, density: density, rng: &rng)
            // The parallel build (each chunk of rows from its own offsets) is the same for any
            // thread count, the serial one included.
            Parallel.threads = 1
            let serial = a.transposed
            for threads in [2, 3, 8] {
                Parallel.threads = threads
                XCTAssertEqual(a.transposed, serial, "\(m)x\(n), \(threads) threads")
            }
            let t = a.transposed
            XCTAssertEqual(t.rows, n)
            XCTAssertEqual(t.columns, m)
            XCTAssertEqual(t.nonzeroCount, a.nonzeroCount)
            XCTAssertEqual(TestSupport.dense(t), TestSupport.dense(a).transposed, "\(m)x\(n): transpose matches dense")
            // Column indices ascend within each row of the transpose (rows are emitted in order).
            for i in 0..<t.rows {
                let cols = t.row(i).map(\.column)
                XCTAssertEqual(cols, cols.sorted(), "row \(i) of the transpose is sorted")
            }
            XCTAssertEqual(t.transposed, a, "\(m)x\(n): transposed twice is the original")
        }
    }

    func testTransposeOfMatrixWithEmptyRowsAndColumns() {
        // 3 x 4 with an empty row and two empty columns.
        let a = CSRMatrix(rows: 3, columns: 4, rowStart: [0, 1, 1, 3], columnIndex: [2, 0, 2], values: [5, 6, 7])
        let t = a.transposed
        XCTAssertEqual(t.rowStart, [0, 1, 1, 3, 3])
        XCTAssertEqual(t.columnIndex, [2, 0, 2])
        XCTAssertEqual(t.values, [6, 5, 7])
        XCTAssertEqual(t.transposed, a)
    }

    func testRowDotMatchesDenseDot() {
        var rng = SplitMix64(seed: 33)
        let a = TestSupport.randomSparse(20, 50, density: 0.2, signed: true, rng: &rng)
        let d = TestSupport.dense(a)
        for i in 0..<a.rows {
            for j in 0..<a.rows {
                var expected = 0.0
                for c in 0..<a.columns { expected += d[i, c] * d[j, c] }
                XCTAssertEqual(a.rowDot(i, j), expected, accuracy: 1e-12, "rows \(i), \(j)")
                XCTAssertEqual(a.rowDot(i, j), a.rowDot(j, i), accuracy: 1e-15)
            }
        }
    }

    func testRowDotKnownValues() {
        // Rows: {0: 1, 2: 2, 5: 3}, {2: 4, 3: 1, 5: -1}, {} -> dot 8 - 3 = 5; with the empty row 0.
        let a = CSRMatrix(rows: 3, columns: 6, rowStart: [0, 3, 6, 6],
                          columnIndex: [0, 2, 5, 2, 3, 5], values: [1, 2, 3, 4, 1, -1])
        XCTAssertEqual(a.rowDot(0, 1), 5)
        XCTAssertEqual(a.rowDot(0, 0), 14)
        XCTAssertEqual(a.rowDot(0, 2), 0)
        XCTAssertEqual(a.rowDot(2, 2), 0)
        XCTAssertEqual(a.row(1).map(\.column), [2, 3, 5])
        XCTAssertEqual(a.row(1).map(\.value), [4, 1, -1])
    }
}
