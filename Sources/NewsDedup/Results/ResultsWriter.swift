import Foundation

/// Errors writing results.
public enum ResultsError: LocalizedError, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason): return "cannot write \(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}

/// Writes a results folder atomically: every file goes into a temporary sibling folder
/// (`<out>.tmp-<pid>`), the manifest last, then the folder is renamed into place. A crash
/// at any point leaves the previous results untouched.
public struct ResultsWriter {
    public let output: String

    public init(output: String) { self.output = output }

    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        var data = try encoder().encode(value)
        data.append(0x0A)
        return data
    }

    /// Writes `files` (name -> bytes) then `manifest.json`, and swaps the folder into place.
    public func write(files: [(String, Data)], manifest: () throws -> Data) throws {
        try write(streaming: files.map { (name, data) in (name, { try $0.write(data) }) }, manifest: manifest)
    }

    /// Writes each file of `streaming` by calling its producer with the open file (in order;
    /// a producer streams its bytes instead of handing over the whole file), then `manifest.json`,
    /// and swaps the folder into place.
    public func write(streaming files: [(String, (ResultsFile) throws -> Void)], manifest: () throws -> Data) throws {
        let fm = FileManager.default
        let out = URL(fileURLWithPath: output).standardizedFileURL
        let parent = out.deletingLastPathComponent()
        let pid = ProcessInfo.processInfo.processIdentifier
        let tmp = parent.appendingPathComponent(out.lastPathComponent + ".tmp-\(pid)")
        let old = parent.appendingPathComponent(out.lastPathComponent + ".old-\(pid)")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            if fm.fileExists(atPath: tmp.path) { try fm.removeItem(at: tmp) }
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            for (name, produce) in files {
                let file = try ResultsFile(path: tmp.appendingPathComponent(name).path)
                try produce(file)
                try file.close()
            }
            try manifest().write(to: tmp.appendingPathComponent("manifest.json"), options: .atomic)
            if fm.fileExists(atPath: out.path) {
                try fm.moveItem(at: out, to: old)
                try fm.moveItem(at: tmp, to: out)
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: tmp, to: out)
            }
        } catch {
            try? fm.removeItem(at: tmp)
            if !fm.fileExists(atPath: out.path) && fm.fileExists(atPath: old.path) {
                try? fm.moveItem(at: old, to: out)
            }
            throw ResultsError.cannotWrite(path: output, reason: "\(error.localizedDescription)")
        }
    }
}
