import Foundation

extension Corpus {
    /// Article `index`'s normalised body text. The pipeline releases the texts from memory once
    /// they are tokenized (at a million articles they would take 3.5 GB); this reads a released
    /// text again from its file (a JSONL line by byte offset, a text file whole) and normalises
    /// it the same way. If the file changed since, or cannot be read, the answer is "".
    public func text(of index: Int) -> String {
        let a = articles[index]
        if !a.textReleased { return a.text }
        return textStore.text(of: a, reader: CorpusReader(configuration: readerConfiguration))
    }

    /// Releases every article's text (`text(of:)` reads it again when needed).
    public mutating func releaseTexts() {
        for i in articles.indices where !articles[i].textReleased {
            articles[i].text = ""
            articles[i].textReleased = true
        }
    }
}

/// Open files for reading released texts again, shared by threads (`pread` needs no lock).
final class TextStore: @unchecked Sendable {
    private let lock = NSLock()
    private var descriptors: [String: Int32] = [:]

    deinit {
        for fd in descriptors.values where fd >= 0 { close(fd) }
    }

    private func descriptor(_ path: String) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let fd = descriptors[path] { return fd }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        descriptors[path] = fd
        return fd
    }

    func text(of a: Article, reader: CorpusReader) -> String {
        if let offset = a.byteOffset, let line = a.line {
            let fd = descriptor(a.file)
            guard fd >= 0, a.byteLength >= 0 else { return "" }
            var bytes = [UInt8](repeating: 0, count: Int(a.byteLength))
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(a.byteLength), off_t(offset)) }
            guard got == Int(a.byteLength) else { return "" }
            let file = CorpusReader.InputFile(path: a.file, relativePath: "", folder: nil)
            return reader.textOfJSONLine(ArraySlice(bytes), file: file, line: line)
        }
        let file = CorpusReader.InputFile(path: a.file, relativePath: a.id, folder: nil)
        return reader.readTextFile(file).0?.text ?? ""
    }
}
