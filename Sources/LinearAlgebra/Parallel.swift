import Dispatch

/// A mutable buffer shared by the chunks of `Parallel.forEachChunk`, each of which writes a
/// disjoint range. The caller guarantees disjointness; this wrapper only silences the
/// Sendable check for that pattern.
public struct SharedMutableBuffer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    public let count: Int
    public init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        self.base = buffer.baseAddress ?? UnsafeMutablePointer<Element>(bitPattern: 8)!
        self.count = buffer.count
    }
    @inlinable public subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// Carries a closure or value into `concurrentPerform`; the callers guarantee that what it
/// touches is either read-only or written in disjoint ranges.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}

/// Splits work over the machine's cores with `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// Number of worker threads; defaults to the active processor count. Set once at start-up
    /// (the CLI's `--threads`); 1 makes every stage run serially.
    nonisolated(unsafe) public static var threads: Int = ProcessInfoCores.active

    /// Calls `body(range)` for contiguous chunks of `0..<count`, in parallel. Chunks are
    /// deterministic for a given `count` and `threads` is never needed for the result to be
    /// deterministic: callers write disjoint outputs or merge in chunk order.
    public static func forEachChunk(_ count: Int, minimumChunk: Int = 256, _ body: (Range<Int>) -> Void) {
        if count == 0 { return }
        let workers = max(1, threads)
        let chunks = max(1, min(workers * 8, (count + minimumChunk - 1) / minimumChunk))
        if chunks == 1 || workers == 1 {
            body(0..<count)
            return
        }
        let size = (count + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = c * size
                let hi = min(count, lo + size)
                if lo < hi { work.value(lo..<hi) }
            }
        }
    }

    /// Maps chunk ranges to values and returns them in chunk order (deterministic merge).
    public static func mapChunks<T>(_ count: Int, chunks requested: Int? = nil, _ body: (Range<Int>) -> T) -> [T] {
        let workers = max(1, threads)
        let chunks = max(1, min(requested ?? workers, max(1, count)))
        let size = (count + chunks - 1) / max(1, chunks)
        var results = [T?](repeating: nil, count: chunks)
        results.withUnsafeMutableBufferPointer { buffer in
            let shared = SharedMutableBuffer(buffer)
            if chunks == 1 || workers == 1 {
                for c in 0..<chunks {
                    let lo = min(count, c * size)
                    shared[c] = body(lo..<min(count, lo + size))
                }
            } else {
                withoutActuallyEscaping(body) { body in
                    let work = UncheckedSendable(body)
                    DispatchQueue.concurrentPerform(iterations: chunks) { c in
                        let lo = min(count, c * size)
                        shared[c] = work.value(lo..<min(count, lo + size))
                    }
                }
            }
        }
        return results.map { $0! }
    }
}

/// The number of cores the process may use.
public enum ProcessInfoCores {
    public static var active: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}
#if canImport(Glibc)
import Glibc
#endif
