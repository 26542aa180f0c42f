/// Failures of the linear-algebra layer. A nonzero LAPACK `info` is never an assertion:
/// it becomes this error, naming the routine.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// LAPACK routine `routine` returned `info` (negative: argument `-info` was illegal;
    /// positive: the algorithm did not converge or the matrix is singular).
    case lapack(routine: String, info: Int)
    case dimensionMismatch(String)
    /// The input to `routine` holds NaN or infinity.
    case nonFiniteInput(routine: String)

    public var description: String {
        switch self {
        case let .lapack(routine, info) where info < 0:
            return "LAPACK \(routine) rejected argument \(-info) (info = \(info)); this is a bug in NewsDedup, please report it"
        case let .lapack(routine, info):
            return "LAPACK \(routine) failed with info = \(info) (no convergence or a singular matrix); try fewer topics or check the input for empty articles"
        case let .nonFiniteInput(routine):
            return "the matrix given to \(routine) holds NaN or infinite values; check the input vectors"
        case let .dimensionMismatch(message):
            return "dimension mismatch: \(message)"
        }
    }
}
