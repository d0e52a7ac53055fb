import COpenSSL
import Postgres

/// Encrypts the secrets that CRMHub must use again later (SMTP passwords, SMS provider tokens): AES-256-GCM with
/// the server's key (`CRMHUB_SECRET_KEY`), a random 96-bit nonce per value, and the value's purpose (org and
/// channel) as additional data, so a sealed value copied to another org's row does not open.
/// Sealed form: nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes).
public struct SecretBox: Sendable {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    static let nonceLength = 12, tagLength = 16
    private let key: [UInt8]

    /// - Parameter keyText: 64 hexadecimal digits, or base64/base64url of 32 bytes.
    public init(keyText: String) throws(Failure) {
        let text = keyText.trimmingCharacters(in: " \t\r\n")
        if text.utf8.count == 64, let bytes = PostgresByteA.bytes(fromHex: "\\x" + text) {
            key = bytes
        } else if let bytes = Base64URL.decode(text.replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")),
            bytes.count == 32
        {
            key = bytes
        } else {
            throw Failure(description: "must be 32 bytes as 64 hexadecimal digits or base64 (e.g. `openssl rand -hex 32`)")
        }
    }

    /// HMAC-SHA256 of `text` with the server's key, as 64 hexadecimal digits: a value that can be recognised
    /// again (suppressions) without being kept.
    public func keyedHash(_ text: String) -> String {
        let input = Array(text.utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.count), input, input.count, &digest, &length)
        return digest.prefix(Int(length)).map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }.joined()
    }

    public func seal(_ plaintext: String, context: String) throws(Failure) -> [UInt8] {
        let nonce = RandomText.bytes(Self.nonceLength)
        let input = Array(plaintext.utf8), aad = Array(context.utf8)
        guard let cipher = EVP_CIPHER_CTX_new() else { throw Failure(description: "EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(cipher) }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var tag = [UInt8](repeating: 0, count: Self.tagLength)
        var length: Int32 = 0, total = 0
        guard EVP_EncryptInit_ex(cipher, EVP_aes_256_gcm(), nil, key, nonce) == 1,
            EVP_EncryptUpdate(cipher, nil, &length, aad, Int32(aad.count)) == 1,
            EVP_EncryptUpdate(cipher, &output, &length, input, Int32(input.count)) == 1
        else { throw Failure(description: "encryption failed") }
        total = Int(length)
        let finished = output.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(cipher, $0.baseAddress! + total, &length) }
        guard finished == 1, EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), &tag) == 1 else {
            throw Failure(description: "encryption failed")
        }
        total += Int(length)
        return nonce + output[0..<total] + tag
    }

    /// The plaintext; fails when the value was sealed with another key or for another context, or was altered.
    public func open(_ sealed: [UInt8], context: String) throws(Failure) -> String {
        guard sealed.count >= Self.nonceLength + Self.tagLength else { throw Failure(description: "sealed secret is too short") }
        let nonce = Array(sealed[0..<Self.nonceLength])
        let body = Array(sealed[Self.nonceLength..<(sealed.count - Self.tagLength)])
        var tag = Array(sealed[(sealed.count - Self.tagLength)...])
        let aad = Array(context.utf8)
        guard let cipher = EVP_CIPHER_CTX_new() else { throw Failure(description: "EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(cipher) }
        var output = [UInt8](repeating: 0, count: body.count + 16)
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(cipher, EVP_aes_256_gcm(), nil, key, nonce) == 1,
            EVP_DecryptUpdate(cipher, nil, &length, aad, Int32(aad.count)) == 1,
            EVP_DecryptUpdate(cipher, &output, &length, body, Int32(body.count)) == 1,
            EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), &tag) == 1
        else { throw Failure(description: "decryption failed") }
        let total = Int(length)
        let finished = output.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(cipher, $0.baseAddress! + total, &length) }
        guard finished == 1 else {
            throw Failure(description: "the stored secret does not open with CRMHUB_SECRET_KEY (another key, or altered)")
        }
        return String(decoding: output[0..<(total + Int(length))], as: UTF8.self)
    }
}
