import Foundation
import NewsDedup

/// Fuzz target for the readers: each input is written as a `.jsonl` file and as a `.txt` file
/// and read back; the reader must never crash, and what it returns must be well formed.
/// Built with `-sanitize=fuzzer -D FUZZING` by scripts/fuzz-readers.sh (libFuzzer provides
/// `main`); built normally it replays the files given on the command line.
enum ReaderFuzz {
    static let folder: String = {
        let path = NSTemporaryDirectory() + "newsdedup-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static func check(_ bytes: Data) {
        for name in ["input.jsonl", "input.txt"] {
            let path = (folder as NSString).appendingPathComponent(name)
            _ = FileManager.default.createFile(atPath: path, contents: bytes)
            var configuration = ReaderConfiguration()
            configuration.maxFileBytes = 1 << 20
            configuration.maxLineBytes = 1 << 16
            configuration.batchBytes = 4096   // small batches exercise the line carry-over
            let corpus = CorpusReader(configuration: configuration).read(paths: [path])
            var ids = Set<String>()
            for a in corpus.articles {
                precondition(!a.id.isEmpty, "empty id")
                precondition(ids.insert(a.id).inserted, "duplicate id \(a.id)")
                precondition(!(a.title.isEmpty && a.text.isEmpty), "empty article accepted")
                precondition(!a.text.contains("\r"), "carriage return left in the text")
                precondition(!a.text.contains("  "), "whitespace not collapsed")
            }
            for issue in corpus.issues { precondition(!issue.reason.isEmpty, "issue without a reason") }
            if !corpus.articles.isEmpty {
                // The analysis must take whatever the reader accepted.
                let analyzed = TextAnalyzer(tfidf: TFIDFConfiguration(), shingleSize: 3).analyze(corpus.articles)
                precondition(analyzed.documentCount == corpus.articles.count)
            }
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReaders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ReaderFuzz.check(Data(bytes: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point as `<module>_main`; hand over to libFuzzer's driver.
@_cdecl("reader_fuzz_main")
public func readerFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzReaders)
}
#else
@main
struct ReplayMain {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            ReaderFuzz.check(data)
            print("ok \(path)")
        }
    }
}
#endif
