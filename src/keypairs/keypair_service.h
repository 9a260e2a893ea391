// The keypairs service: what Nova's KeypairAPI does, below HTTP. One awaitable per operation
// (get, list, create by import or generation, remove), each taking the caller's user id and
// returning a Result. The service decides where each step runs: store calls through
// AsyncKeypairStore (inline, blocking pool or the store's writer), key generation on the
// generation pool; no layer above it knows threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "crypto/public_key_rules.h"
#include "keypairs/async_keypair_store.h"
#include "keypairs/key_pool.h"
#include "store/keypair_store.h"

namespace keypaird::keypairs {

struct Keypair {
  std::int64_t id = 0;
  std::string user_id;
  std::string name;
  std::string fingerprint;
  std::string public_key;
  std::string type;  // "ssh" | "x509"
  std::string created_at;
};

struct CreatedKeypair {
  Keypair keypair;
  std::optional<std::string> private_key;  // set only when the key was generated
};

// What a create asks for: an import when `public_key` is set, else a generation.
struct CreateRequest {
  std::string user_id;
  std::string name;
  std::string type = "ssh";  // "ssh" | "x509"
  std::optional<std::string> public_key;
};

// Where the service runs what must not run on a network thread.
struct ServiceThreads {
  boost::asio::thread_pool& blocking;    // store calls that may block
  boost::asio::thread_pool& generation;  // key generation (CPU-bound, slow)
};

// Thread-safe. Errors: not_found, conflict (duplicate name), quota_exceeded, invalid_input (a
// key that fails Nova's checks or keypaird's bounds; a marker that names no keypair),
// unavailable (the store failed; nothing was changed), with Nova's messages.
class KeypairService {
 public:
  // `pool` (optional) supplies RSA keys made ahead of time; `rules` bound what an import may
  // bring (size, RSA modulus, strict shape) on top of Nova's own checks.
  KeypairService(store::KeypairStore& store, ServiceThreads threads, std::int64_t quota_key_pairs,
                 KeyPool* pool = nullptr, crypto::PublicKeyRules rules = {})
      : store_(store, threads.blocking),
        generation_pool_(threads.generation),
        quota_(quota_key_pairs),
        pool_(pool),
        rules_(rules) {}

  boost::asio::awaitable<Result<Keypair>> get(const std::string& user_id, const std::string& name);
  // `marker`: start strictly after that name (which must exist); `limit`: at most that many.
  boost::asio::awaitable<Result<std::vector<Keypair>>> list(
      const std::string& user_id, const std::optional<std::string>& marker,
      std::optional<std::int64_t> limit);
  // Nova's order of checks: quota, then the key (or the generation), then the name. The quota
  // is counted inside the store's atomic create; an import counts it beforehand only when its
  // key is refused (to tell which error comes first), a generation counts it (and looks the
  // name up) before making a key, so that a refused request costs no RSA work.
  boost::asio::awaitable<Result<CreatedKeypair>> create(const CreateRequest& request);
  boost::asio::awaitable<Status> remove(const std::string& user_id, const std::string& name);

 private:
  boost::asio::awaitable<Status> check_quota(const std::string& user_id);

  AsyncKeypairStore store_;
  boost::asio::thread_pool& generation_pool_;
  std::int64_t quota_;
  KeyPool* pool_;
  crypto::PublicKeyRules rules_;
};

}  // namespace keypaird::keypairs
