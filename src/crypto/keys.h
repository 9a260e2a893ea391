// Public-key checks, fingerprints and key generation, as Nova's crypto module does them.
// Everything here is pure computation on its arguments: safe to call from any thread at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

struct evp_pkey_st;

namespace keypaird::crypto {

// Validates an OpenSSH public key line ("<type> <base64> [comment]") as strictly as Nova
// (pyca's load_ssh_public_key) does, then returns the MD5 of the base64 blob taken as Nova takes
// it (the second field when splitting on single ASCII spaces), as lowercase hex pairs joined by
// ':' (47 characters). A refused key is an invalid_input Status whose message is a
// human-readable reason.
Result<std::string> ssh_public_key_fingerprint(std::string_view public_key);

// Parses a PEM X.509 certificate and returns the SHA-1 of its DER as lowercase hex pairs joined
// by ':' (59 characters). A refused certificate is an invalid_input Status whose message is the
// reason (it follows "Error message: " in the answer Nova gives).
Result<std::string> x509_certificate_fingerprint(std::string_view pem);

// A freshly generated keypair. `private_key` is secret: hand it to the client once, never store
// or log it.
struct GeneratedKeypair {
  std::string private_key;
  std::string public_key;
  std::string fingerprint;
};

// An RSA-2048 private key made ahead of time: the slow part of generating a keypair (tens of
// milliseconds), so a pool can make these in the background. Move-only; the key is freed with
// it. Each one is used for exactly one keypair.
class RsaKey {
 public:
  RsaKey() = default;
  explicit RsaKey(evp_pkey_st* key) : key_(key) {}
  RsaKey(RsaKey&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}
  RsaKey& operator=(RsaKey&& other) noexcept;
  RsaKey(const RsaKey&) = delete;
  RsaKey& operator=(const RsaKey&) = delete;
  ~RsaKey();
  explicit operator bool() const { return key_ != nullptr; }
  evp_pkey_st* get() const { return key_; }

 private:
  evp_pkey_st* key_ = nullptr;
};

// RSA-2048 with e = 65537; empty when OpenSSL fails.
RsaKey generate_rsa_key();

// The keypair Nova returns for a generated ssh key, made from `key` (below); internal where
// there is no key or OpenSSL fails.
Result<GeneratedKeypair> ssh_keypair_from(const RsaKey& key);
// The x509 keypair Nova returns, made from `key` (below); invalid_input where openssl refuses
// the certificate (a user id that does not fit a CN), internal where it fails otherwise.
Result<GeneratedKeypair> x509_keypair_from(const RsaKey& key, std::string_view user_id);

// RSA-2048 (e = 65537): PKCS#1 PEM private key ("-----BEGIN RSA PRIVATE KEY-----", 64-column
// lines, trailing newline) and "ssh-rsa <base64> Generated-by-Nova" (no trailing newline) with
// its MD5 fingerprint. Takes tens of milliseconds: never call it on a network thread. internal
// only if OpenSSL itself fails (out of memory, no RSA provider).
Result<GeneratedKeypair> generate_ssh_keypair();

// A self-signed certificate as Nova makes one: RSA-2048, CN = user_id, valid 10 years,
// extendedKeyUsage clientAuth, subjectAltName otherName UPN "<user_id>@localhost". public_key is
// the PEM certificate, private_key the base64 (one line) of a PKCS#12 bundle with an empty
// password, fingerprint the certificate's SHA-1 fingerprint. A Status where openssl fails (a user
// id longer than 64 characters does not fit a CN).
Result<GeneratedKeypair> generate_x509_keypair(std::string_view user_id);

}  // namespace keypaird::crypto
