// Principal components for plotting latents of more than two values.
import Foundation

/// Projection of points on their two leading principal components (power iteration on the
/// covariance, the second after deflating the first): enough to look at a 20- or 256-value latent.
public enum PrincipalComponents {
    public static func project(_ rows: [[Double]]) -> [(x: Double, y: Double)] {
        guard let d = rows.first?.count, d > 0 else { return [] }
        let n = Double(rows.count)
        let mean = (0..<d).map { k in rows.reduce(0) { $0 + $1[k] } / n }
        var cov = [Double](repeating: 0, count: d * d)
        for r in rows {
            for i in 0..<d { let a = r[i] - mean[i]; for j in 0..<d { cov[i * d + j] += a * (r[j] - mean[j]) } }
        }
        func leading(_ m: [Double]) -> [Double] {
            var v = (0..<d).map { 1 + Double($0 % 7) * 0.1 }
            for _ in 0..<200 {
                var w = [Double](repeating: 0, count: d)
                for i in 0..<d { for j in 0..<d { w[i] += m[i * d + j] * v[j] } }
                let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 0 else { break }
                v = w.map { $0 / norm }
            }
            return v
        }
        let first = leading(cov)
        var lambda = 0.0
        for i in 0..<d { for j in 0..<d { lambda += first[i] * cov[i * d + j] * first[j] } }
        var deflated = cov
        for i in 0..<d { for j in 0..<d { deflated[i * d + j] -= lambda * first[i] * first[j] } }
        let second = leading(deflated)
        return rows.map { r in
            var x = 0.0, y = 0.0
            for k in 0..<d { x += (r[k] - mean[k]) * first[k]; y += (r[k] - mean[k]) * second[k] }
            return (x, y)
        }
    }
}
