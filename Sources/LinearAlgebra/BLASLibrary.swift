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
