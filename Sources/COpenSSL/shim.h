#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/pem.h>

/* Function-like macros are invisible to Swift; wrap the ones we need. */
static inline int copenssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int copenssl_ctx_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long copenssl_ctx_set_options(SSL_CTX *ctx, long options) {
    return (long)SSL_CTX_set_options(ctx, (uint64_t)options);
}
static inline long copenssl_ctx_set_mode(SSL_CTX *ctx, long mode) {
    return (long)SSL_CTX_set_mode(ctx, mode);
}
static inline long copenssl_ctx_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return (long)SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline long copenssl_ctx_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_groups_list(ctx, list);
}
static inline long copenssl_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (long)SSL_set_tlsext_host_name(ssl, name);
}
static inline long copenssl_op_no_renegotiation(void) { return (long)SSL_OP_NO_RENEGOTIATION; }
static inline long copenssl_op_no_compression(void) { return (long)SSL_OP_NO_COMPRESSION; }
static inline long copenssl_op_cipher_server_preference(void) { return (long)SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline long copenssl_mode_release_buffers(void) { return (long)SSL_MODE_RELEASE_BUFFERS; }
static inline long copenssl_mode_accept_moving_write_buffer(void) { return (long)SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER; }
static inline long copenssl_mode_enable_partial_write(void) { return (long)SSL_MODE_ENABLE_PARTIAL_WRITE; }
#endif
