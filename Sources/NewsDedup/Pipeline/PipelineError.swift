/// A run that stops on purpose.
public enum PipelineError: Error, CustomStringConvertible, Sendable {
    /// `--strict` and some inputs had to be skipped: nothing was written or committed.
    case skippedInputs(Int)

    public var description: String {
        switch self {
        case let .skippedInputs(n):
            return "--strict: \(n) input\(n == 1 ? " was" : "s were") skipped (see the warnings); the previous results and state are kept"
        }
    }
}
