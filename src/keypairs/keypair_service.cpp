// KeypairService: the order of checks and the messages follow Nova's KeypairAPI.
#include "keypairs/keypair_service.h"

#include "crypto/keys.h"
#include "crypto/wipe.h"

namespace keypaird::keypairs {

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

KeypairError unavailable() {
  return {KeypairErrorKind::store_unavailable,
          "The keypair store is unavailable. Please try again later."};
}

KeypairError quota_exceeded() {
  return {KeypairErrorKind::quota_exceeded, "Quota exceeded, too many key pairs."};
}

KeypairError not_found(const std::string& user_id, const std::string& name) {
  return {KeypairErrorKind::not_found, "Keypair " + name + " not found for user " + user_id};
}

KeypairError duplicate(const std::string& name) {
  return {KeypairErrorKind::duplicate, "Key pair '" + name + "' already exists."};
}

}  // namespace

Result<Keypair> KeypairService::get(const std::string& user_id, const std::string& name) {
  store::StoredKeypair stored;
  switch (store_.get(user_id, name, stored)) {
    case store::StoreStatus::ok:
      return from_stored(std::move(stored));
    case store::StoreStatus::not_found:
      return not_found(user_id, name);
    default:
      return unavailable();
  }
}

Result<std::vector<Keypair>> KeypairService::list(const std::string& user_id,
                                                  const std::optional<std::string>& marker,
                                                  std::optional<std::int64_t> limit) {
  if (marker) {
    store::StoredKeypair ignored;
    auto status = store_.get(user_id, *marker, ignored);
    if (status == store::StoreStatus::not_found)
      return KeypairError{KeypairErrorKind::marker_not_found,
                          "Marker " + *marker + " could not be found."};
    if (status != store::StoreStatus::ok) return unavailable();
  }
  std::vector<store::StoredKeypair> stored;
  if (store_.list(user_id, marker, limit, stored) != store::StoreStatus::ok) return unavailable();
  std::vector<Keypair> keypairs;
  keypairs.reserve(stored.size());
  for (auto& s : stored) keypairs.push_back(from_stored(std::move(s)));
  return keypairs;
}

std::optional<KeypairError> KeypairService::check_quota(const std::string& user_id) {
  if (quota_ < 0) return std::nullopt;
  std::int64_t held = 0;
  if (store_.count(user_id, held) != store::StoreStatus::ok) return unavailable();
  if (held >= quota_) return quota_exceeded();
  return std::nullopt;
}

std::optional<KeypairError> KeypairService::check_before_generation(const std::string& user_id,
                                                                    const std::string& name) {
  if (auto error = check_quota(user_id)) return error;
  store::StoredKeypair existing;
  switch (store_.get(user_id, name, existing)) {
    case store::StoreStatus::ok:
      return duplicate(name);
    case store::StoreStatus::not_found:
      return std::nullopt;
    default:
      return unavailable();
  }
}

Result<KeypairService::PreparedKeypair> KeypairService::prepare_import(
    const std::string& user_id, const std::string& name, const std::string& type,
    const std::string& public_key) {
  if (auto error = check_quota(user_id)) return *error;
  if (auto problem = crypto::public_key_rule_problem(public_key, type == "x509", rules_))
    return KeypairError{KeypairErrorKind::invalid_key, "Keypair data is invalid: " + *problem};
  crypto::FingerprintResult fp = type == "x509" ? crypto::x509_certificate_fingerprint(public_key)
                                                : crypto::ssh_public_key_fingerprint(public_key);
  if (!fp.fingerprint) {
    std::string message = type == "x509"
                              ? "Keypair data is invalid: failed to generate X509 fingerprint. "
                                "Error message: " +
                                    fp.error
                              : "Keypair data is invalid: failed to generate fingerprint";
    return KeypairError{KeypairErrorKind::invalid_key, message};
  }
  PreparedKeypair prepared;
  prepared.row.user_id = user_id;
  prepared.row.name = name;
  prepared.row.type = type;
  prepared.row.public_key = public_key;
  prepared.row.fingerprint = std::move(*fp.fingerprint);
  return prepared;
}

Result<KeypairService::PreparedKeypair> KeypairService::prepare_generate(const std::string& user_id,
                                                                         const std::string& name,
                                                                         const std::string& type) {
  std::optional<crypto::RsaKey> pooled = pool_ ? pool_->take() : std::nullopt;
  crypto::RsaKey key = pooled ? std::move(*pooled) : crypto::generate_rsa_key();
  crypto::GeneratedKeypair generated;
  if (type == "x509") {
    auto made = crypto::x509_keypair_from(key, user_id);
    if (!made)
      return KeypairError{KeypairErrorKind::generation_failed,
                          "Failed to generate an X509 certificate for this user id."};
    generated = std::move(*made);
  } else {
    generated = crypto::ssh_keypair_from(key);
  }
  PreparedKeypair prepared;
  prepared.row.user_id = user_id;
  prepared.row.name = name;
  prepared.row.type = type;
  prepared.row.public_key = std::move(generated.public_key);
  prepared.row.fingerprint = std::move(generated.fingerprint);
  prepared.private_key = std::move(generated.private_key);
  return prepared;
}

void KeypairService::write_create(const store::StoredKeypair& row,
                                  store::KeypairStore::CreateDone done) {
  store_.create_async(row, quota_, std::move(done));
}

Result<CreatedKeypair> KeypairService::finish_create(store::CreateOutcome outcome,
                                                     const std::string& name,
                                                     std::optional<std::string> private_key) {
  if (outcome.status == store::StoreStatus::ok)
    return CreatedKeypair{from_stored(std::move(outcome.keypair)), std::move(private_key)};
  crypto::wipe(private_key);  // not handed out: nobody may ever see it
  switch (outcome.status) {
    case store::StoreStatus::duplicate:
      return duplicate(name);
    case store::StoreStatus::quota_exceeded:
      return quota_exceeded();
    default:
      return unavailable();
  }
}

void KeypairService::write_remove(const std::string& user_id, const std::string& name,
                                  store::KeypairStore::RemoveDone done) {
  store_.remove_async(user_id, name, std::move(done));
}

Result<Empty> KeypairService::finish_remove(store::StoreStatus status, const std::string& user_id,
                                            const std::string& name) {
  switch (status) {
    case store::StoreStatus::ok:
      return Empty{};
    case store::StoreStatus::not_found:
      return not_found(user_id, name);
    default:
      return unavailable();
  }
}

Result<CreatedKeypair> KeypairService::import_key(const std::string& user_id,
                                                  const std::string& name, const std::string& type,
                                                  const std::string& public_key) {
  auto prepared = prepare_import(user_id, name, type, public_key);
  if (auto* error = std::get_if<KeypairError>(&prepared)) return *error;
  auto& p = std::get<PreparedKeypair>(prepared);
  return finish_create(store_.create(p.row, quota_), name, std::nullopt);
}

Result<CreatedKeypair> KeypairService::generate(const std::string& user_id, const std::string& name,
                                                const std::string& type) {
  if (auto error = check_before_generation(user_id, name)) return *error;
  auto prepared = prepare_generate(user_id, name, type);
  if (auto* error = std::get_if<KeypairError>(&prepared)) return *error;
  auto& p = std::get<PreparedKeypair>(prepared);
  return finish_create(store_.create(p.row, quota_), name, std::move(p.private_key));
}

Result<Empty> KeypairService::remove(const std::string& user_id, const std::string& name) {
  return finish_remove(store_.remove(user_id, name), user_id, name);
}

}  // namespace keypaird::keypairs
