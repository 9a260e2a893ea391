// OpenSSL's secure heap, where RSA key generation puts the private parts of every key (p, q, d
// and the CRT values): an arena mapped apart from the ordinary heap, locked in memory where the
// memory-lock limit allows, and marked MADV_DONTDUMP so that core dumps (the kernel's, gcore's)
// leave it out. Initialise it once in main, before any key is generated; then every thread may
// generate keys in it. Without it, OpenSSL allocates the same values on the ordinary heap.
#pragma once

#include <cstddef>
#include <string>

namespace keypaird::crypto {

// Bytes of secure heap one live RSA-2048 key is budgeted: measured at 1152 for the key itself
// (six values and their BIGNUM headers, in power-of-two blocks), under 1 KiB more while it is
// being generated; the rest is slack for the arena's power-of-two fragmentation.
inline constexpr std::size_t kSecureHeapBytesPerKey = 4096;
// Keys' worth of space the key pool leaves free for keys generated for requests, so that a full
// pool never makes a request's generation fail.
inline constexpr std::size_t kSecureHeapKeysKeptForRequests = 8;

// The arena size for `pooled_keys` keys held at once plus `generating_threads` keys being made
// or serialised at once plus the reserve above, with room for the few other secrets OpenSSL
// keeps there (TLS key exchange with Keystone): a power of two, at least 64 KiB.
std::size_t secure_heap_size_for(std::size_t pooled_keys, std::size_t generating_threads);

struct SecureHeapStatus {
  bool active = false;  // private keys are allocated in the arena from now on
  bool locked = false;  // and the arena is locked in memory (never swapped)
  std::size_t size = 0;
  std::string problem;  // why it is not active, or not locked
};

// Sets the secure heap up with `bytes` (rounded up to a power of two). Call once, before any
// other thread uses OpenSSL.
SecureHeapStatus init_secure_heap(std::size_t bytes);

// Whether `keys` more keys fit in the arena now (always true without a secure heap).
bool secure_heap_has_room(std::size_t keys);

}  // namespace keypaird::crypto
