/// A small dense matrix of `Double`, stored column-major as BLAS and LAPACK expect.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Column-major elements: element (i, j) is at `i + j * rows`.
    public var elements: [Double]

    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        precondition(elements.count == rows * columns, "expected \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    public init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, elements: [Double](repeating: 0, count: rows * columns))
    }

    /// Builds a matrix from row arrays (row-major literal order), for tests and small inputs.
    public init(rowArrays: [[Double]]) {
        let rows = rowArrays.count
        let columns = rowArrays.first?.count ?? 0
        var elements = [Double](repeating: 0, count: rows * columns)
        for (i, row) in rowArrays.enumerated() {
            precondition(row.count == columns, "ragged rows")
            for (j, value) in row.enumerated() { elements[i + j * rows] = value }
        }
        self.init(rows: rows, columns: columns, elements: elements)
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(zeros: n, n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row + column * rows] }
        set { elements[row + column * rows] = newValue }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        Array(elements[(j * rows)..<((j + 1) * rows)])
    }

    /// The transpose: a copy in 32 x 32 tiles (both sides touch a few cache lines per tile,
    /// whichever side is long), in parallel over chunks of rows for a large matrix.
    public var transposed: Matrix {
        var t = Matrix(zeros: columns, rows)
        if rows == 0 || columns == 0 { return t }
        let rows = rows, columns = columns
        t.elements.withUnsafeMutableBufferPointer { out in
            let shared = SharedMutableBuffer(out)
            elements.withUnsafeBufferPointer { input in
                let src = input.baseAddress!
                let work = { (range: Range<Int>) in
                    var i0 = range.lowerBound
                    while i0 < range.upperBound {
                        let i1 = min(range.upperBound, i0 + 32)
                        var j0 = 0
                        while j0 < columns {
                            let j1 = min(columns, j0 + 32)
                            for i in i0..<i1 {
                                let o = shared.base + i * columns
                                for j in j0..<j1 { o[j] = src[i + j * rows] }
                            }
                            j0 = j1
                        }
                        i0 = i1
                    }
                }
                if rows * columns < 1 << 16 { work(0..<rows) } else { Parallel.forEachChunk(rows, minimumChunk: 1024, work) }
            }
        }
        return t
    }

    /// The first `count` columns.
    public func leadingColumns(_ count: Int) -> Matrix {
        precondition(count <= columns)
        return Matrix(rows: rows, columns: count, elements: Array(elements[0..<(rows * count)]))
    }

    /// The first `count` rows.
    public func leadingRows(_ count: Int) -> Matrix {
        precondition(count <= rows)
        var out = Matrix(zeros: count, columns)
        for j in 0..<columns {
            for i in 0..<count { out.elements[i + j * count] = elements[i + j * rows] }
        }
        return out
    }

    /// Frobenius norm.
    public var frobeniusNorm: Double {
        BLAS.norm(elements)
    }
}
