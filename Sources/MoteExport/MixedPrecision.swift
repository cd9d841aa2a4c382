// Mixed precision chosen by the exporter: which layers to move from int8 to int16 (output
// activations and weights) so the model stays closest to float for the fewest extra bytes.
// A greedy search measured end to end, not a rule about any particular model.
import MoteTraining

/// One accepted move: the layer moved to int16, and the export it gave.
public struct PrecisionMove: Sendable {
    public var layer: String
    public var psnr: Double
    public var fileBytes: Int
}

public enum MixedPrecision {
    /// Starting from `options`, each round exports the model once per weighted layer not yet
    /// in int16 with that layer moved to int16, runs it on `evaluation` (images the float model
    /// is compared with: the calibration images, never test images) and keeps the move with
    /// the largest PSNR gain per added byte among those that gain at least `minGain` dB and
    /// keep the file within `maxGrowth` (a fraction) of the starting export's size. Stops when
    /// no move qualifies, or as soon as the model reaches `goal` dB when one is given (the
    /// cheapest way to a target: no layer is moved once it is met). Returns the chosen options,
    /// the starting PSNR and size, and the moves in order.
    public static func choose(_ model: Autoencoder, calibration: ImageSet, evaluation: ImageSet, options: QuantizationOptions,
                              maxGrowth: Double, minGain: Double = 0.25, goal: Double? = nil) throws -> (options: QuantizationOptions, start: PrecisionMove, moves: [PrecisionMove]) {
        func measure(_ o: QuantizationOptions) throws -> (psnr: Double, bytes: Int) {
            let bytes = try ModelWriter.write(try Lowering.lower(model, calibration: calibration, options: o))
            let file = try LoadedModel.open(bytes: bytes)
            return (try Drift.reconstruction(model, file, images: evaluation).meanPSNR, bytes.count)
        }
        let weighted = (model.encoder + model.decoder).filter { $0 is Dense || $0 is ConvolutionLayer }
        let candidates = weighted.map(\.name)
        // Moving a layer to int16 adds at least a byte per weight: skip the exports that cannot fit.
        let weightCount = Dictionary(uniqueKeysWithValues: weighted.map { ($0.name, $0.parameters.first?.count ?? 0) })
        var current = options
        var (psnr, bytes) = try measure(current)
        let start = PrecisionMove(layer: "", psnr: psnr, fileBytes: bytes)
        let budget = bytes + Int(Double(bytes) * maxGrowth)
        var moves = [PrecisionMove]()
        while psnr < goal ?? .infinity {
            var best: (move: PrecisionMove, options: QuantizationOptions, score: Double)?
            for layer in candidates where current.layers[layer] != .int16 && bytes + weightCount[layer]! <= budget {
                var trial = current
                trial.layers[layer] = .int16
                let (p, b) = try measure(trial)
                guard p - psnr >= minGain, b <= budget else { continue }
                let score = (p - psnr) / Double(max(b - bytes, 1))
                if best == nil || score > best!.score { best = (PrecisionMove(layer: layer, psnr: p, fileBytes: b), trial, score) }
            }
            guard let chosen = best else { break }
            moves.append(chosen.move)
            current = chosen.options
            (psnr, bytes) = (chosen.move.psnr, chosen.move.fileBytes)
        }
        return (current, start, moves)
    }
}
