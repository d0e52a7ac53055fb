import Testing

@testable import Delivery

@Suite("Backoff")
struct BackoffTests {
    @Test("each retry waits twice as long, capped, with jitter between half and all of it")
    func doubling() {
        let backoff = Backoff(base: 30, maximum: 3600)
        #expect(backoff.delay(afterAttempt: 1, jitter: 0.999_999) > 29.99)
        #expect(backoff.delay(afterAttempt: 1, jitter: 0) == 15)
        #expect(backoff.delay(afterAttempt: 2, jitter: 0) == 30)
        #expect(backoff.delay(afterAttempt: 3, jitter: 0) == 60)
        #expect(backoff.delay(afterAttempt: 10, jitter: 0) == 1800)
        #expect(backoff.delay(afterAttempt: 200, jitter: 0) == 1800)
        for _ in 0..<100 {
            let delay = backoff.delay(afterAttempt: 4)
            #expect(delay >= 120 && delay < 240)
        }
    }
}
