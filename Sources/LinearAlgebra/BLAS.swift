internal import CBLASLAPACK

/// The BLAS routines the project needs, over `Matrix` and arrays.
public enum BLAS {
    /// `alpha * op(a) * op(b)`, where `op` transposes when asked (dgemm).
    public static func multiply(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        alpha: Double = 1
    ) throws -> Matrix {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        guard k == kb else {
            throw LinearAlgebraError.dimensionMismatch("gemm: op(A) is \(m)x\(k) but op(B) is \(kb)x\(n)")
        }
        var c = Matrix(zeros: m, n)
        if m == 0 || n == 0 || k == 0 { return c }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(
                        CblasColMajor,
                        transposeA ? CblasTrans : CblasNoTrans,
                        transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha,
                        pa.baseAddress, Int32(max(1, a.rows)),
                        pb.baseAddress, Int32(max(1, b.rows)),
                        0, pc.baseAddress, Int32(max(1, m)))
                }
            }
        }
        return c
    }

    /// Dot product (ddot).
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: lengths differ")
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                cblas_ddot(Int32(x.count), px.baseAddress, 1, py.baseAddress, 1)
            }
        }
    }

    /// Euclidean norm (dnrm2).
    public static func norm(_ x: [Double]) -> Double {
        if x.isEmpty { return 0 }
        return x.withUnsafeBufferPointer { px in cblas_dnrm2(Int32(x.count), px.baseAddress, 1) }
    }
}
