/// Catches work that grows faster than its input: a parser that is quadratic in the keys of an object, the
/// attributes of an element or the fields of a head. It times `work` on inputs 1×, 4× and 16× as large and
/// fails when t(k×) / t(1×) exceeds k × `slack`; a quadratic grows by k², so at 16× it needs 256 where 48 is
/// allowed.
///
/// Made for a shared, loaded machine: each size is timed `runs` times and the median is kept; the work is
/// repeated within a sample until the 1× sample takes `minimumSeconds`, so timer and scheduler noise does not
/// dominate; a check that fails is measured once more from the start (a load spike passes the second time, a
/// quadratic does not). A sample far over its allowance ends the attempt at once, so a quadratic fails fast.
public struct GrowthCheck: Sendable {
    /// What one check measured: seconds per run of `work` (the median) for each factor.
    public struct Report: Sendable, CustomStringConvertible {
        public let name: String
        public let repetitions: Int
        public let seconds: [(factor: Int, median: Double)]
        /// Why the growth is not linear, or nil when it is.
        public let failure: String?

        public var isLinear: Bool { failure == nil }

        public var description: String {
            let base = seconds.first?.median ?? 0
            let timings = seconds.map { entry in
                let ratio = base > 0 ? entry.median / base : 0
                return "\(entry.factor)×: \(Self.milliseconds(entry.median)) ms (\(Self.fixed(ratio))×)"
            }
            return "\(name): " + timings.joined(separator: ", ") + " [\(repetitions) repetitions per sample]"
                + (failure.map { " — \($0)" } ?? "")
        }

        static func milliseconds(_ seconds: Double) -> String { fixed(seconds * 1000) }

        static func fixed(_ value: Double) -> String {
            let hundredths = Int((value * 100).rounded())
            let fraction = hundredths % 100
            return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
        }
    }

    public var factors = [1, 4, 16]
    /// How much more than linear growth is tolerated: t(k×) / t(1×) ≤ k × slack.
    public var slack = 3.0
    public var runs = 5
    /// The 1× sample is repeated until it takes at least this long: long enough that being preempted for a
    /// few milliseconds by another process does not move the ratio much.
    public var minimumSeconds = 0.02
    /// Attempts before the check fails.
    public var attempts = 2

    public init() {}

    /// Measures `work` on `input(1)`, `input(4)` and `input(16)`; the inputs are built outside the timing.
    ///
    /// - Parameters:
    ///   - name: What is measured, for the report.
    ///   - input: The input `factor` times as large as the 1× one.
    ///   - work: The work to time; it should consume its input fully (a parse, a decode).
    /// - Returns: The last attempt's report; `isLinear` says whether the growth stayed within the allowance.
    public func measure<Input>(_ name: String, input: (Int) -> Input, work: (Input) -> Void) -> Report {
        var inputs: [Input] = []
        for factor in factors { inputs.append(input(factor)) }
        var report = attempt(name, inputs, work)
        var attempt = 1
        while !report.isLinear && attempt < attempts {
            attempt += 1
            report = self.attempt(name, inputs, work)
        }
        return report
    }

    private func attempt<Input>(_ name: String, _ inputs: [Input], _ work: (Input) -> Void) -> Report {
        // Warm up, then find how many repetitions make the 1× sample long enough to time.
        work(inputs[0])
        var repetitions = 1
        while Self.time(repetitions, inputs[0], work) < minimumSeconds && repetitions < 1 << 16 { repetitions *= 2 }
        var seconds: [(factor: Int, median: Double)] = []
        let base = median(runs, repetitions, inputs[0], work, abortAbove: .infinity)
        seconds.append((factors[0], base))
        for (factor, input) in zip(factors.dropFirst(), inputs.dropFirst()) {
            let allowed = base * Double(factor) / Double(factors[0]) * slack
            let measured = median(runs, repetitions, input, work, abortAbove: allowed * 4)
            seconds.append((factor, measured))
            if measured > allowed {
                let failure =
                    "\(factor)× took \(Report.fixed(measured / base))× the 1× time, more than the "
                    + "\(Report.fixed(allowed / base))× allowed (linear × \(Report.fixed(slack)))"
                return Report(name: name, repetitions: repetitions, seconds: seconds, failure: failure)
            }
        }
        return Report(name: name, repetitions: repetitions, seconds: seconds, failure: nil)
    }

    /// The median of `runs` samples, in seconds per repetition; the first sample alone when it is already over
    /// `abortAbove` (a quadratic at 16× need not be timed five times to be seen).
    private func median<Input>(
        _ runs: Int, _ repetitions: Int, _ input: Input, _ work: (Input) -> Void, abortAbove: Double
    ) -> Double {
        var samples: [Double] = []
        for _ in 0..<max(1, runs) {
            let sample = Self.time(repetitions, input, work) / Double(repetitions)
            if samples.isEmpty && sample > abortAbove { return sample }
            samples.append(sample)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    private static func time<Input>(_ repetitions: Int, _ input: Input, _ work: (Input) -> Void) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<repetitions { work(input) }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
