import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write, systemClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write, systemClose = Darwin.close
#endif

/// JSON text built value by value into a byte buffer, laid out exactly as `JSONEncoder` with
/// `[.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]` lays it out (`ResultsWriter.encoder()`):
/// two-space indents, `"key" : value`, `,` + newline between elements, an empty container as
/// `[` + two newlines + indent + `]`, strings escaped as `\"`, `\\`, `\b \f \n \r \t` and
/// `\u00xx` for the other control characters (nothing else, slashes included), doubles as their
/// shortest round-trip `description` without a trailing `.0`. The caller writes each object's
/// keys in sorted order. `JSONTextTests` holds it to byte equality with `JSONEncoder`.
///
/// Large documents are written in parts: a part built elsewhere (another thread) continues an
/// array at a known depth (`init(arrayElementsAtDepth:continuing:)`), and its bytes are appended
/// with `append(elements:)`; `drain(to:)` moves the bytes built so far to a file.
///
/// The bytes live in a buffer of its own (`Storage`, copied on write like an array's): each
/// value reserves the room it needs once and is written through a pointer (an array append per
/// byte run cost most of the time of writing 30 MB of results). Containers nest at most 64 deep.
struct JSONText {
    private final class Storage {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int
        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(capacity: capacity)
        }
        deinit { base.deallocate() }
    }

    private var storage: Storage
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// Bit d: whether the container open at depth d + 1 has an element (so the next needs a comma).
    private var hasElements: UInt64 = 0
    /// Open containers.
    private var depth = 0
    private var afterKey = false

    init(capacity: Int = 1 << 16) {
        let c = max(64, capacity)
        storage = Storage(capacity: c)
        base = storage.base
        self.capacity = c
    }

    /// A part that continues the innermost array of a document nested `depth` containers deep
    /// (e.g. 2 for the elements of `"groups" : [` in the root object); `continuing` when that
    /// array already has elements before this part.
    init(arrayElementsAtDepth depth: Int, continuing: Bool, capacity: Int = 1 << 16) {
        self.init(capacity: capacity)
        precondition(depth <= 64, "JSONText nests at most 64 containers")
        self.depth = max(0, depth)
        if depth > 0 {
            hasElements = depth - 1 >= 64 ? ~0 : (1 << UInt64(depth - 1)) &- 1
            if continuing { hasElements |= 1 << UInt64(depth - 1) }
        }
    }

    var isEmpty: Bool { count == 0 }

    /// The bytes built so far.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    // MARK: Buffer

    /// Room for `n` more bytes: a pointer to the end of the text.
    @inline(__always)
    private mutating func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if _slowPath(count + n > capacity || !isKnownUniquelyReferenced(&storage)) { grow(n) }
        return base + count
    }

    private mutating func grow(_ n: Int) {
        var c = capacity
        while c < count + n { c *= 2 }
        let s = Storage(capacity: c)
        s.base.initialize(from: base, count: count)
        storage = s
        base = s.base
        capacity = c
    }

    /// Ends the text at `p` (from `reserve`).
    @inline(__always)
    private mutating func commit(_ p: UnsafeMutablePointer<UInt8>) { count = p - base }

    @inline(__always)
    private static func copy(_ u: UnsafeBufferPointer<UInt8>, to p: inout UnsafeMutablePointer<UInt8>) {
        if let b = u.baseAddress, u.count > 0 { p.update(from: b, count: u.count) }
        p += u.count
    }

    // MARK: Structure

    /// The most bytes `elementStart` writes.
    @inline(__always)
    private var separatorRoom: Int { 2 + 2 * depth }

    /// Separator and indentation before a value (none right after a key or at the top level).
    @inline(__always)
    private mutating func elementStart(_ p: inout UnsafeMutablePointer<UInt8>) {
        if afterKey { afterKey = false; return }
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if hasElements & bit != 0 { p.pointee = 0x2C; p += 1 }
        hasElements |= bit
        p.pointee = 0x0A
        p += 1
        JSONText.indent(depth, &p)
    }

    @inline(__always)
    private static func indent(_ n: Int, _ p: inout UnsafeMutablePointer<UInt8>) {
        let width = 2 * n
        p.initialize(repeating: 0x20, count: width)
        p += width
    }

    mutating func beginObject() { open(0x7B) }
    mutating func beginArray() { open(0x5B) }
    mutating func endObject() { close(0x7D) }
    mutating func endArray() { close(0x5D) }

    private mutating func open(_ bracket: UInt8) {
        precondition(depth < 64, "JSONText nests at most 64 containers")
        var p = reserve(separatorRoom + 1)
        elementStart(&p)
        p.pointee = bracket
        commit(p + 1)
        depth += 1
        hasElements &= ~(1 << UInt64(depth - 1))
    }

    private mutating func close(_ bracket: UInt8) {
        let had = hasElements & (1 << UInt64(depth - 1)) != 0
        depth -= 1
        var p = reserve(3 + 2 * depth)
        if !had { p.pointee = 0x0A; p += 1 }
        p.pointee = 0x0A
        p += 1
        JSONText.indent(depth, &p)
        p.pointee = bracket
        commit(p + 1)
    }

    /// Appends a part made with `init(arrayElementsAtDepth:continuing:)` for the innermost open
    /// array; `elements` says whether the part holds any element.
    mutating func append(part: JSONText, elements: Bool) {
        var p = reserve(part.count)
        JSONText.copy(UnsafeBufferPointer(start: part.base, count: part.count), to: &p)
        commit(p)
        if elements && depth > 0 { hasElements |= 1 << UInt64(depth - 1) }
    }

    /// Notes that the innermost open array has elements (written to the file as parts of their own).
    mutating func noteElements() {
        if depth > 0 { hasElements |= 1 << UInt64(depth - 1) }
    }

    /// Writes the bytes built so far to `file` and empties the buffer (the structure state is kept).
    mutating func drain(to file: ResultsFile) throws {
        try file.write(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }

    mutating func newline() {
        let p = reserve(1)
        p.pointee = 0x0A
        commit(p + 1)
    }

    // MARK: Values

    /// `"k" : ` after the separator; `k` has nothing to escape when `plain`.
    @inline(__always)
    private mutating func writeKey(_ k: UnsafeBufferPointer<UInt8>, plain: Bool) {
        if !plain {
            var p = reserve(separatorRoom)
            elementStart(&p)
            commit(p)
            appendQuoted(k)
            p = reserve(3)
            p[0] = 0x20; p[1] = 0x3A; p[2] = 0x20
            commit(p + 3)
            afterKey = true
            return
        }
        var p = reserve(separatorRoom + k.count + 5)
        elementStart(&p)
        p.pointee = 0x22
        p += 1
        JSONText.copy(k, to: &p)
        p[0] = 0x22; p[1] = 0x20; p[2] = 0x3A; p[3] = 0x20
        commit(p + 4)
        afterKey = true
    }

    mutating func key(_ k: String) {
        var k = k
        k.withUTF8 { writeKey($0, plain: false) }
    }

    /// A key written in the source (the fields' names): its bytes as they are, having nothing
    /// to escape.
    mutating func key(_ k: StaticString) {
        k.withUTF8Buffer { u in
            assert(!u.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }, "a key with nothing to escape")
            writeKey(u, plain: true)
        }
    }

    mutating func string(_ s: String) {
        var p = reserve(separatorRoom)
        elementStart(&p)
        commit(p)
        var s = s
        s.withUTF8 { appendQuoted($0) }
    }

    mutating func int(_ v: Int) {
        var p = reserve(separatorRoom + 20)
        elementStart(&p)
        var m = v.magnitude
        if v < 0 { p.pointee = 0x2D; p += 1 }
        var digits = 1
        var x = m
        while x >= 10 { x /= 10; digits += 1 }
        var q = p + digits
        commit(q)
        repeat {
            q -= 1
            q.pointee = 0x30 + UInt8(truncatingIfNeeded: m % 10)
            m /= 10
        } while m > 0
    }

    mutating func bool(_ v: Bool) {
        var p = reserve(separatorRoom + 5)
        elementStart(&p)
        let word: StaticString = v ? "true" : "false"
        word.withUTF8Buffer { JSONText.copy($0, to: &p) }
        commit(p)
    }

    /// Throws for NaN and infinities, as `JSONEncoder` does.
    mutating func double(_ v: Double) throws {
        guard v.isFinite else {
            throw EncodingError.invalidValue(v, .init(codingPath: [], debugDescription: "Unable to encode Double.\(v) directly in JSON."))
        }
        var d = v.description
        d.withUTF8 { u in
            var n = u.count
            if n >= 2 && u[n - 1] == 0x30 && u[n - 2] == 0x2E { n -= 2 }
            var p = reserve(separatorRoom + n)
            elementStart(&p)
            JSONText.copy(UnsafeBufferPointer(rebasing: u[..<n]), to: &p)
            commit(p)
        }
    }

    // MARK: Fields (a key and its value; optional values are left out when nil, like `encodeIfPresent`)

    mutating func field(_ k: StaticString, _ v: String) { key(k); string(v) }
    mutating func field(_ k: StaticString, _ v: String?) { if let v { key(k); string(v) } }
    mutating func field(_ k: StaticString, _ v: Int) { key(k); int(v) }
    mutating func field(_ k: StaticString, _ v: Bool) { key(k); bool(v) }
    mutating func field(_ k: StaticString, _ v: Double) throws { key(k); try double(v) }
    mutating func field(_ k: StaticString, _ v: [String]) {
        key(k)
        beginArray()
        for s in v { string(s) }
        endArray()
    }

    // MARK: Strings

    /// `u` quoted and escaped (after the separator, written by the caller).
    private mutating func appendQuoted(_ u: UnsafeBufferPointer<UInt8>) {
        let n = u.count
        var p = reserve(n + 2)
        p.pointee = 0x22
        p += 1
        var start = 0
        var i = 0
        while i < n {
            // Eight bytes at a time while none needs escaping (a control byte, `"` or `\`).
            while i + 8 <= n {
                let x = UInt64(littleEndian: UnsafeRawPointer(u.baseAddress! + i).loadUnaligned(as: UInt64.self))
                if JSONText.needsEscape(x) != 0 { break }
                i += 8
            }
            if i >= n { break }
            let b = u[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C { i += 1; continue }
            JSONText.copy(UnsafeBufferPointer(rebasing: u[start..<i]), to: &p)
            commit(p)
            // The escape and the rest of the string, unescaped, at most.
            p = reserve(6 + (n - i - 1) + 1)
            p[0] = 0x5C
            switch b {
            case 0x22: p[1] = 0x22; p += 2
            case 0x5C: p[1] = 0x5C; p += 2
            case 0x08: p[1] = 0x62; p += 2
            case 0x0C: p[1] = 0x66; p += 2
            case 0x0A: p[1] = 0x6E; p += 2
            case 0x0D: p[1] = 0x72; p += 2
            case 0x09: p[1] = 0x74; p += 2
            default:
                let hex: StaticString = "0123456789abcdef"
                p[1] = 0x75; p[2] = 0x30; p[3] = 0x30
                p[4] = hex.utf8Start[Int(b >> 4)]
                p[5] = hex.utf8Start[Int(b & 0xF)]
                p += 6
            }
            i += 1
            start = i
        }
        JSONText.copy(UnsafeBufferPointer(rebasing: u[start..<n]), to: &p)
        p.pointee = 0x22
        commit(p + 1)
    }

    /// Non-zero when one of the 8 bytes of `x` is below 0x20, `"` or `\` (high bits of those
    /// bytes set; exact for the bytes before the first one that matches).
    @inline(__always)
    static func needsEscape(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zero(_ y: UInt64) -> UInt64 { (y &- ones) & ~y & highs }
        let below = (x &- ones &* 0x20) & ~x & highs
        return below | zero(x ^ (ones &* 0x22)) | zero(x ^ (ones &* 0x5C))
    }
}

/// One file being written into the results folder: unbuffered `write(2)` calls of the caller's
/// (already batched) bytes, with a running byte count.
public final class ResultsFile {
    public let path: String
    public private(set) var bytesWritten = 0
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw ResultsError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    deinit { if fd >= 0 { _ = systemClose(fd) } }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = systemWrite(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw ResultsError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            p += n
            left -= n
            bytesWritten += n
        }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }
    public func write(_ data: Data) throws { try data.withUnsafeBytes { try write($0) } }
    public func write(_ string: String) throws {
        var s = string
        try s.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    func close() throws {
        let r = systemClose(fd)
        fd = -1
        if r != 0 { throw ResultsError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }
}
