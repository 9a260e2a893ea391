// The keypairs service: what Nova's KeypairAPI does, below HTTP. It checks quota, parses and
// fingerprints imported keys, generates new ones, and talks to the store, returning errors as
// KeypairError values that the API layer maps to HTTP in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crypto/public_key_rules.h"
#include "keypairs/key_pool.h"
#include "store/keypair_store.h"

namespace keypaird::keypairs {

enum class KeypairErrorKind {
  quota_exceeded,     // the user holds as many keypairs as the quota allows
  invalid_key,        // the public key could not be parsed or fingerprinted
  duplicate,          // the user already has a keypair of that name
  not_found,          // no keypair of that name for that user
  marker_not_found,   // a list marker names no keypair of the user
  generation_failed,  // key generation failed (e.g. an x509 CN over 64 characters)
  store_unavailable,  // the database failed; nothing was changed
};

struct KeypairError {
  KeypairErrorKind kind;
  std::string message;
};

template <typename T>
using Result = std::variant<T, KeypairError>;

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

struct Empty {};

// Thread-safe; every method may block on the store, and generate() on key generation too.
class KeypairService {
 public:
  // `pool` (optional) supplies RSA keys made ahead of time for generate(); `rules` bound what
  // an import may bring (size, RSA modulus, strict shape) on top of Nova's own checks.
  KeypairService(store::KeypairStore& store, std::int64_t quota_key_pairs, KeyPool* pool = nullptr,
                 crypto::PublicKeyRules rules = {})
      : store_(store), quota_(quota_key_pairs), pool_(pool), rules_(rules) {}

  Result<Keypair> get(const std::string& user_id, const std::string& name);
  // `marker`: start strictly after that name (which must exist); `limit`: at most that many.
  Result<std::vector<Keypair>> list(const std::string& user_id,
                                    const std::optional<std::string>& marker,
                                    std::optional<std::int64_t> limit);
  // Quota, then key check, then the duplicate check, as Nova orders them.
  Result<CreatedKeypair> import_key(const std::string& user_id, const std::string& name,
                                    const std::string& type, const std::string& public_key);
  // Quota, then generation (slow), then insert.
  Result<CreatedKeypair> generate(const std::string& user_id, const std::string& name,
                                  const std::string& type);
  Result<Empty> remove(const std::string& user_id, const std::string& name);

  // Whether get, list and check_quota may wait on a database server (see KeypairStore).
  bool reads_block() const { return store_.reads_block(); }

  // Only the quota check (Nova runs it before anything else in create).
  std::optional<KeypairError> check_quota(const std::string& user_id);
  // What a generation must pass before any key is made: the quota, then the name being free.
  // Nova generates first and finds the duplicate at the insert; the answer is the same, without
  // the seconds of RSA work (or a pooled key) spent for nothing. The insert still decides races.
  std::optional<KeypairError> check_before_generation(const std::string& user_id,
                                                      const std::string& name);

  // The same creates and deletes in two halves, so that the write itself can be awaited
  // without holding a thread: prepare_* runs the checks (and the generation) and returns the
  // row to store; write_* hands it to the store, whose answer finish_* turns into the result.
  struct PreparedKeypair {
    store::StoredKeypair row;
    std::optional<std::string> private_key;
  };
  Result<PreparedKeypair> prepare_import(const std::string& user_id, const std::string& name,
                                         const std::string& type, const std::string& public_key);
  // Slow: generation (unless the key pool has a key ready). Run check_before_generation first.
  Result<PreparedKeypair> prepare_generate(const std::string& user_id, const std::string& name,
                                           const std::string& type);
  void write_create(const store::StoredKeypair& row, store::KeypairStore::CreateDone done);
  Result<CreatedKeypair> finish_create(store::CreateOutcome outcome, const std::string& name,
                                       std::optional<std::string> private_key);
  void write_remove(const std::string& user_id, const std::string& name,
                    store::KeypairStore::RemoveDone done);
  Result<Empty> finish_remove(store::StoreStatus status, const std::string& user_id,
                              const std::string& name);
  // Whether write_create/write_remove return at once (else they block until durable).
  bool writes_are_asynchronous() const { return store_.writes_are_asynchronous(); }

 private:
  store::KeypairStore& store_;
  std::int64_t quota_;
  KeyPool* pool_;
  crypto::PublicKeyRules rules_;
};

}  // namespace keypaird::keypairs
