/// Exponential backoff with jitter: attempt n (1-based) waits base·2^(n−1), capped at `maximum`, then scaled by a
/// random factor in [0.5, 1) so workers that failed together do not retry together.
public struct Backoff: Sendable {
    public let base: Double
    public let maximum: Double

    public init(base: Double, maximum: Double) {
        self.base = base
        self.maximum = maximum
    }

    /// Seconds to wait after failed attempt `attempt`; `jitter` is in [0, 1).
    public func delay(afterAttempt attempt: Int, jitter: Double = Double.random(in: 0..<1)) -> Double {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let capped = min(maximum, base * pow2(exponent))
        return capped * (0.5 + 0.5 * jitter)
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) {
            value *= 2
            if value > 1e12 { break }
        }
        return value
    }
}
