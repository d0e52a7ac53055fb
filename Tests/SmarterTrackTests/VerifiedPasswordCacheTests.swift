import CRM
import Testing

@Suite("verified password cache")
struct VerifiedPasswordCacheTests {
    @Test("a match is remembered (the second check skips the KDF); a wrong password, another org or a new hash is not")
    func remembers() {
        let cache = VerifiedPasswordCache()
        let hash = PasswordHash.make("st-web-service-pass", iterations: 400_000)
        let clock = ContinuousClock()
        var first = false, second = false
        let slow = clock.measure { first = cache.verify("st-web-service-pass", against: hash, orgID: 1, kind: "smartertrack") }
        let fast = clock.measure { second = cache.verify("st-web-service-pass", against: hash, orgID: 1, kind: "smartertrack") }
        #expect(first && second)
        #expect(fast * 20 < slow, "cached \(fast) vs derived \(slow)")
        #expect(!cache.verify("wrong", against: hash, orgID: 1, kind: "smartertrack"))
        let otherOrg = clock.measure { #expect(cache.verify("st-web-service-pass", against: hash, orgID: 2, kind: "smartertrack")) }
        #expect(otherOrg * 2 > slow)
        let rotated = PasswordHash.make("new-password-1", iterations: 1000)
        #expect(!cache.verify("st-web-service-pass", against: rotated, orgID: 1, kind: "smartertrack"))
    }
}
