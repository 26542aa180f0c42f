import XCTest
@testable import LinearAlgebra

final class LAPACKTests: XCTestCase {
    // MARK: - SVD

    /// Checks every promise of `LAPACK.svd` on one matrix.
    private func checkSVD(_ a: Matrix, label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (u, s, vt) = try LAPACK.svd(a)
        let r = min(a.rows, a.columns)
        XCTAssertEqual(u.rows, a.rows, label, file: file, line: line)
        XCTAssertEqual(u.columns, r, label, file: file, line: line)
        XCTAssertEqual(s.count, r, label, file: file, line: line)
        XCTAssertEqual(vt.rows, r, label, file: file, line: line)
        XCTAssertEqual(vt.columns, a.columns, label, file: file, line: line)
        // Singular values: non-negative and descending.
        XCTAssertTrue(s.allSatisfy { $0 >= 0 }, "\(label): negative singular value in \(s)", file: file, line: line)
        for i in 1..<max(1, s.count) {
            XCTAssertGreaterThanOrEqual(s[i - 1], s[i], "\(label): not descending at \(i)", file: file, line: line)
        }
        // U^T U = I and V^T V = I (rows of V^T orthonormal).
        XCTAssertLessThan(TestSupport.orthonormalityError(columnsOf: u), 1e-12, "\(label): U", file: file, line: line)
        XCTAssertLessThan(TestSupport.orthonormalityError(columnsOf: vt.transposed), 1e-12, "\(label): V", file: file, line: line)
        // U diag(S) V^T = A.
        let back = TestSupport.reconstruct(u, s, vt)
        XCTAssertLessThan(TestSupport.maxAbsDifference(back, a), 1e-10, "\(label): reconstruction", file: file, line: line)
        // The sum of squared singular values is the squared Frobenius norm.
        XCTAssertEqual(s.reduce(0) { $0 + $1 * $1 }, TestSupport.frobenius(a) * TestSupport.frobenius(a),
                       accuracy: 1e-10 * max(1, TestSupport.frobenius(a)), "\(label): energy", file: file, line: line)
    }

    func testSVDOfRandomTallWideAndSquareMatrices() throws {
        var rng = SplitMix64(seed: 21)
        for (m, n) in [(30, 8), (8, 30), (12, 12), (1, 6), (6, 1), (50, 49), (3, 100)] {
            try checkSVD(TestSupport.randomMatrix(m, n, rng: &rng), label: "\(m)x\(n)")
        }
    }

    func testSVDOfRankDeficientMatrix() throws {
        // A rank-2 10x7 matrix: two singular values, the rest zero (up to rounding).
        var rng = SplitMix64(seed: 22)
        let left = TestSupport.randomMatrix(10, 2, rng: &rng)
        let right = TestSupport.randomMatrix(2, 7, rng: &rng)
        let a = TestSupport.naiveProduct(left, right)
        try checkSVD(a, label: "rank 2")
        let s = try LAPACK.svd(a).s
        XCTAssertGreaterThan(s[1], 1e-3)
        for value in s.dropFirst(2) { XCTAssertLessThan(value, 1e-12 * s[0]) }
    }

    func testSVDOfKnownMatrix() throws {
        // [[3, 0], [4, 5]] has singular values sqrt(45) and sqrt(5) (A^T A = [[25, 20], [20, 25]]).
        let s = try LAPACK.svd(Matrix(rowArrays: [[3, 0], [4, 5]])).s
        XCTAssertEqual(s[0], 45.0.squareRoot(), accuracy: 1e-13)
        XCTAssertEqual(s[1], 5.0.squareRoot(), accuracy: 1e-13)
        // A diagonal matrix with unordered entries comes back ordered, absolute values.
        let d = try LAPACK.svd(Matrix(rowArrays: [[1, 0, 0], [0, -7, 0], [0, 0, 3]])).s
        XCTAssertEqual(d[0], 7, accuracy: 1e-14)
        XCTAssertEqual(d[1], 3, accuracy: 1e-14)
        XCTAssertEqual(d[2], 1, accuracy: 1e-14)
    }

    func testSVDOfEmptyMatrix() throws {
        let (u, s, vt) = try LAPACK.svd(Matrix(zeros: 4, 0))
        XCTAssertEqual(s, [])
        XCTAssertEqual(u.rows, 4)
        XCTAssertEqual(u.columns, 0)
        XCTAssertEqual(vt.rows, 0)
    }

    // MARK: - Orthonormal basis (QR)

    func testOrthonormalBasisOfTallMatrix() throws {
        var rng = SplitMix64(seed: 23)
        for (m, n) in [(20, 5), (9, 9), (100, 12), (7, 1)] {
            let a = TestSupport.randomMatrix(m, n, rng: &rng)
            let q = try LAPACK.orthonormalBasis(a)
            XCTAssertEqual(q.rows, m)
            XCTAssertEqual(q.columns, min(m, n))
            XCTAssertLessThan(TestSupport.orthonormalityError(columnsOf: q), 1e-12, "\(m)x\(n): Q^T Q = I")
            // span(Q) contains A's columns: Q Q^T A = A.
            let projected = TestSupport.naiveProduct(q, TestSupport.naiveProduct(q, transposeA: true, a))
            XCTAssertLessThan(TestSupport.maxAbsDifference(projected, a), 1e-11, "\(m)x\(n): Q Q^T A = A")
        }
    }

    func testOrthonormalBasisOfWideMatrix() throws {
        // Wide: Q is m x m and spans everything, so Q Q^T A = A still holds.
        var rng = SplitMix64(seed: 24)
        let a = TestSupport.randomMatrix(5, 20, rng: &rng)
        let q = try LAPACK.orthonormalBasis(a)
        XCTAssertEqual(q.rows, 5)
        XCTAssertEqual(q.columns, 5)
        XCTAssertLessThan(TestSupport.orthonormalityError(columnsOf: q), 1e-12)
        let projected = TestSupport.naiveProduct(q, TestSupport.naiveProduct(q, transposeA: true, a))
        XCTAssertLessThan(TestSupport.maxAbsDifference(projected, a), 1e-11)
    }

    func testOrthonormalBasisKeepsTheColumnSpaceOfARankDeficientMatrix() throws {
        // Third column = first + second: Q spans the same plane; Q Q^T A = A.
        var rng = SplitMix64(seed: 25)
        var a = TestSupport.randomMatrix(8, 3, rng: &rng)
        for i in 0..<8 { a[i, 2] = a[i, 0] + a[i, 1] }
        let q = try LAPACK.orthonormalBasis(a)
        XCTAssertLessThan(TestSupport.orthonormalityError(columnsOf: q), 1e-12)
        let projected = TestSupport.naiveProduct(q, TestSupport.naiveProduct(q, transposeA: true, a))
        XCTAssertLessThan(TestSupport.maxAbsDifference(projected, a), 1e-11)
    }

    // MARK: - Symmetric eigendecomposition

    func testSymmetricEigenReconstruction() throws {
        var rng = SplitMix64(seed: 26)
        for n in [1, 2, 5, 17, 40] {
            let b = TestSupport.randomMatrix(n, n, rng: &rng)
            var a = Matrix(zeros: n, n)
            for i in 0..<n { for j in 0..<n { a[i, j] = b[i, j] + b[j, i] } }
            let (values, vectors) = try LAPACK.symmetricEigen(a)
            XCTAssertEqual(values.count, n)
            for i in 1..<max(1, n) { XCTAssertLessThanOrEqual(values[i - 1], values[i], "ascending, n = \(n)") }
            XCTAssertLessThan(TestSupport.orthonormalityError(columnsOf: vectors), 1e-12, "n = \(n)")
            let back = TestSupport.reconstruct(vectors, values, vectors.transposed)
            XCTAssertLessThan(TestSupport.maxAbsDifference(back, a), 1e-11, "V diag(w) V^T = A, n = \(n)")
            // A v = w v for every pair.
            let av = TestSupport.naiveProduct(a, vectors)
            for j in 0..<n {
                for i in 0..<n { XCTAssertEqual(av[i, j], values[j] * vectors[i, j], accuracy: 1e-11) }
            }
        }
    }

    func testSymmetricEigenKnownValues() throws {
        let (values, vectors) = try LAPACK.symmetricEigen(Matrix(rowArrays: [[2, 1], [1, 2]]))
        XCTAssertEqual(values[0], 1, accuracy: 1e-14)
        XCTAssertEqual(values[1], 3, accuracy: 1e-14)
        // Eigenvector of 3 is (1, 1)/sqrt(2) up to sign.
        XCTAssertEqual(abs(vectors[0, 1]), 0.5.squareRoot(), accuracy: 1e-14)
        XCTAssertEqual(vectors[0, 1], vectors[1, 1], accuracy: 1e-14)
    }

    // MARK: - Errors

    /// A NaN in the input is refused before LAPACK sees it (dgesdd would answer INFO = -4,
    /// which reads like a bug in the caller rather than bad data).
    func testSVDOfMatrixWithNaNThrowsNonFiniteInput() {
        var a = Matrix(rowArrays: [[1, 2, 3], [4, 5, 6], [7, 8, 10]])
        a[1, 1] = .nan
        XCTAssertThrowsError(try LAPACK.svd(a)) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .nonFiniteInput(routine: "dgesdd"))
            XCTAssertTrue("\(error)".contains("NaN"), "\(error)")
        }
    }

    /// A nonzero LAPACK info becomes a thrown error naming the routine: Cholesky QR of a
    /// rank-deficient matrix (a zero column) makes dpotrf report a zero pivot (info = 1).
    func testNonzeroInfoIsThrownNamingTheRoutine() {
        let a = Matrix(rowArrays: [[0, 1, 0], [0, 2, 1], [0, 3, 0], [0, 4, 5]])
        XCTAssertThrowsError(try LAPACK.choleskyQR(a)) { error in
            guard case let LinearAlgebraError.lapack(routine, info)? = error as? LinearAlgebraError else {
                return XCTFail("expected LinearAlgebraError.lapack, got \(error)")
            }
            XCTAssertEqual(routine, "dpotrf")
            XCTAssertGreaterThan(info, 0)
        }
        // The public orthonormalisation falls back to Householder QR and still succeeds.
        XCTAssertNoThrow(try LAPACK.orthonormalize(a))
    }

    func testLinearAlgebraErrorDescriptions() {
        let illegal = LinearAlgebraError.lapack(routine: "dgesdd", info: -4).description
        XCTAssertTrue(illegal.contains("dgesdd"), illegal)
        XCTAssertTrue(illegal.contains("argument 4"), illegal)
        XCTAssertTrue(illegal.contains("bug"), illegal)
        let failed = LinearAlgebraError.lapack(routine: "dsyevd", info: 3).description
        XCTAssertTrue(failed.contains("dsyevd"), failed)
        XCTAssertTrue(failed.contains("info = 3"), failed)
        XCTAssertTrue(failed.contains("convergence"), failed)
        let mismatch = LinearAlgebraError.dimensionMismatch("2x3 vs 4x5").description
        XCTAssertEqual(mismatch, "dimension mismatch: 2x3 vs 4x5")
        XCTAssertEqual(LinearAlgebraError.lapack(routine: "a", info: 1), .lapack(routine: "a", info: 1))
        XCTAssertNotEqual(LinearAlgebraError.lapack(routine: "a", info: 1), .lapack(routine: "a", info: 2))
    }

    /// OpenBLAS runs on the caller's thread unless the user chose a count (`BLASLibrary.shareCores`).
    func testOpenBLASGetsOneThreadUnlessTheUserChoseACount() throws {
        guard BLASLibrary.threads != nil else { throw XCTSkip("the loaded BLAS is not OpenBLAS") }
        let chosen = ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"].contains { ProcessInfo.processInfo.environment[$0] != nil }
        let before = BLASLibrary.threads
        let used = BLASLibrary.shareCores()
        XCTAssertEqual(used, BLASLibrary.threads)
        if chosen { XCTAssertEqual(used, before) } else { XCTAssertEqual(used, 1) }
        // Results do not depend on it: a product still matches the naive sum.
        let a = Matrix(rowArrays: [[1, 2], [3, 4], [5, 6]])
        let b = Matrix(rowArrays: [[1, 0, 2], [0, 1, 3]])
        XCTAssertEqual(try BLAS.multiply(a, b), Matrix(rowArrays: [[1, 2, 8], [3, 4, 18], [5, 6, 28]]))
    }
}
