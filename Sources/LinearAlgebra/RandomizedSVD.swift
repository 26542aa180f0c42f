/// Truncated SVD by the randomized range finder of Halko, Martinsson and Tropp (2011).
///
/// For an m x n sparse `a`: draw a seeded Gaussian n x (k + p) test matrix, form `Y = A Omega`,
/// orthonormalise, run `q` power iterations with re-orthonormalisation after every product,
/// then take the SVD of the small projected matrix. Every orthonormalisation of these tall,
/// skinny matrices is Cholesky QR run twice (dsyrk + dpotrf + dtrsm: BLAS-3, orthogonal to
/// machine precision for cond < 1e8), with Householder QR as the fallback; the final SVD of
/// the n x l matrix `A^T Q` is a Cholesky QR2 followed by dgesdd of the l x l factor.
/// The sparse products of the power iterations run in single precision (half the memory
/// traffic; they only steer the subspace), the final projection `A^T Q` in double, so the
/// singular values keep double accuracy (a subspace error e moves them by about e^2).
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

        public init(u: Matrix, singularValues: [Double], vt: Matrix) {
            self.u = u
            self.singularValues = singularValues
            self.vt = vt
        }
    }

    public func fit(_ a: CSRMatrix, transpose at: CSRMatrix? = nil) throws -> Result {
        let k = max(0, min(components, min(a.rows, a.columns)))
        if k == 0 {
            return Result(u: Matrix(zeros: a.rows, 0), singularValues: [], vt: Matrix(zeros: 0, a.columns))
        }
        let l = min(k + oversampling, min(a.rows, a.columns))
        // Without an explicit transpose, products with A^T scatter from A's rows (same sums,
        // same order): no second copy of the matrix, no single-precision copies either.
        func timesA(_ x: [Float]) -> [Float] { a.multiplyRowMajor(x, k: l) }
        func timesAT(_ x: [Float]) -> [Float] { at?.multiplyRowMajor(x, k: l) ?? a.transposeMultiplyRowMajor(x, k: l) }
        // Y = A * Omega with a row-major Gaussian Omega (n x l), generated in fixed blocks.
        let omega = RandomizedSVD.gaussian(count: a.columns * l, seed: seed)
        // Power iterations in single precision: the intermediate bases only need to be well
        // conditioned, so one Cholesky QR pass each (Householder in double if it fails).
        var y = timesA(omega)
        for _ in 0..<powerIterations {
            try RandomizedSVD.condition(&y, rows: a.rows, k: l)
            var z = timesAT(y)
            try RandomizedSVD.condition(&z, rows: a.columns, k: l)
            y = timesA(z)
        }
        // The basis the projection uses: CholQR2 in double.
        let q = try LAPACK.orthonormalize(RandomizedSVD.columnMajor(y, rows: a.rows, k: l))
        // B^T = A^T Q is n x l (tall and skinny): its SVD W S Z^T gives A ~ Q Z S W^T.
        let bt = try at?.multiply(q) ?? a.transposeMultiply(q)
        let (w, s, zt) = try RandomizedSVD.tallSkinnySVD(bt)
        var u = try BLAS.multiply(q, zt, transposeB: true)   // m x l
        var vt = w.transposed                                  // l x n
        RandomizedSVD.fixSigns(u: &u, vt: &vt)
        return Result(u: u.leadingColumns(k), singularValues: Array(s.prefix(k)), vt: vt.leadingRows(k))
    }
}

extension RandomizedSVD {
    /// Deterministic signs, as scikit-learn's `svd_flip` (u-based): the largest |entry| of each
    /// column of `u` (m x l) is made positive, and the matching row of `vt` (l x n) flips with it.
    public static func fixSigns(u: inout Matrix, vt: inout Matrix) {
        let m = u.rows, l = u.columns
        for j in 0..<l {
            var best = 0.0, bestValue = 0.0
            for i in 0..<m {
                let x = u.elements[i + j * m]
                if abs(x) > best { best = abs(x); bestValue = x }
            }
            if bestValue < 0 {
                for i in 0..<m { u.elements[i + j * m] = -u.elements[i + j * m] }
                for c in 0..<vt.columns { vt.elements[j + c * l] = -vt.elements[j + c * l] }
            }
        }
    }

    /// Standard normal values from SplitMix64 + Box-Muller, in blocks of 4096 each seeded by
    /// (seed, block): the same values whatever the thread count.
    static func gaussian(count: Int, seed: UInt64) -> [Float] {
        let block = 4096
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedMutableBuffer(buffer)
            let blocks = (count + block - 1) / block
            Parallel.forEachChunk(blocks, minimumChunk: 4) { range in
                for b in range {
                    var rng = SplitMix64(seed: seed ^ (UInt64(b) &* 0x9E37_79B9_7F4A_7C15))
                    var i = b * block
                    let end = min(count, (b + 1) * block)
                    while i < end {
                        let (g1, g2) = rng.nextGaussianPair()
                        shared[i] = Float(g1)
                        if i + 1 < end { shared[i + 1] = Float(g2) }
                        i += 2
                    }
                }
            }
        }
        return out
    }

    /// Replaces the row-major `y` by a well-conditioned basis of its column space.
    static func condition(_ y: inout [Float], rows: Int, k: Int) throws {
        do {
            try LAPACK.choleskyQR32(&y, rows: rows, k: k)
        } catch LinearAlgebraError.lapack(routine: "spotrf", _) {
            y = rowMajor32(try LAPACK.orthonormalBasis(columnMajor(y, rows: rows, k: k)))
        }
    }

    /// Column-major Double matrix from a row-major Float buffer (rows x k).
    static func columnMajor(_ x: [Float], rows: Int, k: Int) -> Matrix {
        var m = Matrix(zeros: rows, k)
        m.elements.withUnsafeMutableBufferPointer { e in
            let out = SharedMutableBuffer(e)
            x.withUnsafeBufferPointer { xs in
                let xp = xs.baseAddress!
                Parallel.forEachChunk(rows, minimumChunk: 1024) { range in
                    for i in range { for t in 0..<k { out[i + t * rows] = Double(xp[i * k + t]) } }
                }
            }
        }
        return m
    }

    /// Row-major Float buffer from a column-major Double matrix.
    static func rowMajor32(_ m: Matrix) -> [Float] {
        var out = [Float](repeating: 0, count: m.rows * m.columns)
        let rows = m.rows, k = m.columns
        out.withUnsafeMutableBufferPointer { o in
            let shared = SharedMutableBuffer(o)
            m.elements.withUnsafeBufferPointer { e in
                let ep = e.baseAddress!
                Parallel.forEachChunk(rows, minimumChunk: 1024) { range in
                    for i in range { for t in 0..<k { shared[i * k + t] = Float(ep[i + t * rows]) } }
                }
            }
        }
        return out
    }

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
    /// Two independent standard normals by Box-Muller (deterministic).
    public mutating func nextGaussianPair() -> (Double, Double) {
        let u1 = nextUnit(), u2 = nextUnit()
        let r = (-2 * _log(u1)).squareRoot()
        return (r * _cos(2 * Double.pi * u2), r * _sin(2 * Double.pi * u2))
    }

    /// Standard normal by Box-Muller (one value per call; deterministic).
    public mutating func nextGaussian() -> Double {
        let u1 = nextUnit(), u2 = nextUnit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

@inline(__always) private func _log(_ x: Double) -> Double { Foundation_log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation_cos(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Foundation_sin(x) }
