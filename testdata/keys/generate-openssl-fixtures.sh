#!/usr/bin/env bash
# Regenerates the openssl-* fixtures in this folder (OpenSSL 3). Each private key gets a
# NAME.spki.b64 beside it: base64 of the SubjectPublicKeyInfo DER as OpenSSL derives it.
set -euo pipefail
cd "$(dirname "$0")"
spki() { openssl pkey -in "$1" ${2:+-inform "$2"} -pubout -outform DER | base64 -w0 > "${1%.*}.spki.b64"; }
openssl ecparam -name secp256k1 -genkey -out openssl-ecparam-secp256k1.pem; spki openssl-ecparam-secp256k1.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out openssl-pkcs8-secp256k1.pem; spki openssl-pkcs8-secp256k1.pem
openssl pkcs8 -topk8 -nocrypt -in openssl-pkcs8-secp256k1.pem -outform DER -out openssl-pkcs8-secp256k1.der
openssl ec -in openssl-ecparam-secp256k1.pem -outform DER -out openssl-sec1-secp256k1.der 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out openssl-sec1-p256.pem; spki openssl-sec1-p256.pem
openssl pkcs8 -topk8 -nocrypt -in openssl-sec1-p256.pem -outform DER -out openssl-pkcs8-p256.der
openssl pkey -in openssl-pkcs8-secp256k1.pem -pubout -out openssl-public-secp256k1.pem
openssl pkcs8 -topk8 -in openssl-pkcs8-secp256k1.pem -passout pass:fixture -out openssl-encrypted-pkcs8.pem
openssl ec -in openssl-ecparam-secp256k1.pem -aes128 -passout pass:fixture -out openssl-legacy-encrypted-sec1.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out openssl-rsa-pkcs8.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp384r1 -out openssl-secp384r1.pem
openssl ec -in openssl-ecparam-secp256k1.pem -param_enc explicit -out openssl-explicit-params.pem 2>/dev/null
