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
struct JSONText {
    private(set) var bytes: [UInt8] = []
    /// Per open container: whether an element was written (so the next needs a comma).
    private var hasElements: [Bool] = []
    private var afterKey = false

    init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// A part that continues the innermost array of a document nested `depth` containers deep
    /// (e.g. 2 for the elements of `"groups" : [` in the root object); `continuing` when that
    /// array already has elements before this part.
    init(arrayElementsAtDepth depth: Int, continuing: Bool, capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
        hasElements = [Bool](repeating: true, count: max(0, depth - 1)) + [continuing]
    }

    var isEmpty: Bool { bytes.isEmpty }

    // MARK: Structure

    @inline(__always)
    private mutating func indent(_ n: Int) {
        let width = 2 * n
        if width <= JSONText.spaces.count {
            JSONText.spaces.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<width])) }
        } else {
            for _ in 0..<width { bytes.append(0x20) }
        }
    }

    private static let spaces = [UInt8](repeating: 0x20, count: 32)

    /// Separator and indentation before a value (none right after a key or at the top level).
    @inline(__always)
    private mutating func elementStart() {
        if afterKey { afterKey = false; return }
        guard let last = hasElements.indices.last else { return }
        if hasElements[last] { bytes.append(0x2C) }
        hasElements[last] = true
        bytes.append(0x0A)
        indent(hasElements.count)
    }

    mutating func beginObject() { elementStart(); bytes.append(0x7B); hasElements.append(false) }
    mutating func beginArray() { elementStart(); bytes.append(0x5B); hasElements.append(false) }
    mutating func endObject() { close(0x7D) }
    mutating func endArray() { close(0x5D) }

    private mutating func close(_ bracket: UInt8) {
        if !hasElements.removeLast() { bytes.append(0x0A) }
        bytes.append(0x0A)
        indent(hasElements.count)
        bytes.append(bracket)
    }

    /// Appends a part made with `init(arrayElementsAtDepth:continuing:)` for the innermost open
    /// array; `elements` says whether the part holds any element.
    mutating func append(part: JSONText, elements: Bool) {
        bytes.append(contentsOf: part.bytes)
        if elements, let last = hasElements.indices.last { hasElements[last] = true }
    }

    /// Writes the bytes built so far to `file` and empties the buffer (the structure state is kept).
    mutating func drain(to file: ResultsFile) throws {
        try file.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func newline() { bytes.append(0x0A) }

    // MARK: Values

    mutating func key(_ k: String) {
        elementStart()
        appendQuoted(k)
        // " : ", byte by byte (an array literal here costs an allocation per key).
        bytes.append(0x20)
        bytes.append(0x3A)
        bytes.append(0x20)
        afterKey = true
    }

    /// A key written in the source (the fields' names): its bytes as they are, having nothing
    /// to escape.
    mutating func key(_ k: StaticString) {
        elementStart()
        bytes.append(0x22)
        k.withUTF8Buffer { u in
            assert(!u.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }, "a key with nothing to escape")
            bytes.append(contentsOf: u)
        }
        bytes.append(0x22)
        bytes.append(0x20)
        bytes.append(0x3A)
        bytes.append(0x20)
        afterKey = true
    }

    mutating func string(_ s: String) {
        elementStart()
        appendQuoted(s)
    }

    mutating func int(_ v: Int) {
        elementStart()
        bytes.append(contentsOf: String(v).utf8)
    }

    mutating func bool(_ v: Bool) {
        elementStart()
        bytes.append(contentsOf: (v ? "true" : "false").utf8)
    }

    /// Throws for NaN and infinities, as `JSONEncoder` does.
    mutating func double(_ v: Double) throws {
        guard v.isFinite else {
            throw EncodingError.invalidValue(v, .init(codingPath: [], debugDescription: "Unable to encode Double.\(v) directly in JSON."))
        }
        elementStart()
        let d = v.description
        var utf8 = d.utf8[...]
        if utf8.count >= 2, utf8.last == 0x30, utf8[utf8.index(utf8.endIndex, offsetBy: -2)] == 0x2E {
            utf8 = utf8.dropLast(2)
        }
        bytes.append(contentsOf: utf8)
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

    private mutating func appendQuoted(_ s: String) {
        bytes.append(0x22)
        var s = s
        s.withUTF8 { u in
            var start = 0
            for i in 0..<u.count {
                let b = u[i]
                if b >= 0x20 && b != 0x22 && b != 0x5C { continue }
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i])) }
                start = i + 1
                switch b {
                case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
                case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x08: bytes.append(contentsOf: [0x5C, 0x62])
                case 0x0C: bytes.append(contentsOf: [0x5C, 0x66])
                case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
                case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
            }
            if start < u.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<u.count])) }
        }
        bytes.append(0x22)
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
