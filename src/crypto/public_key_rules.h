// Bounds keypaird puts on imported public keys beyond Nova's own acceptance set: a size cap
// (a key is copied into every list answer, so an oversized one multiplies memory and CPU), an
// RSA modulus cap, and, when the operator asks for it, one key on one line only (the value is
// written verbatim into guests' authorized_keys, where a second line is a second key).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace keypaird::crypto {

struct PublicKeyRules {
  std::size_t max_bytes = 16384;  // the whole value as sent
  int max_rsa_bits = 16384;       // RSA modulus, OpenSSH or x509
  bool strict = false;            // [keypaird] strict_public_keys
};

// nullopt when `key` keeps to `rules`; otherwise the reason, which follows "Keypair data is
// invalid: " in the answer. Cheap checks first: the size before any parsing.
std::optional<std::string> public_key_rule_problem(std::string_view key, bool x509,
                                                   const PublicKeyRules& rules);

}  // namespace keypaird::crypto
