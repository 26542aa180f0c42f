/// Failures of the linear-algebra layer. A nonzero LAPACK `info` is never an assertion:
/// it becomes this error, naming the routine.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// LAPACK routine `routine` returned `info` (negative: argument `-info` was illegal;
    /// positive: the algorithm did not converge or the matrix is singular).
    case lapack(routine: String, info: Int)
    case dimensionMismatch(String)

    public var description: String {
        switch self {
        case let .lapack(routine, info) where info < 0:
            return "LAPACK \(routine) rejected argument \(-info) (info = \(info)); this is a bug in NewsDedup, please report it"
        case let .lapack(routine, info):
            return "LAPACK \(routine) failed with info = \(info) (no convergence or a singular matrix); try fewer topics or check the input for empty articles"
        case let .dimensionMismatch(message):
            return "dimension mismatch: \(message)"
        }
    }
}
