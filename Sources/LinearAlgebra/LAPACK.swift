internal import CBLASLAPACK

/// The LAPACK routines the project needs. Every nonzero `info` is thrown as
/// `LinearAlgebraError.lapack(routine:info:)`.
public enum LAPACK {
    /// Thin singular value decomposition `a = u * diag(s) * vt` by divide and conquer (dgesdd).
    /// `u` is rows x r, `s` has r values in descending order, `vt` is r x columns, r = min(rows, columns).
    public static func svd(_ a: Matrix) throws -> (u: Matrix, s: [Double], vt: Matrix) {
        let m = a.rows, n = a.columns, r = min(m, n)
        if r == 0 { return (Matrix(zeros: m, 0), [], Matrix(zeros: 0, n)) }
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
}
