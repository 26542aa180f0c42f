public import CBLASLAPACK

/// Asks the processor to start loading the cache line holding `p` for reading, so that a load
/// a little later does not wait for memory. A hint only: it changes no value, and a bad address
/// does not fault.
@inlinable @inline(__always)
public func prefetch(_ p: UnsafeRawPointer) {
    newsdedup_prefetch(p)
}

/// `prefetch` for every cache line of `count` elements from `p`.
@inlinable @inline(__always)
public func prefetch<T>(_ p: UnsafePointer<T>, count: Int) {
    let bytes = count * MemoryLayout<T>.stride
    let raw = UnsafeRawPointer(p)
    var o = 0
    while o < bytes { newsdedup_prefetch(raw + o); o += 64 }
    // The last line when the span starts mid-line and ends past a 64-byte step.
    if bytes > 0 { newsdedup_prefetch(raw + (bytes - 1)) }
}
