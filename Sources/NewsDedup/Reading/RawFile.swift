#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Byte-level file access with reasons a user can act on.
enum RawFile {
    struct Failure: Error { var reason: String }

    static func read(_ path: String, limit: Int) -> Result<[UInt8], Failure> {
        guard let f = fopen(path, "rb") else { return .failure(Failure(reason: openFailureReason(path))) }
        defer { fclose(f) }
        var st = stat()
        if fstat(fileno(f), &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return .failure(Failure(reason: "is a folder, not a file")) }
            if Int(st.st_size) > limit {
                return .failure(Failure(reason: "file too large: \(Int(st.st_size)) bytes, more than the \(limit)-byte limit for one article (reader.maxFileBytes)"))
            }
        }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
            if bytes.count > limit {
                return .failure(Failure(reason: "file too large: more than the \(limit)-byte limit for one article (reader.maxFileBytes)"))
            }
            if n < buffer.count {
                if ferror(f) != 0 { return .failure(Failure(reason: "read error: \(String(cString: strerror(errno)))")) }
                break
            }
        }
        return .success(bytes)
    }

    /// Why a file found by the walk cannot be read at all, checked before opening it (opening a
    /// FIFO would block the night): not a regular file, or, with `sniffBinary`, binary bytes in
    /// its first 8 KiB (a JSONL file that is not text is skipped whole, not line by line).
    /// nil when it may be read.
    static func precheck(_ path: String, sniffBinary: Bool) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return missingReason(path) }
        let kind = st.st_mode & S_IFMT
        if kind == S_IFDIR { return "is a folder, not a file" }
        if kind != S_IFREG {
            let what = kind == S_IFIFO ? "a FIFO" : kind == S_IFSOCK ? "a socket" : kind == S_IFCHR || kind == S_IFBLK ? "a device" : "not a regular file"
            return "not a regular file (\(what)): not read"
        }
        guard sniffBinary else { return nil }
        guard let f = fopen(path, "rb") else { return openFailureReason(path) }
        defer { fclose(f) }
        var head = [UInt8](repeating: 0, count: 8192)
        let n = fread(&head, 1, head.count, f)
        if n == 0 && ferror(f) != 0 { return "read error: \(String(cString: strerror(errno)))" }
        if n > 0 && looksBinary(Array(head[0..<n])) { return "binary file (NUL bytes or mostly control characters), not text" }
        return nil
    }

    /// Why `path` cannot be found: a symbolic-link loop, a broken link, or gone.
    static func missingReason(_ path: String) -> String {
        var st = stat()
        if stat(path, &st) != 0 && errno == ELOOP { return "symbolic-link loop" }
        if lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK { return "broken symbolic link (its target does not exist)" }
        return "no such file (it vanished, or a broken symbolic link)"
    }

    /// The canonical absolute path (symbolic links resolved), or nil when it cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func openFailureReason(_ path: String) -> String {
        let code = errno
        switch code {
        case EACCES: return "unreadable: permission denied"
        case ENOENT: return "no such file (it vanished, or a broken symbolic link)"
        case ELOOP: return "symbolic-link loop"
        default: return "cannot open: \(String(cString: strerror(code)))"
        }
    }

    /// NUL bytes, or more than 10% control characters in the first 8 KiB.
    static func looksBinary(_ bytes: [UInt8]) -> Bool {
        let head = bytes.prefix(8192)
        var control = 0
        for b in head {
            if b == 0 { return true }
            if b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C { control += 1 }
        }
        return control * 10 > head.count
    }

    /// Decodes UTF-8 (dropping a leading BOM), replacing invalid sequences with U+FFFD;
    /// returns the text and how many replacements were made.
    static func decodeUTF8<C: Collection>(_ bytes: C) -> (String, Int) where C.Element == UInt8 {
        var body = Array(bytes)
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body.removeFirst(3) }
        if let s = String(validating: body, as: UTF8.self) { return (s, 0) }
        var invalid = 0
        var scalars = String.UnicodeScalarView()
        var decoder = UTF8()
        var it = body.makeIterator()
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let u): scalars.append(u)
            case .error: invalid += 1; scalars.append("\u{FFFD}")
            case .emptyInput: break loop
            }
        }
        return (String(scalars), invalid)
    }
}
