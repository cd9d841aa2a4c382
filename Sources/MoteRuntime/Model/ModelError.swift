// Why a model cannot be opened or run. A code (stable, also the C interface's return value),
// the record it concerns when there is one, and a sentence that says what is wrong.

public enum ModelErrorCode: Int32, Sendable {
    case truncated = 1, badMagic, unsupportedVersion, checksumMismatch, badSectionTable, missingSection,
         badTensor, badOp, badSubgraph, arenaTooSmall, misalignedArena, misalignedModel, noSuchSubgraph, badArgument

    /// What the code means, for people (also `mote_error_string` in C).
    public var summary: StaticString {
        switch self {
        case .truncated: return "the model buffer is shorter than the file it holds (truncated or not a .mote file)"
        case .badMagic: return "not a .mote file (the first four bytes are not \"MOTE\")"
        case .unsupportedVersion: return "the file's major version is not one this runtime reads; re-export the model with this version of mote"
        case .checksumMismatch: return "the checksum does not match the contents: the file is damaged"
        case .badSectionTable: return "a section lies outside the file, is misaligned, has a bad length or appears twice"
        case .missingSection: return "a required section (TENS, OPS_, SUBG or CONS) is missing"
        case .badTensor: return "a tensor record is invalid (type, shape, zero point or arena placement)"
        case .badOp: return "an op record is invalid (kind, tensors, shapes, parameters or constants)"
        case .badSubgraph: return "a subgraph record is invalid (kind, op range, tensors or multipliers)"
        case .arenaTooSmall: return "the arena buffer is smaller than the model's arena size"
        case .misalignedArena: return "the arena buffer does not start at a multiple of 16 bytes"
        case .misalignedModel: return "the model buffer does not start at a multiple of 8 bytes"
        case .noSuchSubgraph: return "the model has no such subgraph"
        case .badArgument: return "an argument does not match the tensor (count or type)"
        }
    }
}

public struct ModelError: Error, Sendable {
    public var code: ModelErrorCode
    /// The tensor, op or subgraph record concerned, or -1.
    public var index: Int32
    /// The specific check that failed.
    public var detail: StaticString

    @inlinable public init(_ code: ModelErrorCode, index: Int = -1, _ detail: StaticString = "") {
        self.code = code; self.index = Int32(truncatingIfNeeded: index); self.detail = detail
    }
}
