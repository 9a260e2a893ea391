// Regressions in the token cache (issue 11, item 9): refused tokens were not remembered, so each
// request with a bad token cost a Keystone call; a token with a huge role list made an entry of
// tens of MB and every cache hit copied the list.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/token_cache.h"

using keypaird::auth::RoleList;
using keypaird::auth::SystemClock;
using keypaird::auth::token_digest;
using keypaird::auth::TokenCache;
using keypaird::auth::TokenInfo;

TEST(TokenCacheRegression, RefusedTokensAreRememberedForTheTtl) {
  TokenCache cache(10, std::chrono::seconds(300));
  auto now = SystemClock::now();
  auto digest = token_digest("not-a-token");
  EXPECT_EQ(cache.find(digest, now), nullptr);
  cache.insert_refused(digest, now);
  auto hit = cache.find(digest, now + std::chrono::seconds(299));
  ASSERT_NE(hit, nullptr);
  EXPECT_TRUE(hit->refused);
  EXPECT_EQ(cache.find(digest, now + std::chrono::seconds(301)), nullptr);
}

TEST(TokenCacheRegression, RefusalsAreNotKeptWhenCachingIsOff) {
  TokenCache cache(10, std::chrono::seconds(-1));
  auto digest = token_digest("bad");
  cache.insert_refused(digest, SystemClock::now());
  EXPECT_EQ(cache.find(digest, SystemClock::now()), nullptr);
}

TEST(TokenCacheRegression, HugeRoleListsAreSharedAndNotCached) {
  TokenCache cache(10, std::chrono::seconds(300));
  auto now = SystemClock::now();
  auto small = std::make_shared<TokenInfo>();
  small->user_id = "u";
  small->roles = RoleList{"member", "reader"};
  small->expires_at = now + std::chrono::hours(1);
  cache.insert(token_digest("small"), small, now);
  auto hit = cache.find(token_digest("small"), now);
  ASSERT_NE(hit, nullptr);
  // A copy of the context's role list refers to the cache's one list.
  RoleList copy = hit->roles;
  EXPECT_EQ(&*copy.begin(), &*hit->roles.begin());

  std::vector<std::string> many(100000, "role-with-a-long-name");
  auto huge = std::make_shared<TokenInfo>();
  huge->user_id = "u";
  huge->roles = RoleList(std::move(many));
  huge->expires_at = now + std::chrono::hours(1);
  EXPECT_GT(keypaird::auth::token_info_bytes(*huge), TokenCache::kMaxEntryBytes);
  cache.insert(token_digest("huge"), huge, now);
  EXPECT_EQ(cache.find(token_digest("huge"), now), nullptr);
  EXPECT_EQ(cache.size(), 1u);
}
