// The validated-token cache: TTL, never past the token's expiry, bounded size, keyed by hash.
#include <gtest/gtest.h>

#include "auth/token_cache.h"

using namespace keypaird::auth;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const TokenInfo> token_expiring(SystemClock::time_point at, std::string user) {
  auto info = std::make_shared<TokenInfo>();
  info->user_id = std::move(user);
  info->expires_at = at;
  return info;
}

}  // namespace

TEST(TokenDigest, IsSha256) {
  EXPECT_EQ(digest_hex(token_digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenCache, KeepsForTtlButNeverPastExpiry) {
  auto now = SystemClock::now();
  TokenCache cache(10, 300s);
  cache.insert(token_digest("long"), token_expiring(now + 3600s, "a"), now);
  cache.insert(token_digest("short"), token_expiring(now + 10s, "b"), now);
  EXPECT_EQ(cache.find(token_digest("long"), now + 299s)->user_id, "a");
  EXPECT_EQ(cache.find(token_digest("long"), now + 300s), nullptr);
  EXPECT_EQ(cache.find(token_digest("short"), now + 9s)->user_id, "b");
  EXPECT_EQ(cache.find(token_digest("short"), now + 10s), nullptr);
  EXPECT_EQ(cache.find(token_digest("other"), now), nullptr);
  cache.insert(token_digest("expired"), token_expiring(now - 1s, "c"), now);
  EXPECT_EQ(cache.find(token_digest("expired"), now), nullptr);
}

TEST(TokenCache, DisabledWithNegativeTtl) {
  auto now = SystemClock::now();
  TokenCache cache(10, -1s);
  cache.insert(token_digest("t"), token_expiring(now + 3600s, "a"), now);
  EXPECT_EQ(cache.find(token_digest("t"), now), nullptr);
}

TEST(TokenCache, BoundedEvictingExpiredThenOldest) {
  auto now = SystemClock::now();
  TokenCache cache(3, 300s);
  cache.insert(token_digest("1"), token_expiring(now + 3600s, "1"), now);
  cache.insert(token_digest("2"), token_expiring(now + 5s, "2"), now);
  cache.insert(token_digest("3"), token_expiring(now + 3600s, "3"), now);
  // Full; "2" has expired by now + 6 s, so it goes rather than the oldest.
  cache.insert(token_digest("4"), token_expiring(now + 3600s, "4"), now + 6s);
  EXPECT_NE(cache.find(token_digest("1"), now + 6s), nullptr);
  EXPECT_EQ(cache.size(), 3u);
  // Nothing expired: the oldest insertion ("1") goes.
  cache.insert(token_digest("5"), token_expiring(now + 3600s, "5"), now + 6s);
  EXPECT_EQ(cache.find(token_digest("1"), now + 6s), nullptr);
  EXPECT_NE(cache.find(token_digest("3"), now + 6s), nullptr);
  EXPECT_NE(cache.find(token_digest("5"), now + 6s), nullptr);
  EXPECT_EQ(cache.size(), 3u);
  // Re-inserting many times stays bounded.
  for (int i = 0; i < 1000; ++i)
    cache.insert(token_digest("5"), token_expiring(now + 3600s, "5"), now + 6s);
  EXPECT_EQ(cache.size(), 3u);
}
