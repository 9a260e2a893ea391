// TokenCache: validated Keystone tokens, keyed by the SHA-256 of the token (the token itself is
// never stored), each kept for the configured time and never past the token's own expiry.
// Bounded: when full, expired entries go first, then the oldest.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/request_context.h"
#include "common/thread_annotations.h"

namespace keypaird::auth {

using SystemClock = std::chrono::system_clock;

// What a successful validation says about a token (the fields Nova uses).
struct TokenInfo {
  std::string user_id;
  std::string user_name;
  std::string user_domain_id;
  std::string project_id;  // empty for tokens not scoped to a project
  std::string project_name;
  std::string project_domain_id;
  RoleList roles;
  SystemClock::time_point expires_at;
  bool is_admin = false;  // the policy's context_is_admin, decided once when validated
  bool refused = false;   // a negative entry: Keystone said this token is not valid
};

using TokenDigest = std::array<unsigned char, 32>;

// SHA-256 of the token.
TokenDigest token_digest(std::string_view token);
// About how much memory a validation holds (for the cache's per-entry bound).
std::size_t token_info_bytes(const TokenInfo& info);

// Lower-case hex of a digest (for flight keys; never logged with the token).
std::string digest_hex(const TokenDigest& digest);

class TokenCache {
 public:
  // Validations larger than this (a token with thousands of roles) are not kept.
  static constexpr std::size_t kMaxEntryBytes = 64 * 1024;

  // `ttl` < 0 disables caching (find never hits, insert does nothing).
  TokenCache(std::size_t capacity, std::chrono::seconds ttl);

  // The cached validation, if present and still fresh at `now`. Thread-safe.
  std::shared_ptr<const TokenInfo> find(const TokenDigest& digest, SystemClock::time_point now)
      EXCLUDES(mutex_);
  // Remembers a successful validation until min(now + ttl, info->expires_at). Thread-safe.
  void insert(const TokenDigest& digest, std::shared_ptr<const TokenInfo> info,
              SystemClock::time_point now) EXCLUDES(mutex_);
  // Remembers, for ttl, that Keystone refused the token (as keystonemiddleware does), so that
  // a client repeating a bad token costs no call to Keystone. find() then returns an entry
  // whose `refused` is set. Thread-safe.
  void insert_refused(const TokenDigest& digest, SystemClock::time_point now) EXCLUDES(mutex_);
  std::size_t size() const EXCLUDES(mutex_);

 private:
  struct DigestHash {
    std::size_t operator()(const TokenDigest& d) const {
      std::size_t h;
      static_assert(sizeof h <= sizeof(TokenDigest));
      __builtin_memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  struct Entry {
    std::shared_ptr<const TokenInfo> info;
    SystemClock::time_point fresh_until;
    std::uint64_t generation;  // matches the order_ record that inserted it
  };

  void make_room(SystemClock::time_point now) REQUIRES(mutex_);
  // Whether an order_ record still belongs to the entry it inserted (not replaced or erased).
  bool live(const std::pair<TokenDigest, std::uint64_t>& record) const REQUIRES(mutex_);

  const std::size_t capacity_;
  const std::chrono::seconds ttl_;
  mutable Mutex mutex_;
  std::unordered_map<TokenDigest, Entry, DigestHash> entries_ GUARDED_BY(mutex_);
  std::deque<std::pair<TokenDigest, std::uint64_t>> order_ GUARDED_BY(mutex_);
  std::uint64_t next_generation_ GUARDED_BY(mutex_) = 0;
};

}  // namespace keypaird::auth
