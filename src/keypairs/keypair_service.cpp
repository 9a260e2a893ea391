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

Result<CreatedKeypair> KeypairService::import_key(const std::string& user_id,
                                                  const std::string& name, const std::string& type,
                                                  const std::string& public_key) {
  if (auto error = check_quota(user_id)) return *error;
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
  Keypair keypair;
  keypair.user_id = user_id;
  keypair.name = name;
  keypair.type = type;
  keypair.public_key = public_key;
  keypair.fingerprint = *fp.fingerprint;
  return insert(std::move(keypair), std::nullopt);
}

Result<CreatedKeypair> KeypairService::generate(const std::string& user_id, const std::string& name,
                                                const std::string& type) {
  if (auto error = check_quota(user_id)) return *error;
  crypto::GeneratedKeypair generated;
  if (type == "x509") {
    auto made = crypto::generate_x509_keypair(user_id);
    if (!made)
      return KeypairError{KeypairErrorKind::generation_failed,
                          "Failed to generate an X509 certificate for this user id."};
    generated = std::move(*made);
  } else {
    generated = crypto::generate_ssh_keypair();
  }
  Keypair keypair;
  keypair.user_id = user_id;
  keypair.name = name;
  keypair.type = type;
  keypair.public_key = std::move(generated.public_key);
  keypair.fingerprint = std::move(generated.fingerprint);
  return insert(std::move(keypair), std::move(generated.private_key));
}

Result<CreatedKeypair> KeypairService::insert(Keypair keypair,
                                              std::optional<std::string> private_key) {
  store::StoredKeypair row;
  row.user_id = keypair.user_id;
  row.name = keypair.name;
  row.fingerprint = keypair.fingerprint;
  row.public_key = keypair.public_key;
  row.type = keypair.type;
  auto outcome = store_.create(row, quota_);
  if (outcome.status == store::StoreStatus::ok)
    return CreatedKeypair{from_stored(std::move(outcome.keypair)), std::move(private_key)};
  crypto::wipe(private_key);  // not handed out: nobody may ever see it
  switch (outcome.status) {
    case store::StoreStatus::duplicate:
      return KeypairError{KeypairErrorKind::duplicate,
                          "Key pair '" + keypair.name + "' already exists."};
    case store::StoreStatus::quota_exceeded:
      return quota_exceeded();
    default:
      return unavailable();
  }
}

Result<Empty> KeypairService::remove(const std::string& user_id, const std::string& name) {
  switch (store_.remove(user_id, name)) {
    case store::StoreStatus::ok:
      return Empty{};
    case store::StoreStatus::not_found:
      return not_found(user_id, name);
    default:
      return unavailable();
  }
}

}  // namespace keypaird::keypairs
