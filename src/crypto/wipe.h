// Overwriting secrets (generated private keys) before their memory is freed or reused, in a way
// the optimiser may not remove (OPENSSL_cleanse).
#pragma once

#include <openssl/crypto.h>

#include <optional>
#include <string>

namespace keypaird::crypto {

// Zeroes every byte the string owns, including spare capacity, then empties it.
inline void wipe(std::string& secret) {
  secret.resize(secret.capacity());  // the tail may hold bytes of an earlier, longer value
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

inline void wipe(std::optional<std::string>& secret) {
  if (secret) wipe(*secret);
}

}  // namespace keypaird::crypto
