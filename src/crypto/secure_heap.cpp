// The secure heap's size and set-up. OpenSSL's CRYPTO_secure_malloc returns NULL when the arena
// is full (there is no fallback to the ordinary heap), so key generation then fails: the size
// is computed from the pool's capacity and the number of generating threads, and the pool stops
// short of filling it (secure_heap_has_room).
#include "crypto/secure_heap.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <bit>

namespace keypaird::crypto {
namespace {

constexpr std::size_t kMinimumSize = 64 * 1024;
constexpr std::size_t kMaximumSize = std::size_t{1} << 30;
// OpenSSL's smallest block; BIGNUM headers (24 bytes) fit in one.
constexpr std::size_t kMinimumBlock = 32;

// The arena's size once set up (OpenSSL does not report it); 0 before.
std::atomic<std::size_t> arena_size{0};

}  // namespace

std::size_t secure_heap_size_for(std::size_t pooled_keys, std::size_t generating_threads) {
  const std::size_t keys = pooled_keys + generating_threads + kSecureHeapKeysKeptForRequests;
  const std::size_t wanted = std::max(kMinimumSize, keys * kSecureHeapBytesPerKey * 2);
  return std::bit_ceil(std::min(wanted, kMaximumSize));
}

SecureHeapStatus init_secure_heap(std::size_t bytes) {
  SecureHeapStatus status;
  status.size = std::bit_ceil(std::clamp(bytes, kMinimumSize, kMaximumSize));
  // 1: set up, locked and excluded from dumps; 2: set up, but mlock (or a guard page, or the
  // madvise) failed; 0: not set up.
  const int result = CRYPTO_secure_malloc_init(status.size, kMinimumBlock);
  status.active = result != 0;
  status.locked = result == 1;
  if (!status.active) {
    status.problem = "CRYPTO_secure_malloc_init failed: private keys stay on the ordinary heap";
    return status;
  }
  arena_size = status.size;
  if (!status.locked) {
    status.problem =
        "the secure heap is set up but could not be locked in memory (RLIMIT_MEMLOCK?) or a "
        "guard page failed: it may be swapped out";
  }
  return status;
}

bool secure_heap_has_room(std::size_t keys) {
  const std::size_t size = arena_size.load();
  if (size == 0 || CRYPTO_secure_malloc_initialized() == 0) return true;
  return CRYPTO_secure_used() + keys * kSecureHeapBytesPerKey <= size;
}

}  // namespace keypaird::crypto
