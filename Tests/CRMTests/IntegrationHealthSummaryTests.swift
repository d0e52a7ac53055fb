import CRM
import Testing

@Suite("integration health figures")
struct IntegrationHealthSummaryTests {
    static func summary(_ buckets: [Int64]) -> IntegrationHealthStore.Summary {
        IntegrationHealthStore.Summary(
            integration: "sirportly", calls: buckets.reduce(0, +), errors: 0, latencyBuckets: buckets, lastError: nil,
            lastErrorAt: nil)
    }

    @Test("a call's bucket: up to and including each bound, then the overflow bucket")
    func buckets() {
        #expect(IntegrationHealthStore.bucket(seconds: 0) == 0)
        #expect(IntegrationHealthStore.bucket(seconds: 0.005) == 0)
        #expect(IntegrationHealthStore.bucket(seconds: 0.0051) == 1)
        #expect(IntegrationHealthStore.bucket(seconds: 5) == IntegrationHealthStore.bucketBounds.count - 1)
        #expect(IntegrationHealthStore.bucket(seconds: 9) == IntegrationHealthStore.bucketBounds.count)
    }

    @Test("p99 is the upper bound of the bucket holding the 99th percentile call; slower than the last bound says so")
    func percentile() {
        #expect(Self.summary([100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).p99Milliseconds == 5)
        #expect(Self.summary([98, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0]).p99Milliseconds == 10)
        #expect(Self.summary([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).p99Milliseconds == 5)
        let slow = Self.summary([90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10])
        #expect(slow.p99Milliseconds == nil && slow.p99IsBeyondBounds)
        let none = Self.summary(Array(repeating: 0, count: 11))
        #expect(none.p99Milliseconds == nil && !none.p99IsBeyondBounds)
    }

    @Test("adding a minute's counts sums calls, errors and buckets and keeps the later last error")
    func addingMinutes() {
        func minute(
            _ calls: Int64, _ errors: Int64, _ buckets: [Int64], _ error: String?, _ at: Double?
        )
            -> IntegrationHealthStore.Minute
        {
            IntegrationHealthStore.Minute(
                orgID: 1, orgSlug: nil, integration: "sirportly", minute: 60, calls: calls, errors: errors,
                latencyBuckets: buckets,
                lastError: error, lastErrorAt: at)
        }
        var total = minute(2, 1, [1, 1, 0], "500 later", 90)
        total.add(minute(3, 1, [0, 2, 1], "401 earlier", 70))
        #expect(total.calls == 5 && total.errors == 2 && total.latencyBuckets == [1, 3, 1])
        #expect(total.lastError == "500 later" && total.lastErrorAt == 90)
        total.add(minute(1, 1, [1, 0, 0], "429 latest", 95))
        #expect(total.lastError == "429 latest" && total.lastErrorAt == 95)
        total.add(minute(1, 0, [1, 0, 0], nil, nil))
        #expect(total.calls == 7 && total.lastError == "429 latest")
    }
}
