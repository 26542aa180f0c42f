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
        // Two buffers, used in turn: while one batch's lines are parsed (and the caller's
        // `batchDone` tokenizes them), the next batch is read into the other buffer and split
        // into lines on a thread of its own (`JSONLBatches.next`), so neither the read(2) copy
        // nor the newline scan is a serial step between the parallel ones. The partial line a
        // batch leaves is copied to the front of the next one. The buffers are raw memory, never
        // zero-filled, reused from batch to batch.
        let batches = JSONLBatches(reader: self, file: file, handle: handle)
        var current = batches.next(into: JSONLBatches.Buffer(), after: nil)
        var spare = JSONLBatches.Buffer()
        // With one worker thread the next batch is read after this one, on this thread.
        let prefetch = Parallel.threads > 1 ? DispatchQueue(label: "newsdedup.reader.prefetch") : nil
        while true {
            // Issues of the split (long lines) come before the batch's parse issues, as they did
            // when the split ran here.
            current.issues.forEach(issue)
            if current.failed { return }
            let next = UncheckedBox<JSONLBatches.Batch?>(nil)
            let ready = DispatchSemaphore(value: 0)
            if !current.atEnd, let prefetch {
                let previous = current, target = spare
                prefetch.async {
                    next.value = batches.next(into: target, after: previous)
                    ready.signal()
                }
            }
            let lines = current.lines, batchOffset = current.offset
            let bytes = UnsafeBufferPointer(start: current.buffer.base, count: current.buffer.count)
            var parsed: [[(Article?, [InputIssue])]] = withExtendedLifetime(current.buffer) {
                Parallel.mapChunks(lines.count, chunks: min(lines.count, Parallel.threads * 4)) { range in
                    range.map { k in
                        var (article, issues) = parseJSONLine(UnsafeBufferPointer(rebasing: bytes[lines[k].range]), file: file, line: lines[k].number)
                        article?.byteOffset = batchOffset + Int64(lines[k].range.lowerBound)
                        article?.byteLength = Int32(lines[k].range.count)
                        return (article, issues)
                    }
                }
            }
            // Each article is moved out of `parsed` (`take()`) and on into the corpus, not copied
            // (its six strings retained) and released with `parsed`. The rows are reached through
            // a pointer: `parsed[c][k].1` read through the arrays' subscripts copied the whole
            // row, its article too, to read the issues.
            for c in parsed.indices {
                parsed[c].withUnsafeMutableBufferPointer { rows in
                    for k in rows.indices {
                        if let a = rows[k].0.take() {
                            rows[k].1.forEach(issue)
                            article(a)
                        } else {
                            rows[k].1.forEach(issue)
                        }
                    }
                }
            }
            batchDone()
            if current.atEnd { break }
            if prefetch != nil {
                ready.wait()
                spare = current.buffer
                current = next.value!
            } else {
                let previous = current
                current = batches.next(into: spare, after: previous)
                spare = previous.buffer
            }
        }
        if !batches.sawAnything {
            issue(InputIssue(file: file.path, action: .skipped, reason: "empty file"))
        }
    }

    /// Appends up to `count` bytes of the file to `buffer` (fewer only at the end of the file), as
    /// `FileHandle.read(upToCount:)` reads them, and returns how many; read straight into the
    /// buffer's memory. `expected`: the bytes the file should have left (a file that grew is
    /// still read to its end, in smaller steps). On a read error the `FileHandle` read is tried,
    /// so the error is the one it gives.
    func readBatch(_ handle: FileHandle, into buffer: JSONLBatches.Buffer, count: Int, expected: Int) -> Result<Int, Error> {
        var got = 0
        var failed = false
        while got < count && !failed {
            // Room for what the file should have left, and a page more to find its end.
            let step = min(count - got, max(0, expected - got) + 4096)
            buffer.reserve(buffer.count + step)
            let base = buffer.base + buffer.count
            var stepGot = 0
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
            buffer.count += stepGot
            got += stepGot
            if stepGot < step && !failed { break }   // the end of the file
        }
        if failed {
            do {
                let rest = try handle.read(upToCount: count - got) ?? Data()
                buffer.reserve(buffer.count + rest.count)
                rest.copyBytes(to: buffer.base + buffer.count, count: rest.count)
                buffer.count += rest.count
                got += rest.count
            } catch {
                return .failure(error)
            }
        }
        return .success(got)
    }

    /// `parseJSONLine` of bytes in an array.
    func parseJSONLine(_ bytes: ArraySlice<UInt8>, file: InputFile, line: Int, fastPath: Bool = true) -> (Article?, [InputIssue]) {
        bytes.withUnsafeBufferPointer { parseJSONLine($0, file: file, line: line, fastPath: fastPath) }
    }

    /// `fastPath: false` forces the `JSONSerialization` path (the parity test compares both).
    func parseJSONLine(_ bytes: UnsafeBufferPointer<UInt8>, file: InputFile, line: Int, fastPath: Bool = true) -> (Article?, [InputIssue]) {
        var issues: [InputIssue] = []
        func skip(_ reason: String) -> (Article?, [InputIssue]) {
            issues.append(InputIssue(file: file.path, line: line, action: .skipped, reason: reason))
            return (nil, issues)
        }
        // Blank lines are allowed and silently ignored.
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return (nil, []) }
        if bytes.baseAddress.map({ memchr($0, 0, bytes.count) != nil }) ?? false { return skip("binary data (NUL byte) in a JSONL line") }
        if fastPath, let fast = JSONLine.parse(bytes, normalizeBody: true) {
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
