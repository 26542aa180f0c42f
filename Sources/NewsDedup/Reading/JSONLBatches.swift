import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The batches of one JSONL file, read and split into lines one after another
/// (`CorpusReader.readJSONL`): each `next` reads up to `batchBytes` more of the file behind the
/// partial line the previous batch left, and lists its complete lines. The counters (line
/// numbers, bytes left, a long line being skipped) live here, so a batch can be read on another
/// thread while the previous one is parsed; calls never overlap (the reader waits for one
/// before it asks for the next).
final class JSONLBatches: @unchecked Sendable {
    /// A batch's bytes: `malloc`'d, grown with `realloc` (never zero-filled: read(2) writes
    /// them), reused from batch to batch.
    final class Buffer: @unchecked Sendable {
        private(set) var base: UnsafeMutablePointer<UInt8>
        private(set) var capacity = 0
        /// Bytes held.
        var count = 0

        init() {
            guard let p = malloc(1) else { fatalError("out of memory") }
            base = p.bindMemory(to: UInt8.self, capacity: 1)
        }

        deinit { free(base) }

        /// Room for at least `n` bytes, the ones held kept.
        func reserve(_ n: Int) {
            if n <= capacity { return }
            let grown = max(n, capacity + capacity / 2)
            guard let p = realloc(base, grown) else { fatalError("out of memory") }
            base = p.bindMemory(to: UInt8.self, capacity: grown)
            capacity = grown
        }
    }

    /// One batch: its bytes and complete lines, and the issues splitting them raised.
    struct Batch: @unchecked Sendable {
        var buffer: Buffer
        /// File offset of the buffer's first byte.
        var offset: Int64
        var lines: [(number: Int, range: Range<Int>)] = []
        /// Lines too long (and a read error, last), in line order.
        var issues: [InputIssue] = []
        /// The read failed: `issues` ends with why, and the rest of the file is not read.
        var failed = false
        /// The file's end was reached: every line is in `lines`.
        var atEnd = false
        /// Bytes of the buffer not carried over to the next batch (-1: all).
        var consumedUpTo = -1
    }

    let reader: CorpusReader
    let file: CorpusReader.InputFile
    let handle: FileHandle
    /// The bytes the file should have left (its size when opened, less what was read): a batch
    /// reads only the room the file can use.
    private var sizeLeft: Int
    private var lineNumber = 0
    private var skippingLongLine = false
    /// Whether any byte was read.
    private(set) var sawAnything = false

    init(reader: CorpusReader, file: CorpusReader.InputFile, handle: FileHandle) {
        self.reader = reader
        self.file = file
        self.handle = handle
        var status = stat()
        sizeLeft = fstat(handle.fileDescriptor, &status) == 0 ? Int(status.st_size) : reader.configuration.batchBytes
    }

    /// The batch after `previous` (nil: the first), read into `buffer` (not `previous.buffer`).
    func next(into buffer: Buffer, after previous: Batch?) -> Batch {
        let configuration = reader.configuration
        buffer.count = 0
        var batch = Batch(buffer: buffer, offset: 0)
        if let previous {
            let consumed = previous.consumedUpTo >= 0 ? previous.consumedUpTo : previous.buffer.count
            let carry = previous.buffer.count - consumed
            buffer.reserve(carry)
            buffer.base.update(from: previous.buffer.base + consumed, count: carry)
            buffer.count = carry
            batch.offset = previous.offset + Int64(consumed)
        }
        let readCount: Int
        switch reader.readBatch(handle, into: buffer, count: configuration.batchBytes, expected: sizeLeft) {
        case .success(let n): readCount = n; sizeLeft -= n
        case .failure(let error):
            batch.issues.append(InputIssue(file: file.path, line: lineNumber + 1, action: .skipped,
                                           reason: "read error: \(error.localizedDescription); the rest of the file is skipped"))
            batch.failed = true
            return batch
        }
        let atEnd = readCount == 0
        batch.atEnd = atEnd
        if !atEnd { sawAnything = true }
        let count = buffer.count
        func tooLong(_ line: Int) {
            batch.issues.append(InputIssue(file: file.path, line: line, action: .skipped,
                                           reason: "line longer than \(configuration.maxLineBytes) bytes (reader.maxLineBytes)"))
        }
        // Split complete lines; keep the trailing partial line for the next batch. Newlines
        // found with memchr: C speed whatever the build.
        var start = 0
        let base = UnsafeRawPointer(buffer.base)
        var p = 0
        while p < count, let hit = memchr(base + p, 0x0A, count - p) {
            let i = base.distance(to: UnsafeRawPointer(hit))
            p = i + 1
            lineNumber += 1
            if skippingLongLine { skippingLongLine = false; start = i + 1; continue }
            if i - start > configuration.maxLineBytes {
                tooLong(lineNumber)
            } else {
                batch.lines.append((lineNumber, start..<i))
            }
            start = i + 1
        }
        if start < count {
            if atEnd {
                lineNumber += 1
                if count - start > configuration.maxLineBytes && !skippingLongLine {
                    tooLong(lineNumber)
                } else if !skippingLongLine {
                    batch.lines.append((lineNumber, start..<count))
                }
            } else if count - start > configuration.maxLineBytes {
                if !skippingLongLine { tooLong(lineNumber + 1) }
                skippingLongLine = true
            } else {
                batch.consumedUpTo = start
            }
        }
        return batch
    }
}

/// A value handed from one thread to another (written before a signal, read after the wait).
final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
