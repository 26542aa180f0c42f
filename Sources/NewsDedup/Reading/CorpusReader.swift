import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LinearAlgebra

/// Reads articles from files and folders: the seed format and plain `.txt` (one article per
/// file), and `.jsonl` / `.ndjson` (one article per line). Folders are walked recursively in
/// sorted order. JSONL is streamed in batches, so the raw bytes are never all in memory.
/// Nothing here throws for bad input: every problem becomes an `InputIssue` and the run goes on.
public struct CorpusReader: Sendable {
    public var configuration: ReaderConfiguration

    public init(configuration: ReaderConfiguration = ReaderConfiguration()) {
        self.configuration = configuration
    }

    static let textExtensions: Set<String> = ["txt"]
    static let jsonlExtensions: Set<String> = ["jsonl", "ndjson"]

    /// A file to read: its path on disk and the id prefix relative to its input root.
    struct InputFile {
        var path: String
        var relativePath: String
        /// The containing folder's name relative to the root (the source for `.txt` articles).
        var folder: String?
    }

    public func read(paths: [String]) -> Corpus {
        read(paths: paths) { _, _ in }
    }

    /// Reads `paths`, calling `batch(&corpus, range)` after each batch of articles is added
    /// (`range` indexes `corpus.articles`), so a caller can process and release texts while
    /// the input streams: the texts of a whole night never need to be in memory at once.
    public func read(paths: [String], batch: (inout Corpus, Range<Int>) -> Void) -> Corpus {
        var corpus = Corpus(articles: [])
        corpus.readerConfiguration = configuration
        var seenIDs = Set<String>()
        var files: [InputFile] = []
        for path in paths {
            collect(path: path, into: &files, corpus: &corpus)
        }
        // Text files are read in parallel batches; JSONL files stream line batches in parallel.
        var pendingText: [InputFile] = []
        var delivered = 0
        func deliver() {
            if corpus.articles.count > delivered {
                batch(&corpus, delivered..<corpus.articles.count)
                delivered = corpus.articles.count
            }
        }
        func flushText() {
            if pendingText.isEmpty { return }
            let batch = pendingText
            let results = Parallel.mapChunks(batch.count, chunks: min(batch.count, Parallel.threads * 4)) { range in
                range.map { readTextFile(batch[$0]) }
            }
            for chunk in results {
                for (article, issues) in chunk {
                    corpus.issues.append(contentsOf: issues)
                    if let article { accept(article, into: &corpus, seen: &seenIDs) }
                }
            }
            pendingText.removeAll(keepingCapacity: true)
            deliver()
        }
        for file in files {
            corpus.files.append(file.path)
            let ext = (file.path as NSString).pathExtension.lowercased()
            if let reason = RawFile.precheck(file.path, sniffBinary: Self.jsonlExtensions.contains(ext)) {
                corpus.issues.append(InputIssue(file: file.path, action: .skipped, reason: reason))
                continue
            }
            if Self.jsonlExtensions.contains(ext) {
                flushText()
                readJSONL(file) { article in accept(article, into: &corpus, seen: &seenIDs) } issue: { corpus.issues.append($0) } batchDone: { deliver() }
            } else {
                pendingText.append(file)
                if pendingText.count >= 1024 { flushText() }
            }
        }
        flushText()
        return corpus
    }

    private func accept(_ article: consuming Article, into corpus: inout Corpus, seen: inout Set<String>) {
        if seen.insert(article.id).inserted {
            corpus.articles.append(article)
        } else {
            corpus.issues.append(InputIssue(
                file: article.file, line: article.line, action: .skipped,
                reason: "duplicate id '\(article.id)': an earlier article has the same id; ids must be unique"))
        }
    }

    // MARK: - Finding files

    private func collect(path: String, into files: inout [InputFile], corpus: inout Corpus) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            corpus.issues.append(InputIssue(file: path, action: .skipped, reason: "no such file or folder"))
            return
        }
        if isDirectory.boolValue {
            var visited = Set<String>()
            walk(folder: path, relative: "", into: &files, corpus: &corpus, visited: &visited)
        } else {
            let name = (path as NSString).lastPathComponent
            let ext = (name as NSString).pathExtension.lowercased()
            if Self.textExtensions.contains(ext) || Self.jsonlExtensions.contains(ext) {
                files.append(InputFile(path: path, relativePath: name, folder: nil))
            } else {
                corpus.issues.append(InputIssue(
                    file: path, action: .skipped,
                    reason: "unsupported file type '.\(ext)': give .txt (seed or plain text), .jsonl or .ndjson"))
            }
        }
    }

    private func walk(folder: String, relative: String, into files: inout [InputFile],
                      corpus: inout Corpus, visited: inout Set<String>) {
        // Key folders by their real path (realpath(3)), so a link back up the tree is seen.
        let real = RawFile.realPath(folder) ?? folder
        guard visited.insert(real).inserted else {
            corpus.issues.append(InputIssue(file: folder, action: .skipped, reason: "symbolic-link loop: this folder was already read"))
            return
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            corpus.issues.append(InputIssue(file: folder, action: .skipped, reason: "cannot list folder: \(error.localizedDescription)"))
            return
        }
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !name.hasPrefix(".") {
            let full = (folder as NSString).appendingPathComponent(name)
            let rel = relative.isEmpty ? name : relative + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else {
                corpus.issues.append(InputIssue(file: full, action: .skipped, reason: RawFile.missingReason(full)))
                continue
            }
            if isDirectory.boolValue {
                walk(folder: full, relative: rel, into: &files, corpus: &corpus, visited: &visited)
            } else {
                let ext = (name as NSString).pathExtension.lowercased()
                if Self.textExtensions.contains(ext) || Self.jsonlExtensions.contains(ext) {
                    let folderName = relative.isEmpty ? nil : (relative as NSString).lastPathComponent
                    files.append(InputFile(path: full, relativePath: rel, folder: folderName))
                } else {
                    corpus.ignoredFiles.append(full)
                }
            }
        }
    }

    // MARK: - Text files

    func readTextFile(_ file: InputFile) -> (Article?, [InputIssue]) {
        var issues: [InputIssue] = []
        func skip(_ reason: String) -> (Article?, [InputIssue]) {
            issues.append(InputIssue(file: file.path, action: .skipped, reason: reason))
            return (nil, issues)
        }
        let bytes: [UInt8]
        switch RawFile.read(file.path, limit: configuration.maxFileBytes) {
        case .failure(let error): return skip(error.reason)
        case .success(let b): bytes = b
        }
        if bytes.isEmpty { return skip("empty file") }
        if RawFile.looksBinary(bytes) { return skip("binary file (NUL bytes or mostly control characters), not text") }
        let (content, invalid) = RawFile.decodeUTF8(bytes)
        if invalid > 0 {
            issues.append(InputIssue(file: file.path, action: .repaired,
                                     reason: "invalid UTF-8: \(invalid) byte sequence(s) replaced with U+FFFD"))
        }
        let parsed = TextArticleParser.parse(content)
        var date: Day?
        if let dateText = parsed.dateText {
            date = Day(iso: dateText)
            if date == nil {
                issues.append(InputIssue(file: file.path, line: 1, action: .repaired,
                                         reason: "impossible or malformed date '\(dateText)' (want YYYY-MM-DD); article kept without a date"))
            }
        }
        let title = TextNormalizer.line(parsed.title)
        let body = TextNormalizer.body(parsed.body)
        if title.isEmpty && body.isEmpty { return skip("no text: the file holds only whitespace") }
        let article = Article(
            id: file.relativePath, title: title, text: body, date: date, source: file.folder,
            url: nil, file: file.path, line: nil)
        return (article, issues)
    }

    // MARK: - JSONL

    func readJSONL(_ file: InputFile, article: (consuming Article) -> Void, issue: (InputIssue) -> Void, batchDone: () -> Void = {}) {
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            issue(InputIssue(file: file.path, action: .skipped, reason: RawFile.openFailureReason(file.path)))
            return
        }
        defer { try? handle.close() }
        // One buffer for the whole file: the partial line a batch leaves is moved to its front
        // and the next batch is read in after it, straight from the file (no `Data` per batch,
        // no copy into a new array, no fresh pages to fault in for every 8 MiB).
        var buffer = [UInt8]()
        // The file's size when opened: a batch fills (and pages in) only the room the file can
        // use, so a small file does not clear a whole batch's worth of buffer.
        var status = stat()
        var sizeLeft = fstat(handle.fileDescriptor, &status) == 0 ? Int(status.st_size) : configuration.batchBytes
        var bufferOffset: Int64 = 0   // file offset of the buffer's first byte
        var lineNumber = 0
        var sawAnything = false
        var skippingLongLine = false
        while true {
            let readCount: Int
            switch readBatch(handle, into: &buffer, count: configuration.batchBytes, expected: sizeLeft) {
            case .success(let n): readCount = n; sizeLeft -= n
            case .failure(let error):
                issue(InputIssue(file: file.path, line: lineNumber + 1, action: .skipped,
                                 reason: "read error: \(error.localizedDescription); the rest of the file is skipped"))
                return
            }
            let atEnd = readCount == 0
            if !atEnd { sawAnything = true }
            var consumedUpTo = -1   // bytes of this buffer not carried over (-1: all)
            // Split complete lines; keep the trailing partial line for the next batch.
            var lines: [(number: Int, range: Range<Int>)] = []
            var start = 0
            // Newlines found with memchr: C speed whatever the build (a 100 MB file is read in
            // well under a second of splitting).
            let newlines: [Int] = buffer.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return [] }
                var out: [Int] = []
                var p = 0
                while p < raw.count, let hit = memchr(base + p, 0x0A, raw.count - p) {
                    let i = base.distance(to: UnsafeRawPointer(hit))
                    out.append(i)
                    p = i + 1
                }
                return out
            }
            for i in newlines {
                lineNumber += 1
                if skippingLongLine { skippingLongLine = false; start = i + 1; continue }
                if i - start > configuration.maxLineBytes {
                    issue(InputIssue(file: file.path, line: lineNumber, action: .skipped,
                                     reason: "line longer than \(configuration.maxLineBytes) bytes (reader.maxLineBytes)"))
                } else {
                    lines.append((lineNumber, start..<i))
                }
                start = i + 1
            }
            if start < buffer.count {
                if atEnd {
                    lineNumber += 1
                    if buffer.count - start > configuration.maxLineBytes && !skippingLongLine {
                        issue(InputIssue(file: file.path, line: lineNumber, action: .skipped,
                                         reason: "line longer than \(configuration.maxLineBytes) bytes (reader.maxLineBytes)"))
                    } else if !skippingLongLine {
                        lines.append((lineNumber, start..<buffer.count))
                    }
                } else if buffer.count - start > configuration.maxLineBytes {
                    if !skippingLongLine {
                        issue(InputIssue(file: file.path, line: lineNumber + 1, action: .skipped,
                                         reason: "line longer than \(configuration.maxLineBytes) bytes (reader.maxLineBytes)"))
                    }
                    skippingLongLine = true
                } else {
                    consumedUpTo = start
                }
            }
            var parsed: [[(Article?, [InputIssue])]] = []
            do {
                // `batch` ends with this block: the buffer is unshared again before it is reused.
                let batch = buffer, batchOffset = bufferOffset
                parsed = Parallel.mapChunks(lines.count, chunks: min(lines.count, Parallel.threads * 4)) { range in
                    range.map { k in
                        var (article, issues) = parseJSONLine(batch[lines[k].range], file: file, line: lines[k].number)
                        article?.byteOffset = batchOffset + Int64(lines[k].range.lowerBound)
                        article?.byteLength = Int32(lines[k].range.count)
                        return (article, issues)
                    }
                }
            }
            // Each article is moved out of `parsed` (`take()`) and on into the corpus, not copied
            // (its six strings retained) and released with `parsed`.
            for c in parsed.indices {
                for k in parsed[c].indices {
                    parsed[c][k].1.forEach(issue)
                    if let a = parsed[c][k].0.take() { article(a) }
                }
            }
            bufferOffset += Int64(consumedUpTo >= 0 ? consumedUpTo : buffer.count)
            // Keep only the partial line (`batch` is gone: the buffer is not copied).
            buffer.removeSubrange(0..<(consumedUpTo >= 0 ? consumedUpTo : buffer.count))
            batchDone()
            if atEnd { break }
        }
        if !sawAnything {
            issue(InputIssue(file: file.path, action: .skipped, reason: "empty file"))
        }
    }

    /// Appends up to `count` bytes of the file to `buffer` (fewer only at the end of the file), as
    /// `FileHandle.read(upToCount:)` reads them, and returns how many; read into the buffer's own
    /// storage, so a buffer kept from batch to batch reuses its pages. `expected`: the bytes the
    /// file should have left (a file that grew is still read to its end, in smaller steps). On a
    /// read error the `FileHandle` read is tried, so the error is the one it gives.
    func readBatch(_ handle: FileHandle, into buffer: inout [UInt8], count: Int, expected: Int) -> Result<Int, Error> {
        var got = 0
        var failed = false
        while got < count && !failed {
            // Room for what the file should have left, and a page more to find its end.
            let step = min(count - got, max(0, expected - got) + 4096)
            let start = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: step))
            var stepGot = 0
            buffer.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress! + start
                while stepGot < step {
                    #if canImport(Glibc)
                    let r = Glibc.read(handle.fileDescriptor, base + stepGot, step - stepGot)
                    let interrupted = r < 0 && errno == EINTR
                    #elseif canImport(Darwin)
                    let r = Darwin.read(handle.fileDescriptor, base + stepGot, step - stepGot)
                    let interrupted = r < 0 && errno == EINTR
                    #else
                    let r = -1, interrupted = false   // no read(2) here: FileHandle reads it below
                    #endif
                    if r > 0 { stepGot += r } else if r == 0 { break } else if !interrupted { failed = true; break }
                }
            }
            buffer.removeLast(step - stepGot)
            got += stepGot
            if stepGot < step && !failed { break }   // the end of the file
        }
        if failed {
            do {
                let rest = try handle.read(upToCount: count - got) ?? Data()
                buffer.append(contentsOf: rest)
                got += rest.count
            } catch {
                return .failure(error)
            }
        }
        return .success(got)
    }

    /// `fastPath: false` forces the `JSONSerialization` path (the parity test compares both).
    func parseJSONLine(_ bytes: ArraySlice<UInt8>, file: InputFile, line: Int, fastPath: Bool = true) -> (Article?, [InputIssue]) {
        var issues: [InputIssue] = []
        func skip(_ reason: String) -> (Article?, [InputIssue]) {
            issues.append(InputIssue(file: file.path, line: line, action: .skipped, reason: reason))
            return (nil, issues)
        }
        // Blank lines are allowed and silently ignored.
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return (nil, []) }
        if bytes.withUnsafeBytes({ raw in raw.baseAddress.map { memchr($0, 0, raw.count) != nil } ?? false }) { return skip("binary data (NUL byte) in a JSONL line") }
        if fastPath, let fast = bytes.withUnsafeBufferPointer({ JSONLine.parse($0, normalizeBody: true) }) {
            return makeArticle(id: fast.id!, rawTitle: fast.title ?? "", rawText: fast.text ?? "", textNormalized: fast.textNormalized,
                               date: fast.date.map { .string($0) } ?? .none, source: fast.source, url: fast.url,
                               file: file, line: line, issues: issues)
        }
        var data = Data(bytes)
        var object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        if object == nil {
            let (text, invalid) = RawFile.decodeUTF8(Array(bytes))
            if invalid > 0 {
                data = Data(text.utf8)
                object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
                if object != nil {
                    issues.append(InputIssue(file: file.path, line: line, action: .repaired,
                                             reason: "invalid UTF-8: \(invalid) byte sequence(s) replaced with U+FFFD"))
                }
            }
        }
        guard let parsedObject = object else { return skip("malformed JSON: not a valid JSON object on this line") }
        guard let dict = parsedObject as? [String: Any] else { return skip("malformed article: the line is JSON but not an object") }

        let id: String
        switch dict["id"] {
        case let s as String where !s.isEmpty: id = s
        case let n as NSNumber:
            let d = n.doubleValue
            id = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : n.stringValue
        case nil, is NSNull:
            id = "\(file.relativePath):\(line)"
            issues.append(InputIssue(file: file.path, line: line, action: .repaired,
                                     reason: "no 'id': the article was given the id '\(id)'"))
        default:
            return skip("'id' must be a non-empty string or a number")
        }
        let date: RawDate
        switch dict["date"] {
        case nil, is NSNull: date = .none
        case let s as String: date = .string(s)
        default: date = .notString
        }
        return makeArticle(id: id, rawTitle: dict["title"] as? String ?? "", rawText: dict["text"] as? String ?? "",
                           date: date, source: dict["source"] as? String, url: dict["url"] as? String,
                           file: file, line: line, issues: issues)
    }

    /// The normalised text of the article on a JSONL line, as `parseJSONLine(...).0?.text ?? ""`
    /// gives it, without the rest of the article (title, source, date, id repairs) when the fast
    /// reader takes the line: re-reading a released text needs only the text.
    func textOfJSONLine(_ bytes: ArraySlice<UInt8>, file: InputFile, line: Int) -> String {
        if !bytes.withUnsafeBytes({ raw in raw.baseAddress.map { memchr($0, 0, raw.count) != nil } ?? false }),
           let fast = bytes.withUnsafeBufferPointer({ JSONLine.parse($0, normalizeBody: true) }) {
            // `parseJSONLine` keeps an article with an empty text when its title is not empty,
            // and skips it otherwise: the text is "" either way.
            let raw = fast.text ?? ""
            return fast.textNormalized ? raw : TextNormalizer.body(raw)
        }
        return parseJSONLine(bytes, file: file, line: line).0?.text ?? ""
    }

    /// `id` without leading and trailing whitespace and newlines (`CharacterSet.whitespacesAndNewlines`).
    /// An id that starts and ends with an ASCII byte that is not whitespace (almost every id) has
    /// nothing to trim: returned as it is, without Foundation's bridged trimming.
    static func trimmedID(_ id: String) -> String {
        @inline(__always) func keeps(_ b: UInt8?) -> Bool {
            guard let b else { return false }
            return b < 0x80 && b != 0x20 && !(b >= 0x09 && b <= 0x0D)
        }
        if keeps(id.utf8.first) && keeps(id.utf8.last) { return id }
        return id.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    enum RawDate { case none, string(String), notString }

    /// The article from a line's raw fields (either parser), with the repairs both share.
    /// `textNormalized`: `rawText` is already `TextNormalizer.body` of the raw text.
    func makeArticle(id rawID: String, rawTitle: String, rawText: String, textNormalized: Bool = false,
                     date rawDate: RawDate, source rawSource: String?,
                     url rawURL: String?, file: InputFile, line: Int, issues: [InputIssue]) -> (Article?, [InputIssue]) {
        var issues = issues
        let id = CorpusReader.trimmedID(rawID)
        let text = textNormalized ? rawText : TextNormalizer.body(rawText)
        var title = TextNormalizer.line(rawTitle)
        if text.isEmpty && title.isEmpty {
            issues.append(InputIssue(file: file.path, line: line, action: .skipped,
                                     reason: "no text: 'title' and 'text' are both missing or empty"))
            return (nil, issues)
        }
        if title.isEmpty { title = TextNormalizer.line(String(text.prefix(120))) }

        var date: Day?
        switch rawDate {
        case .none: break
        case let .string(s):
            if !s.isEmpty {
                date = Day(iso: s)
                if date == nil {
                    issues.append(InputIssue(file: file.path, line: line, action: .repaired,
                                             reason: "impossible or malformed date '\(s.prefix(40))' (want YYYY-MM-DD or ISO 8601); article kept without a date"))
                }
            }
        case .notString:
            issues.append(InputIssue(file: file.path, line: line, action: .repaired,
                                     reason: "'date' is not a string; article kept without a date"))
        }
        let source = rawSource.map { TextNormalizer.line($0) }.flatMap { $0.isEmpty ? nil : $0 }
        let url = rawURL.flatMap { $0.isEmpty ? nil : $0 }
        return (Article(id: id, title: title, text: text, date: date, source: source, url: url,
                        file: file.path, line: line), issues)
    }
}
