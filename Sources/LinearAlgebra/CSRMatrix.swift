/// A sparse matrix in compressed sparse row form, with `Double` values.
public struct CSRMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// `rowStart[i]..<rowStart[i+1]` indexes row i's entries; `rowStart.count == rows + 1`.
    public let rowStart: [Int]
    /// Column index of each entry, ascending within a row.
    public let columnIndex: [Int32]
    public let values: [Double]

    public init(rows: Int, columns: Int, rowStart: [Int], columnIndex: [Int32], values: [Double]) {
        precondition(rowStart.count == rows + 1, "rowStart must have rows + 1 entries")
        precondition(columnIndex.count == values.count, "columnIndex and values differ in length")
        precondition(rowStart.last == values.count, "rowStart.last must equal the number of entries")
        self.rows = rows
        self.columns = columns
        self.rowStart = rowStart
        self.columnIndex = columnIndex
        self.values = values
    }

    public var nonzeroCount: Int { values.count }

    /// Entries of row `i` as (column, value) pairs.
    public func row(_ i: Int) -> [(column: Int, value: Double)] {
        (rowStart[i]..<rowStart[i + 1]).map { (Int(columnIndex[$0]), values[$0]) }
    }

    /// Dot product of rows `i` and `j` (both sorted by column): a merge, no allocation.
    public func rowDot(_ i: Int, _ j: Int) -> Double {
        var a = rowStart[i], b = rowStart[j]
        let ae = rowStart[i + 1], be = rowStart[j + 1]
        var sum = 0.0
        while a < ae && b < be {
            let ca = columnIndex[a], cb = columnIndex[b]
            if ca == cb { sum += values[a] * values[b]; a += 1; b += 1 }
            else if ca < cb { a += 1 } else { b += 1 }
        }
        return sum
    }

    /// The transpose, built once (counting sort by column), so that `transpose * X` is a row gather.
    /// In parallel: each chunk of rows counts its entries per column, then writes them from its
    /// own offset in each column, so every row of the transpose lists rows in increasing order
    /// (the same arrays whatever the thread count).
    public var transposed: CSRMatrix {
        let chunks = max(1, min(Parallel.threads, rows))
        let size = (rows + chunks - 1) / chunks
        let ranges = (0..<chunks).map { c in min(rows, c * size)..<min(rows, (c + 1) * size) }
        var next = Parallel.mapChunks(chunks, chunks: chunks) { cs -> [Int] in
            var counts = [Int](repeating: 0, count: columns)
            for c in cs where !ranges[c].isEmpty {
                for p in rowStart[ranges[c].lowerBound]..<rowStart[ranges[c].upperBound] { counts[Int(columnIndex[p])] += 1 }
            }
            return counts
        }
        // Row starts of the transpose, and each chunk's first slot in each of them.
        var start = [Int](repeating: 0, count: columns + 1)
        for j in 0..<columns {
            var s = start[j]
            for c in 0..<chunks { let k = next[c][j]; next[c][j] = s; s += k }
            start[j + 1] = s
        }
        let nnz = values.count
        var val: [Double] = []
        let idx = [Int32](unsafeUninitializedCapacity: nnz) { idxBuffer, idxCount in
            val = [Double](unsafeUninitializedCapacity: nnz) { valBuffer, valCount in
                let outIdx = SharedMutableBuffer(idxBuffer), outVal = SharedMutableBuffer(valBuffer)
                let offsets = UncheckedSendable(next)
                _ = Parallel.mapChunks(chunks, chunks: chunks) { cs -> Int in
                    for c in cs {
                        var slot = offsets.value[c]
                        for i in ranges[c] {
                            for p in rowStart[i]..<rowStart[i + 1] {
                                let col = Int(columnIndex[p])
                                let q = slot[col]
                                outIdx[q] = Int32(i)
                                outVal[q] = values[p]
                                slot[col] = q + 1
                            }
                        }
                    }
                    return 0
                }
                valCount = nnz
            }
            idxCount = nnz
        }
        return CSRMatrix(rows: columns, columns: rows, rowStart: start, columnIndex: idx, values: val)
    }

    /// The rows `indices` (ascending or not), in that order.
    public func selectingRows(_ indices: [Int]) -> CSRMatrix {
        var start = [0]
        start.reserveCapacity(indices.count + 1)
        for i in indices { start.append(start[start.count - 1] + rowStart[i + 1] - rowStart[i]) }
        var idx = [Int32](), val = [Double]()
        idx.reserveCapacity(start[start.count - 1])
        val.reserveCapacity(start[start.count - 1])
        for i in indices {
            idx.append(contentsOf: columnIndex[rowStart[i]..<rowStart[i + 1]])
            val.append(contentsOf: values[rowStart[i]..<rowStart[i + 1]])
        }
        return CSRMatrix(rows: indices.count, columns: columns, rowStart: start, columnIndex: idx, values: val)
    }

    /// `self * x` for a dense `x` (columns x k), parallel over rows. Returns rows x k.
    /// Every entry sums in the same order as the plain loop `y[t] += v * x[t]` from 0 (entries
    /// in row order), so the same bits, but faster: the rows of `x` the entries gather are the
    /// cost (cache misses), so blocks of `rowBlock` rows go through the columns in tiles of
    /// `tileColumns` (whose rows of `x` stay in cache while the block's entries in the tile are
    /// added), each row's partial sums kept in a small row-major buffer between tiles and
    /// gathered in SIMD registers within a tile (`gatherRowAdding`).
    public func multiply(_ x: Matrix) throws -> Matrix {
        try multiply(x, tileColumns: max(64, (384 << 10) / max(1, 8 * x.columns)), rowBlock: 1024)
    }

    func multiply(_ x: Matrix, tileColumns: Int, rowBlock: Int) throws -> Matrix {
        guard x.rows == columns else {
            throw LinearAlgebraError.dimensionMismatch("sparse \(rows)x\(columns) times dense \(x.rows)x\(x.columns)")
        }
        let k = x.columns
        var y = Matrix(zeros: rows, k)
        if k == 0 || rows == 0 { return y }
        // Row-major copy of x so that each sparse entry touches one contiguous row of k values.
        let xr = x.transposed.elements
        let m = rows, n = columns
        let tile = max(1, tileColumns), block = max(1, rowBlock)
        y.elements.withUnsafeMutableBufferPointer { out in
            let shared = SharedMutableBuffer(out)
            withPointers(xr) { xp, vp, sp, cp in
                Parallel.forEachChunk(rows, minimumChunk: 512) { range in
                    let sums = UnsafeMutablePointer<Double>.allocate(capacity: min(block, range.count) * k)
                    let cursor = UnsafeMutablePointer<Int>.allocate(capacity: min(block, range.count))
                    defer { sums.deallocate(); cursor.deallocate() }
                    var b0 = range.lowerBound
                    while b0 < range.upperBound {
                        let b1 = min(range.upperBound, b0 + block)
                        sums.initialize(repeating: 0, count: (b1 - b0) * k)
                        for i in b0..<b1 { cursor[i - b0] = sp[i] }
                        var c0 = 0
                        while c0 < n {
                            let c1 = Int32(min(n, c0 + tile))
                            for i in b0..<b1 {
                                let s = cursor[i - b0], end = sp[i + 1]
                                var e = s
                                while e < end && cp[e] < c1 { e += 1 }
                                if e > s {
                                    CSRMatrix.gatherRowAdding(s, e, k: k, columns: cp, x: xp, values: vp, into: sums + (i - b0) * k)
                                    cursor[i - b0] = e
                                }
                            }
                            c0 += tile
                        }
                        for i in b0..<b1 {
                            let row = sums + (i - b0) * k
                            for t in 0..<k { shared[i + t * m] = row[t] }
                        }
                        b0 = b1
                    }
                }
            }
        }
        return y
    }

    /// `self * x` in single precision for a row-major `x` (columns x k) and `values32`, the
    /// matrix values as `Float`. Returns the row-major rows x k product. Half the memory traffic
    /// of the double product; the randomized SVD uses it inside its power iterations only.
    public func multiplyRowMajor(_ x: [Float], k: Int, values32: [Float]) -> [Float] {
        precondition(x.count == columns * k && values32.count == values.count, "multiplyRowMajor: sizes differ")
        var y = [Float](repeating: 0, count: rows * k)
        y.withUnsafeMutableBufferPointer { out in
            let shared = SharedMutableBuffer(out)
            x.withUnsafeBufferPointer { xs in
                values32.withUnsafeBufferPointer { vs in
                    rowStart.withUnsafeBufferPointer { starts in
                        columnIndex.withUnsafeBufferPointer { cols in
                            let xp = xs.baseAddress!, vp = vs.baseAddress!, sp = starts.baseAddress!, cp = cols.baseAddress!
                            Parallel.forEachChunk(rows, minimumChunk: 512) { range in
                                for i in range {
                                    CSRMatrix.gatherRow(sp[i], sp[i + 1], k: k, columns: cp, x: xp, into: shared.base + i * k) { vp[$0] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// `self * x` in single precision for a row-major `x` (columns x k), reading the double
    /// values directly (no single-precision copy of the matrix). Row-major rows x k result.
    public func multiplyRowMajor(_ x: [Float], k: Int) -> [Float] {
        precondition(x.count == columns * k, "multiplyRowMajor: sizes differ")
        var y = [Float](repeating: 0, count: rows * k)
        y.withUnsafeMutableBufferPointer { out in
            let shared = SharedMutableBuffer(out)
            withPointers(x) { xp, vp, sp, cp in
                Parallel.forEachChunk(rows, minimumChunk: 512) { range in
                    for i in range {
                        CSRMatrix.gatherRow(sp[i], sp[i + 1], k: k, columns: cp, x: xp, into: shared.base + i * k) { Float(vp[$0]) }
                    }
                }
            }
        }
        return y
    }

    /// `transpose(self) * y` in single precision for a row-major `y` (rows x k), without
    /// building the transpose. Row-major columns x k.
    public func transposeMultiplyRowMajor(_ y: [Float], k: Int) -> [Float] {
        precondition(y.count == rows * k, "transposeMultiplyRowMajor: sizes differ")
        return scatterTransposed(y, k: k)
    }

    /// `transpose(self) * x` in double precision for a dense `x` (rows x k), without building
    /// the transpose (same summation order as `transposed.multiply(x)`). Returns columns x k.
    public func transposeMultiply(_ x: Matrix) throws -> Matrix {
        guard x.rows == rows else {
            throw LinearAlgebraError.dimensionMismatch("transposed sparse \(columns)x\(rows) times dense \(x.rows)x\(x.columns)")
        }
        let zr = scatterTransposed(x.transposed.elements, k: x.columns)   // row-major in, row-major out
        return Matrix(rows: x.columns, columns: columns, elements: zr).transposed
    }

    /// `transpose(self) * y` for a row-major `y` (rows x k): each thread owns a range of output
    /// rows (columns of `self`) and scans the entries in row order, so every output sums in the
    /// same order as a product with `transposed` would, whatever the thread count.
    private func scatterTransposed<T: BinaryFloatingPoint>(_ y: [T], k: Int) -> [T] {
        var z = [T](repeating: 0, count: columns * k)
        z.withUnsafeMutableBufferPointer { out in
            let shared = SharedMutableBuffer(out)
            withPointers(y) { yp, vp, sp, cp in
                scatterByColumnRange { lo, hi in
                    for i in 0..<rows {
                        let yrow = yp + i * k
                        for p in sp[i]..<sp[i + 1] {
                            let c = cp[p]
                            if c < lo || c >= hi { continue }
                            let v = T(vp[p])
                            let zrow = shared.base + Int(c) * k
                            for t in 0..<k { zrow[t] += v * yrow[t] }
                        }
                    }
                }
            }
        }
        return z
    }

    /// Runs `body(lo, hi)` for `Parallel.threads` disjoint column ranges, in parallel.
    private func scatterByColumnRange(_ body: (Int32, Int32) -> Void) {
        let parts = max(1, min(Parallel.threads, columns))
        _ = Parallel.mapChunks(parts, chunks: parts) { range in
            for part in range {
                body(Int32(columns * part / parts), Int32(columns * (part + 1) / parts))
            }
        }
    }

    /// One row of a single-precision gather: `y[t] = Σ_p value(p) · x[column(p) · k + t]` for
    /// t < k, over p in `start..<end` in order, into a zeroed `y`. Each column t is its own sum,
    /// added in the same order as the plain loop `y[t] += v * x[t]` (same bits), but the sums
    /// stay in SIMD registers across the row's entries instead of being loaded and stored at
    /// every entry (the compiler cannot tell `y` from `x`). Columns go in blocks of 8: four per
    /// pass over the entries; a last partial block is the 8 columns ending at k (its overlap
    /// with the previous block stores the same values again).
    /// How many entries ahead `gatherRow` prefetches the row of x.
    static let gatherAhead = 8

    @inline(__always)
    static func gatherRow(_ start: Int, _ end: Int, k: Int, columns: UnsafePointer<Int32>, x: UnsafePointer<Float>,
                          into y: UnsafeMutablePointer<Float>, value: (Int) -> Float) {
        if k < 8 {
            for p in start..<end {
                let v = value(p)
                let xrow = x + Int(columns[p]) * k
                for t in 0..<k { y[t] += v * xrow[t] }
            }
            return
        }
        let blocks = (k + 7) / 8
        var first = 0
        while first < blocks {
            // Up to four blocks; fewer are padded with the last one (computed twice, same values).
            let last = min(first + 4, blocks) - 1
            @inline(__always) func offset(_ b: Int) -> Int { min(min(b, last) * 8, k - 8) }
            let o0 = offset(first), o1 = offset(first + 1), o2 = offset(first + 2), o3 = offset(first + 3)
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            for p in start..<end {
                // The rows of x are read at random (by column): the one `ahead` entries on is
                // prefetched on the first pass (a hint), so its misses overlap this entry's work.
                if first == 0 && p + gatherAhead < end {
                    let r = UnsafeRawPointer(x + Int(columns[p + gatherAhead]) * k)
                    prefetch(r)
                    prefetch(r + 64)
                    prefetch(r + (4 * k - 1))
                }
                let v = SIMD8<Float>(repeating: value(p))
                let xrow = UnsafeRawPointer(x + Int(columns[p]) * k)
                a0 += v * xrow.loadUnaligned(fromByteOffset: o0 * 4, as: SIMD8<Float>.self)
                a1 += v * xrow.loadUnaligned(fromByteOffset: o1 * 4, as: SIMD8<Float>.self)
                a2 += v * xrow.loadUnaligned(fromByteOffset: o2 * 4, as: SIMD8<Float>.self)
                a3 += v * xrow.loadUnaligned(fromByteOffset: o3 * 4, as: SIMD8<Float>.self)
            }
            let out = UnsafeMutableRawPointer(y)
            out.storeBytes(of: a0, toByteOffset: o0 * 4, as: SIMD8<Float>.self)
            out.storeBytes(of: a1, toByteOffset: o1 * 4, as: SIMD8<Float>.self)
            out.storeBytes(of: a2, toByteOffset: o2 * 4, as: SIMD8<Float>.self)
            out.storeBytes(of: a3, toByteOffset: o3 * 4, as: SIMD8<Float>.self)
            first += 4
        }
    }

    /// Adds entries `start..<end` of a row to its partial sums `y` (k of them, double
    /// precision): `y[t] += values[p] · x[column(p) · k + t]` for each p in order, exactly as
    /// the plain loop does (same bits), with the sums held in SIMD registers across the
    /// entries. Whole blocks of 8 columns, two per pass over the entries (the 16 SSE2 registers
    /// of baseline x86-64 hold two 8-wide double accumulators with room for the operands). When
    /// k is not a multiple of 8 (and at least 8), its last columns are the block of 8 ending at
    /// k, in the last pass beside the block it overlaps (three accumulators when that pass
    /// already has two): both start from the same loaded sums and add the same products, so the
    /// overlap is stored twice with the same values, and no second pass over the entries reads
    /// their rows of x again for the k mod 8 columns.
    @inline(__always)
    static func gatherRowAdding(_ start: Int, _ end: Int, k: Int, columns: UnsafePointer<Int32>, x: UnsafePointer<Double>,
                                values: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        let whole = k / 8
        let raw = UnsafeMutableRawPointer(y)
        if whole == 0 {
            for p in start..<end {
                let v = values[p]
                let xrow = x + Int(columns[p]) * k
                for t in 0..<k { y[t] += v * xrow[t] }
            }
            return
        }
        let overlap = k % 8 != 0
        let blocks = whole + (overlap ? 1 : 0)
        @inline(__always) func offset(_ b: Int) -> Int { (b < whole ? b * 8 : k - 8) * 8 }
        var first = 0
        while first < blocks {
            let left = blocks - first
            if left == 3 && overlap {
                // The last two whole blocks and the overlapping one: one pass.
                let o0 = offset(first), o1 = offset(first + 1), o2 = offset(first + 2)
                var a0 = raw.loadUnaligned(fromByteOffset: o0, as: SIMD8<Double>.self)
                var a1 = raw.loadUnaligned(fromByteOffset: o1, as: SIMD8<Double>.self)
                var a2 = raw.loadUnaligned(fromByteOffset: o2, as: SIMD8<Double>.self)
                for p in start..<end {
                    let v = SIMD8<Double>(repeating: values[p])
                    let xrow = UnsafeRawPointer(x + Int(columns[p]) * k)
                    a0 += v * xrow.loadUnaligned(fromByteOffset: o0, as: SIMD8<Double>.self)
                    a1 += v * xrow.loadUnaligned(fromByteOffset: o1, as: SIMD8<Double>.self)
                    a2 += v * xrow.loadUnaligned(fromByteOffset: o2, as: SIMD8<Double>.self)
                }
                raw.storeBytes(of: a0, toByteOffset: o0, as: SIMD8<Double>.self)
                raw.storeBytes(of: a1, toByteOffset: o1, as: SIMD8<Double>.self)
                raw.storeBytes(of: a2, toByteOffset: o2, as: SIMD8<Double>.self)
                return
            }
            if left >= 2 {
                let o0 = offset(first), o1 = offset(first + 1)
                var a0 = raw.loadUnaligned(fromByteOffset: o0, as: SIMD8<Double>.self)
                var a1 = raw.loadUnaligned(fromByteOffset: o1, as: SIMD8<Double>.self)
                for p in start..<end {
                    let v = SIMD8<Double>(repeating: values[p])
                    let xrow = UnsafeRawPointer(x + Int(columns[p]) * k)
                    a0 += v * xrow.loadUnaligned(fromByteOffset: o0, as: SIMD8<Double>.self)
                    a1 += v * xrow.loadUnaligned(fromByteOffset: o1, as: SIMD8<Double>.self)
                }
                raw.storeBytes(of: a0, toByteOffset: o0, as: SIMD8<Double>.self)
                raw.storeBytes(of: a1, toByteOffset: o1, as: SIMD8<Double>.self)
                first += 2
            } else {
                // One whole block left (the overlapping one never comes alone: see above).
                let o0 = offset(first)
                var a0 = raw.loadUnaligned(fromByteOffset: o0, as: SIMD8<Double>.self)
                for p in start..<end {
                    let v = SIMD8<Double>(repeating: values[p])
                    let xrow = UnsafeRawPointer(x + Int(columns[p]) * k)
                    a0 += v * xrow.loadUnaligned(fromByteOffset: o0, as: SIMD8<Double>.self)
                }
                raw.storeBytes(of: a0, toByteOffset: o0, as: SIMD8<Double>.self)
                first += 1
            }
        }
    }

    private func withPointers<T, R>(_ dense: [T], _ body: (UnsafePointer<T>, UnsafePointer<Double>, UnsafePointer<Int>, UnsafePointer<Int32>) -> R) -> R {
        dense.withUnsafeBufferPointer { d in
            values.withUnsafeBufferPointer { v in
                rowStart.withUnsafeBufferPointer { s in
                    columnIndex.withUnsafeBufferPointer { c in
                        body(d.baseAddress ?? UnsafePointer(bitPattern: 8)!, v.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                             s.baseAddress!, c.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                    }
                }
            }
        }
    }
}
