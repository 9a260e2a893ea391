// Bounds keypaird puts on imported public keys beyond Nova's own acceptance set: a size cap
// (a key is copied into every list answer, so an oversized one multiplies memory and CPU), an
// RSA modulus cap, and, when the operator asks for it, one key on one line only (the value is
// written verbatim into guests' authorized_keys, where a second line is a second key).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keypaird::crypto {

struct PublicKeyRules {
  std::size_t max_bytes = 16384;  // the whole value as sent
  int max_rsa_bits = 16384;       // RSA modulus, OpenSSH or x509
  bool strict = false;            // [keypaird] strict_public_keys
};

// ok when `key` keeps to `rules`; otherwise invalid_input with the reason, which follows
// "Keypair data is invalid: " in the answer. Cheap checks first: the size before any parsing.
Status check_public_key_rules(std::string_view key, bool x509, const PublicKeyRules& rules);

}  // namespace keypaird::crypto
