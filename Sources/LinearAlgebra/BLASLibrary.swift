#if canImport(Glibc)
import Glibc
#endif
internal import CBLASLAPACK

/// Which BLAS and LAPACK shared objects this process actually loaded (after Debian's
/// alternatives resolved `libblas.so.3` and `liblapack.so.3`), read from `/proc/self/maps`.
public enum BLASLibrary {
    public static var loaded: [String] {
        // Touch one routine so the libraries are mapped even before the first product.
        var x = [1.0]
        _ = cblas_dnrm2(1, &x, 1)
        guard let maps = try? readFile("/proc/self/maps") else { return ["unknown"] }
        var found = Set<String>()
        for line in maps.split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = String(line[slash...])
            let name = path.split(separator: "/").last.map(String.init) ?? path
            if name.contains("blas") || name.contains("lapack") {
                found.insert(resolve(path))
            }
        }
        return found.isEmpty ? ["unknown"] : found.sorted()
    }

    /// How BLAS shares the cores with NewsDedup's own worker threads. The heavy products (sparse
    /// times dense, the story search) run on those workers; the BLAS calls are small dense ones
    /// (tall matrices of k + p = 30 columns), which a second BLAS thread barely speeds up, while
    /// OpenBLAS's idle threads spin after each call and take a core from the workers that run
    /// next. So OpenBLAS gets one thread (the caller's), unless the user chose a count with
    /// `OPENBLAS_NUM_THREADS`, `GOTO_NUM_THREADS` or `OMP_NUM_THREADS`. Other BLAS libraries are
    /// left as they are. Returns the count OpenBLAS then uses (nil: not OpenBLAS).
    @discardableResult
    public static func shareCores() -> Int? {
        typealias SetThreads = @convention(c) (Int32) -> Void
        let names: [String] = ["OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"]
        let chosen = names.contains { name in getenv(name) != nil }
        if !chosen, let symbol = dlsym(nil, "openblas_set_num_threads") {
            unsafeBitCast(symbol, to: SetThreads.self)(1)
        }
        return threads
    }

    /// The thread count OpenBLAS uses; nil when the loaded BLAS is not OpenBLAS.
    public static var threads: Int? {
        typealias GetThreads = @convention(c) () -> Int32
        guard let symbol = dlsym(nil, "openblas_get_num_threads") else { return nil }
        return Int(unsafeBitCast(symbol, to: GetThreads.self)())
    }

    private static func resolve(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    private static func readFile(_ path: String) throws -> String {
        guard let f = fopen(path, "r") else { throw LinearAlgebraError.dimensionMismatch("cannot open \(path)") }
        defer { fclose(f) }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
