internal import CBLASLAPACK

/// The LAPACK routines the project needs. Every nonzero `info` is thrown as
/// `LinearAlgebraError.lapack(routine:info:)`.
public enum LAPACK {
    /// Thin singular value decomposition `a = u * diag(s) * vt` by divide and conquer (dgesdd).
    /// `u` is rows x r, `s` has r values in descending order, `vt` is r x columns, r = min(rows, columns).
    public static func svd(_ a: Matrix) throws -> (u: Matrix, s: [Double], vt: Matrix) {
        let m = a.rows, n = a.columns, r = min(m, n)
        if r == 0 { return (Matrix(zeros: m, 0), [], Matrix(zeros: 0, n)) }
        guard a.elements.allSatisfy(\.isFinite) else { throw LinearAlgebraError.nonFiniteInput(routine: "dgesdd") }
        var work = a.elements
        var s = [Double](repeating: 0, count: r)
        var u = Matrix(zeros: m, r)
        var vt = Matrix(zeros: r, n)
        var jobz = CChar(UInt8(ascii: "S"))
        var mm = Int32(m), nn = Int32(n), lda = Int32(m), ldu = Int32(m), ldvt = Int32(r)
        var iwork = [Int32](repeating: 0, count: 8 * r)
        var info: Int32 = 0
        var lwork: Int32 = -1
        var query = 0.0
        dgesdd_(&jobz, &mm, &nn, &work, &lda, &s, &u.elements, &ldu, &vt.elements, &ldvt, &query, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dgesdd", info: Int(info)) }
        lwork = Int32(query.rounded(.up))
        var scratch = [Double](repeating: 0, count: Int(max(1, lwork)))
        dgesdd_(&jobz, &mm, &nn, &work, &lda, &s, &u.elements, &ldu, &vt.elements, &ldvt, &scratch, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dgesdd", info: Int(info)) }
        return (u, s, vt)
    }

    /// Householder QR (dgeqrf + dorgqr): the thin orthonormal factor Q (rows x min(rows, columns)).
    public static func orthonormalBasis(_ a: Matrix) throws -> Matrix {
        let m = a.rows, n = a.columns, k = min(m, n)
        if k == 0 { return Matrix(zeros: m, 0) }
        var q = a.leadingColumns(n).elements
        var mm = Int32(m), nn = Int32(n), kk = Int32(k), lda = Int32(m)
        var tau = [Double](repeating: 0, count: k)
        var info: Int32 = 0
        var lwork: Int32 = -1
        var query = 0.0
        dgeqrf_(&mm, &nn, &q, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dgeqrf", info: Int(info)) }
        lwork = Int32(query.rounded(.up))
        var scratch = [Double](repeating: 0, count: Int(max(1, lwork)))
        dgeqrf_(&mm, &nn, &q, &lda, &tau, &scratch, &lwork, &info)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dgeqrf", info: Int(info)) }
        // Keep the first k columns of the reflectors, then form Q explicitly.
        var qk = Array(q[0..<(m * k)])
        lwork = -1
        dorgqr_(&mm, &kk, &kk, &qk, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dorgqr", info: Int(info)) }
        lwork = Int32(query.rounded(.up))
        scratch = [Double](repeating: 0, count: Int(max(1, lwork)))
        dorgqr_(&mm, &kk, &kk, &qk, &lda, &tau, &scratch, &lwork, &info)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dorgqr", info: Int(info)) }
        return Matrix(rows: m, columns: k, elements: qk)
    }

    /// Eigen-decomposition of a symmetric matrix (dsyevd): eigenvalues ascending, eigenvectors as columns.
    public static func symmetricEigen(_ a: Matrix) throws -> (values: [Double], vectors: Matrix) {
        precondition(a.rows == a.columns, "symmetricEigen needs a square matrix")
        let n = a.rows
        if n == 0 { return ([], a) }
        var v = a.elements
        var w = [Double](repeating: 0, count: n)
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var query = 0.0
        var iquery: Int32 = 0
        dsyevd_(&jobz, &uplo, &nn, &v, &lda, &w, &query, &lwork, &iquery, &liwork, &info, 1, 1)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dsyevd", info: Int(info)) }
        lwork = Int32(query.rounded(.up)); liwork = iquery
        var scratch = [Double](repeating: 0, count: Int(max(1, lwork)))
        var iscratch = [Int32](repeating: 0, count: Int(max(1, liwork)))
        dsyevd_(&jobz, &uplo, &nn, &v, &lda, &w, &scratch, &lwork, &iscratch, &liwork, &info, 1, 1)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dsyevd", info: Int(info)) }
        return (w, Matrix(rows: n, columns: n, elements: v))
    }

    /// Cholesky QR of a tall-skinny `y` (m x l, m >= l): `G = y^T y` (dsyrk), `G = R^T R`
    /// (dpotrf), `Q = y R^-1` (dtrsm). Three BLAS-3 calls instead of Householder's column
    /// sweeps; it squares the condition number, so `orthonormalize` runs it twice (CholQR2).
    /// Throws `dpotrf` when `y` is numerically rank deficient.
    public static func choleskyQR(_ y: Matrix) throws -> (q: Matrix, r: Matrix) {
        let m = y.rows, l = y.columns
        var g = Matrix(zeros: l, l)
        y.elements.withUnsafeBufferPointer { py in
            g.elements.withUnsafeMutableBufferPointer { pg in
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(l), Int32(m), 1,
                            py.baseAddress, Int32(max(1, m)), 0, pg.baseAddress, Int32(max(1, l)))
            }
        }
        var uplo = CChar(UInt8(ascii: "U"))
        var n = Int32(l), lda = Int32(max(1, l)), info: Int32 = 0
        dpotrf_(&uplo, &n, &g.elements, &lda, &info, 1)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "dpotrf", info: Int(info)) }
        for j in 0..<l { for i in (j + 1)..<max(j + 1, l) where i < l { g[i, j] = 0 } }
        var q = y
        g.elements.withUnsafeBufferPointer { pr in
            q.elements.withUnsafeMutableBufferPointer { pq in
                cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
                            Int32(m), Int32(l), 1, pr.baseAddress, Int32(max(1, l)), pq.baseAddress, Int32(max(1, m)))
            }
        }
        return (q, g)
    }

    /// An orthonormal basis of the columns of a tall-skinny `y` by Cholesky QR run twice
    /// (CholQR2: orthogonal to machine precision while cond(y) < ~1e8), falling back to
    /// Householder QR (dgeqrf + dorgqr) when the Cholesky factorisation fails.
    public static func orthonormalize(_ y: Matrix) throws -> Matrix {
        guard y.rows >= y.columns, y.columns > 0 else { return try orthonormalBasis(y) }
        do {
            let first = try choleskyQR(y)
            return try choleskyQR(first.q).q
        } catch LinearAlgebraError.lapack(routine: "dpotrf", _) {
            return try orthonormalBasis(y)
        }
    }

    /// Single-precision Cholesky QR in place, for a row-major `y` (rows x k), i.e. the
    /// column-major k x rows matrix `Y^T`: `G = Y^T Y` (ssyrk), `G = R^T R` (spotrf),
    /// `Q^T = R^-T Y^T` (strsm). Used for the randomized SVD's intermediate bases, which only
    /// need to be well conditioned. Throws `spotrf` when `y` is numerically rank deficient.
    public static func choleskyQR32(_ y: inout [Float], rows m: Int, k l: Int) throws {
        precondition(y.count == m * l, "choleskyQR32: size mismatch")
        var g = [Float](repeating: 0, count: l * l)
        y.withUnsafeBufferPointer { py in
            g.withUnsafeMutableBufferPointer { pg in
                cblas_ssyrk(CblasColMajor, CblasUpper, CblasNoTrans, Int32(l), Int32(m), 1,
                            py.baseAddress, Int32(max(1, l)), 0, pg.baseAddress, Int32(max(1, l)))
            }
        }
        var uplo = CChar(UInt8(ascii: "U"))
        var n = Int32(l), lda = Int32(max(1, l)), info: Int32 = 0
        spotrf_(&uplo, &n, &g, &lda, &info, 1)
        guard info == 0 else { throw LinearAlgebraError.lapack(routine: "spotrf", info: Int(info)) }
        g.withUnsafeBufferPointer { pr in
            y.withUnsafeMutableBufferPointer { py in
                cblas_strsm(CblasColMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit,
                            Int32(l), Int32(m), 1, pr.baseAddress, Int32(max(1, l)), py.baseAddress, Int32(max(1, l)))
            }
        }
    }
}
