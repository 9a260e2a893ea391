// KeypairService: the order of checks and the messages follow Nova's KeypairAPI.
#include "keypairs/keypair_service.h"

#include <exception>

#include "common/async.h"
#include "common/utf8.h"
#include "crypto/keys.h"
#include "crypto/wipe.h"

namespace keypaird::keypairs {

namespace asio = boost::asio;

namespace {

Keypair from_stored(store::StoredKeypair s) {
  return Keypair{s.id,
                 std::move(s.user_id),
                 std::move(s.name),
                 std::move(s.fingerprint),
                 std::move(s.public_key),
                 std::move(s.type),
                 std::move(s.created_at)};
}

Status unavailable() {
  return Status::unavailable("The keypair store is unavailable. Please try again later.");
}

Status quota_exceeded() { return Status::quota_exceeded("Quota exceeded, too many key pairs."); }

// A caller without a user id (noauth2's `X-Auth-Token: ""` or ":project") is Nova's context
// with user_id None, and Nova says so.
std::string nova_user(const std::string& user_id) { return user_id.empty() ? "None" : user_id; }

Status not_found(const std::string& user_id, const std::string& name) {
  return Status::not_found("Keypair " + name + " not found for user " + nova_user(user_id));
}

Status duplicate(const std::string& name) {
  return Status::conflict("Key pair '" + name + "' already exists.");
}

// The store's errors in Nova's words.
Status reworded(const Status& status, const std::string& user_id, const std::string& name) {
  switch (status.kind()) {
    case ErrorKind::not_found:
      return not_found(user_id, name);
    case ErrorKind::conflict:
      return duplicate(name);
    case ErrorKind::quota_exceeded:
      return quota_exceeded();
    case ErrorKind::invalid_input:  // a value the store cannot hold (MariaDB: a huge user id)
      return status;
    default:
      return unavailable();
  }
}

// Nova's check of an imported key, after keypaird's own bounds: the fingerprint, or the reason.
Result<std::string> fingerprint_of(const std::string& type, const std::string& public_key,
                                   const crypto::PublicKeyRules& rules) {
  // A lone surrogate from a JSON escape: Nova's encode('utf-8') of the key fails.
  if (!is_valid_utf8(public_key)) {
    if (type == "x509")
      return Status::invalid_input(
          "Keypair data is invalid: failed to generate X509 fingerprint. Error message: the "
          "certificate text is not valid Unicode");
    return Status::invalid_input("Keypair data is invalid: failed to generate fingerprint");
  }
  if (Status kept = crypto::check_public_key_rules(public_key, type == "x509", rules); !kept)
    return Status::invalid_input("Keypair data is invalid: " + kept.message());
  Result<std::string> fp = type == "x509" ? crypto::x509_certificate_fingerprint(public_key)
                                          : crypto::ssh_public_key_fingerprint(public_key);
  if (fp.is_ok()) return std::move(fp).value();
  if (type == "x509")
    return Status::invalid_input(
        "Keypair data is invalid: failed to generate X509 fingerprint. Error message: " +
        fp.status().message());
  return Status::invalid_input("Keypair data is invalid: failed to generate fingerprint");
}

// A generated keypair; nothing when x509 generation refuses the user id, or when OpenSSL failed.

}  // namespace

asio::awaitable<Result<Keypair>> KeypairService::get(const std::string& user_id,
                                                     const std::string& name) {
  auto found = co_await store_.get(user_id, name);
  if (!found) co_return reworded(found.status(), user_id, name);
  co_return from_stored(std::move(found).value());
}

asio::awaitable<Result<std::vector<Keypair>>> KeypairService::list(
    const std::string& user_id, const std::optional<std::string>& marker,
    std::optional<std::int64_t> limit) {
  if (marker) {
    auto found = co_await store_.get(user_id, *marker);
    if (!found) {
      if (found.status().is(ErrorKind::not_found))
        co_return Status::invalid_input("Marker " + *marker + " could not be found.");
      co_return unavailable();
    }
  }
  auto rows = co_await store_.list(user_id, marker, limit);
  if (!rows) co_return unavailable();
  std::vector<Keypair> keypairs;
  keypairs.reserve(rows->size());
  for (auto& row : *rows) keypairs.push_back(from_stored(std::move(row)));
  co_return keypairs;
}

asio::awaitable<Status> KeypairService::check_quota(const std::string& user_id) {
  if (quota_ < 0) co_return Status::ok();
  auto held = co_await store_.count(user_id);
  if (!held) co_return unavailable();
  if (*held >= quota_) co_return quota_exceeded();
  co_return Status::ok();
}

asio::awaitable<Result<CreatedKeypair>> KeypairService::create(const CreateRequest& request) {
  // Nova's quota check, its first step, refuses a context without a user id with a bare
  // Forbidden, whatever the key: nothing is stored for user None.
  if (request.user_id.empty()) co_return Status::forbidden("Forbidden");
  // A user_id with a lone surrogate (a JSON escape): Nova's database driver fails on it (500);
  // no user can have such an id.
  if (!is_valid_utf8(request.user_id))
    co_return Status::invalid_input("Invalid user_id: it is not valid Unicode text.");
  store::StoredKeypair row;
  row.user_id = request.user_id;
  row.name = request.name;
  row.type = request.type;
  std::optional<std::string> private_key;

  if (request.public_key) {
    auto fingerprint = fingerprint_of(request.type, *request.public_key, rules_);
    if (!fingerprint) {
      // Nova checks the quota first: a full quota is the answer even for a bad key.
      Status quota = co_await check_quota(request.user_id);
      if (!quota) co_return quota;
      co_return std::move(fingerprint).status();
    }
    row.public_key = *request.public_key;
    row.fingerprint = std::move(fingerprint).value();
  } else {
    Status quota = co_await check_quota(request.user_id);
    if (!quota) co_return quota;
    auto existing = co_await store_.get(request.user_id, request.name);
    if (existing) co_return duplicate(request.name);
    if (!existing.status().is(ErrorKind::not_found)) co_return unavailable();
    // Slow: RSA generation (unless the pool has a key ready), on its own threads.
    auto generated =
        co_await run_on(generation_pool_, [this, &request]() -> Result<crypto::GeneratedKeypair> {
          const Status failed = Status::internal("Key generation failed.");
          try {  // on a pool thread: nothing may escape (std::bad_alloc)
            std::optional<crypto::RsaKey> pooled = pool_ ? pool_->take() : std::nullopt;
            crypto::RsaKey key = pooled ? std::move(*pooled) : crypto::generate_rsa_key();
            if (!key) return failed;
            if (request.type != "x509") {
              auto made = crypto::ssh_keypair_from(key);
              if (!made) return failed;
              return made;
            }
            auto made = crypto::x509_keypair_from(key, request.user_id);
            if (!made)
              return Status::invalid_input(
                  "Failed to generate an X509 certificate for this user id.");
            return made;
          } catch (const std::exception&) {
            return failed;
          }
        });
    if (!generated) co_return std::move(generated).status();
    row.public_key = std::move(generated->public_key);
    row.fingerprint = std::move(generated->fingerprint);
    private_key = std::move(generated->private_key);
  }

  auto stored = co_await store_.create(row, quota_);
  if (!stored) {
    crypto::wipe(private_key);  // not handed out: nobody may ever see it
    co_return reworded(stored.status(), request.user_id, request.name);
  }
  co_return CreatedKeypair{from_stored(std::move(stored).value()), std::move(private_key)};
}

asio::awaitable<Status> KeypairService::remove(const std::string& user_id,
                                               const std::string& name) {
  Status removed = co_await store_.remove(user_id, name);
  if (!removed) co_return reworded(removed, user_id, name);
  co_return Status::ok();
}

}  // namespace keypaird::keypairs
