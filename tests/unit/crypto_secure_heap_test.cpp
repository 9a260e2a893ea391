// The secure heap: its size follows the pool, generated keys' private parts land in it, and a
// full arena makes generation fail cleanly (an empty key, an exception the server turns into a
// 500) and makes the pool wait rather than spin or crash. The arena is process-wide and can be
// set up once, so each check runs in a forked child.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

#include "crypto/keys.h"
#include "crypto/secure_heap.h"
#include "keypairs/key_pool.h"

using keypaird::crypto::init_secure_heap;
using keypaird::crypto::secure_heap_has_room;
using keypaird::crypto::secure_heap_size_for;

namespace {

#define CHILD_CHECK(condition, code)                    \
  do {                                                  \
    if (!(condition)) {                                 \
      std::fprintf(stderr, "failed: %s\n", #condition); \
      std::_Exit(code);                                 \
    }                                                   \
  } while (0)

[[noreturn]] void keys_go_to_the_secure_heap() {
  const auto status = init_secure_heap(secure_heap_size_for(4, 2));
  CHILD_CHECK(status.active, 1);
  CHILD_CHECK(CRYPTO_secure_malloc_initialized() == 1, 2);
  // The first generation also sets up state OpenSSL keeps there for good (its random
  // generators' seeds), so count from after one.
  CHILD_CHECK(keypaird::crypto::generate_rsa_key(), 3);
  const std::size_t before = CRYPTO_secure_used();
  std::vector<keypaird::crypto::RsaKey> keys;
  for (int i = 0; i < 3; ++i) keys.push_back(keypaird::crypto::generate_rsa_key());
  for (const auto& key : keys) CHILD_CHECK(key, 3);
  // d (256 bytes), p, q, dP, dQ, qInv (128 bytes each) per key, at least.
  CHILD_CHECK(CRYPTO_secure_used() - before >= 3 * 896, 4);
  const auto pair = keypaird::crypto::ssh_keypair_from(keys[0]);
  CHILD_CHECK(pair.is_ok() && pair->private_key.rfind("-----BEGIN RSA PRIVATE KEY-----", 0) == 0,
              5);
  keys.clear();
  CHILD_CHECK(CRYPTO_secure_used() == before, 6);  // freeing a key frees its secure memory
  std::_Exit(0);
}

[[noreturn]] void a_full_arena_fails_cleanly() {
  const auto status = init_secure_heap(64 * 1024);
  CHILD_CHECK(status.active, 1);
  CHILD_CHECK(status.size == 64 * 1024, 2);
  CHILD_CHECK(secure_heap_has_room(keypaird::crypto::kSecureHeapKeysKeptForRequests + 1), 3);
  std::vector<void*> filler;
  for (void* p; (p = CRYPTO_secure_malloc(512, nullptr, 0)) != nullptr;) filler.push_back(p);
  CHILD_CHECK(!secure_heap_has_room(1), 4);
  CHILD_CHECK(!keypaird::crypto::generate_rsa_key(), 5);
  const auto refused = keypaird::crypto::generate_ssh_keypair();
  CHILD_CHECK(!refused.is_ok() && refused.status().is(keypaird::ErrorKind::internal), 6);
  {
    // The generators find no room: the pool stays empty, they wait (no spinning: little CPU
    // in a second) and stop promptly.
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    keypaird::keypairs::KeyPool pool(4, 2);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    CHILD_CHECK(pool.size() == 0, 7);
    CHILD_CHECK(!pool.take(), 8);
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    const auto cpu_ms = [](const rusage& u) {
      return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 +
             (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
    };
    CHILD_CHECK(cpu_ms(after) - cpu_ms(before) < 300, 9);
  }
  for (void* p : filler) CRYPTO_secure_free(p, nullptr, 0);
  CHILD_CHECK(keypaird::crypto::generate_rsa_key(), 10);  // room again: generation works
  std::_Exit(0);
}

}  // namespace

TEST(SecureHeap, SizeCoversThePoolAndIsAPowerOfTwo) {
  EXPECT_EQ(secure_heap_size_for(0, 0), 64u * 1024);
  for (std::size_t pool : {0u, 4u, 16u, 100u, 4096u}) {
    const std::size_t size = secure_heap_size_for(pool, 8);
    EXPECT_EQ(size & (size - 1), 0u) << size;
    EXPECT_GE(size, (pool + 8 + keypaird::crypto::kSecureHeapKeysKeptForRequests) *
                        keypaird::crypto::kSecureHeapBytesPerKey);
  }
}

TEST(SecureHeap, GeneratedKeysLiveInIt) {
  EXPECT_EXIT(keys_go_to_the_secure_heap(), ::testing::ExitedWithCode(0), "");
}

TEST(SecureHeap, AFullArenaFailsGenerationCleanlyAndThePoolWaits) {
  EXPECT_EXIT(a_full_arena_fails_cleanly(), ::testing::ExitedWithCode(0), "");
}
