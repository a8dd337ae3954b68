#ifndef PORTCULLIS_COPENSSL_SHIM_H
#define PORTCULLIS_COPENSSL_SHIM_H
// SHA-256 from OpenSSL's libcrypto, for the verdict log's hash chain and the ruleset digest,
// and SHA-1 for the verdict log's Community ID (SHA1_Init/Update/Final, same reasoning).
// The low-level SHA256_Init/Update/Final keep their state in a caller-owned SHA256_CTX (on
// the stack: nothing allocated per log line), where EVP allocates a context. OpenSSL 3
// marks them deprecated in favour of EVP but keeps them; the warning is silenced here only.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#endif
