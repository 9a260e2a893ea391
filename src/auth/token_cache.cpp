// TokenCache: a mutex-guarded hash map plus an insertion-order queue for eviction. Hits do not
// reorder anything, so a hit is one hash, one lock and one lookup.
#include "auth/token_cache.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace keypaird::auth {

TokenDigest token_digest(std::string_view token) {
  // Fetched once: OpenSSL 3's implicit fetch on every EVP_Digest call takes a lock that all
  // network threads would share on every request.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct ContextFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
  TokenDigest digest{};
  unsigned int length = 0;
  if (!sha256 || !context || !EVP_DigestInit_ex2(context.get(), sha256, nullptr) ||
      !EVP_DigestUpdate(context.get(), token.data(), token.size()) ||
      !EVP_DigestFinal_ex(context.get(), digest.data(), &length))
    EVP_Digest(token.data(), token.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

std::string digest_hex(const TokenDigest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

TokenCache::TokenCache(std::size_t capacity, std::chrono::seconds ttl)
    : capacity_(capacity == 0 ? 1 : capacity), ttl_(ttl) {}

std::shared_ptr<const TokenInfo> TokenCache::find(const TokenDigest& digest,
                                                  SystemClock::time_point now) {
  if (ttl_.count() < 0) return nullptr;
  MutexLock lock(mutex_);
  auto it = entries_.find(digest);
  if (it == entries_.end()) return nullptr;
  if (now >= it->second.fresh_until) {
    entries_.erase(it);  // its order_ record is dropped lazily
    return nullptr;
  }
  return it->second.info;
}

void TokenCache::insert_refused(const TokenDigest& digest, SystemClock::time_point now) {
  static const auto kRefused = [] {
    auto info = std::make_shared<TokenInfo>();
    info->refused = true;
    info->expires_at = SystemClock::time_point::max();
    return std::shared_ptr<const TokenInfo>(std::move(info));
  }();
  insert(digest, kRefused, now);
}

std::size_t token_info_bytes(const TokenInfo& info) {
  std::size_t bytes = sizeof info + info.user_id.size() + info.user_name.size() +
                      info.user_domain_id.size() + info.project_id.size() +
                      info.project_name.size() + info.project_domain_id.size();
  for (const auto& role : info.roles) bytes += sizeof role + role.size();
  return bytes;
}

void TokenCache::insert(const TokenDigest& digest, std::shared_ptr<const TokenInfo> info,
                        SystemClock::time_point now) {
  if (ttl_.count() < 0 || !info) return;
  // A token carrying thousands of roles would make one entry megabytes; such a token is
  // validated on each use instead, so the cache stays within capacity x kMaxEntryBytes.
  if (token_info_bytes(*info) > kMaxEntryBytes) return;
  auto fresh_until = std::min(now + ttl_, info->expires_at);
  if (fresh_until <= now) return;
  MutexLock lock(mutex_);
  if (entries_.find(digest) == entries_.end()) make_room(now);
  std::uint64_t generation = next_generation_++;
  entries_[digest] = Entry{std::move(info), fresh_until, generation};
  order_.emplace_back(digest, generation);
}

bool TokenCache::live(const std::pair<TokenDigest, std::uint64_t>& record) const {
  auto it = entries_.find(record.first);
  return it != entries_.end() && it->second.generation == record.second;
}

void TokenCache::make_room(SystemClock::time_point now) {
  // Records whose entry was replaced or erased are stale; drop them as they surface.
  while (!order_.empty() && !live(order_.front())) order_.pop_front();
  if (order_.size() > 2 * capacity_) {
    // Stale records behind a live one: compact so the queue stays bounded. (A loop rather than
    // std::erase_if with a lambda: the lock analysis cannot see that a lambda runs under it.)
    std::deque<std::pair<TokenDigest, std::uint64_t>> kept;
    for (const auto& record : order_)
      if (live(record)) kept.push_back(record);
    order_.swap(kept);
  }
  if (entries_.size() < capacity_) return;
  // Full: first sweep out what has expired, then evict the oldest insertions.
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now >= it->second.fresh_until ? entries_.erase(it) : std::next(it);
  }
  while (entries_.size() >= capacity_ && !order_.empty()) {
    auto record = order_.front();
    order_.pop_front();
    if (live(record)) entries_.erase(record.first);
  }
}

std::size_t TokenCache::size() const {
  MutexLock lock(mutex_);
  return entries_.size();
}

}  // namespace keypaird::auth
