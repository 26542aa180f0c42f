/// Truncated SVD by the randomized range finder of Halko, Martinsson and Tropp (2011).
///
/// For an m x n sparse `a`: draw a seeded Gaussian n x (k + p) test matrix, form `Y = A Omega`,
/// orthonormalise, run `q` power iterations with re-orthonormalisation after every product,
/// then take the SVD of the small projected matrix. Every orthonormalisation of these tall,
/// skinny matrices is Cholesky QR run twice (dsyrk + dpotrf + dtrsm: BLAS-3, orthogonal to
/// machine precision for cond < 1e8), with Householder QR as the fallback; the final SVD of
/// the n x l matrix `A^T Q` is a Cholesky QR2 followed by dgesdd of the l x l factor.
/// Signs are fixed like scikit-learn's `svd_flip` (u-based): in each left singular vector the
/// entry of largest absolute value is positive, so the same input gives identical output.
public struct RandomizedSVD: Sendable {
    public var components: Int
    public var oversampling: Int
    public var powerIterations: Int
    public var seed: UInt64

    public init(components: Int, oversampling: Int = 10, powerIterations: Int = 4, seed: UInt64 = 0) {
        self.components = components
        self.oversampling = oversampling
        self.powerIterations = powerIterations
        self.seed = seed
    }

    public struct Result: Sendable {
        /// m x k left singular vectors.
        public var u: Matrix
        /// k singular values, descending.
        public var singularValues: [Double]
        /// k x n right singular vectors (rows are the topics' term loadings).
        public var vt: Matrix
    }

    public func fit(_ a: CSRMatrix, transpose at: CSRMatrix? = nil) throws -> Result {
        let k = max(0, min(components, min(a.rows, a.columns)))
        if k == 0 {
            return Result(u: Matrix(zeros: a.rows, 0), singularValues: [], vt: Matrix(zeros: 0, a.columns))
        }
        let l = min(k + oversampling, min(a.rows, a.columns))
        let aT = at ?? a.transposed
        var rng = SplitMix64(seed: seed)
        var omega = Matrix(zeros: a.columns, l)
        for i in 0..<omega.elements.count { omega.elements[i] = rng.nextGaussian() }
        var q = try LAPACK.orthonormalize(try a.multiply(omega))
        for _ in 0..<powerIterations {
            let z = try LAPACK.orthonormalize(try aT.multiply(q))
            q = try LAPACK.orthonormalize(try a.multiply(z))
        }
        // B^T = A^T Q is n x l (tall and skinny): its SVD W S Z^T gives A ~ Q Z S W^T.
        let bt = try aT.multiply(q)
        let (w, s, zt) = try RandomizedSVD.tallSkinnySVD(bt)
        var u = try BLAS.multiply(q, zt, transposeB: true)   // m x l
        var vt = w.transposed                                  // l x n
        // Deterministic signs: largest |u| entry of each column positive (scikit-learn svd_flip).
        for j in 0..<l {
            var best = 0.0, bestIndex = 0
            for i in 0..<u.rows where abs(u[i, j]) > best { best = abs(u[i, j]); bestIndex = i }
            if u[bestIndex, j] < 0 {
                for i in 0..<u.rows { u[i, j] = -u[i, j] }
                for c in 0..<vt.columns { vt[j, c] = -vt[j, c] }
            }
        }
        return Result(u: u.leadingColumns(k), singularValues: Array(s.prefix(k)), vt: vt.leadingRows(k))
    }
}

extension RandomizedSVD {
    /// Thin SVD of a tall-skinny `x` (rows >= columns): `x = Q R` by Cholesky QR2, then the
    /// small SVD `R = U S V^T` (dgesdd), so `x = (Q U) S V^T`. Falls back to dgesdd on `x`.
    static func tallSkinnySVD(_ x: Matrix) throws -> (u: Matrix, s: [Double], vt: Matrix) {
        guard x.rows >= x.columns, x.columns > 0 else { return try LAPACK.svd(x) }
        do {
            let first = try LAPACK.choleskyQR(x)
            let second = try LAPACK.choleskyQR(first.q)
            let r = try BLAS.multiply(second.r, first.r)
            let (ur, s, vt) = try LAPACK.svd(r)
            return (try BLAS.multiply(second.q, ur), s, vt)
        } catch LinearAlgebraError.lapack(routine: "dpotrf", _) {
            return try LAPACK.svd(x)
        }
    }
}

/// A tiny seeded generator (SplitMix64), so every random choice is reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in (0, 1).
    public mutating func nextUnit() -> Double {
        (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992.0
    }
    /// Standard normal by Box-Muller (one value per call; deterministic).
    public mutating func nextGaussian() -> Double {
        let u1 = nextUnit(), u2 = nextUnit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

@inline(__always) private func _log(_ x: Double) -> Double { Foundation_log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation_cos(x) }
