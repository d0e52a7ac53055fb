#!/usr/bin/env bash
# A throw-away certificate authority for tests of TLS to PostgreSQL (Tests/PostgresTests, deploy/test-image.sh).
#
#   scripts/test-ca.sh DIR [DNS-NAME…]     default name: localhost
#
# Writes into DIR (which must exist): ca.crt, the CA that signed server.crt/server.key for the names given;
# other-ca.crt, a second CA that signed nothing a test server presents. Valid for two days. As root, server.crt and
# server.key are given to `postgres` (PostgreSQL refuses a key that others can read), and DIR is made searchable
# for it. The caller removes DIR.
set -euo pipefail
dir=${1:?usage: scripts/test-ca.sh DIR [DNS-NAME…]}
shift
names=("${@:-localhost}")
cd "$dir"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
key ca.key
# The extensions a strict verifier (sslyze's, RFC 5280 profile) wants: key usage on the CA, key identifiers, EKU.
openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj "/CN=crmhub test CA" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
key other-ca.key
openssl req -x509 -new -key other-ca.key -out other-ca.crt -days 2 -subj "/CN=crmhub other test CA" 2>/dev/null
key server.key
san=$(printf 'DNS:%s,' "${names[@]}")
openssl req -new -key server.key -out server.csr -subj "/CN=${names[0]}" 2>/dev/null
printf '%s\n' "subjectAltName=${san%,}" "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=serverAuth" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
  -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl ca.key other-ca.key
chmod 600 server.key
chmod 644 ca.crt other-ca.crt server.crt
if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
  chown postgres:postgres server.key server.crt
  chmod 755 .
fi
