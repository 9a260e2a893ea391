// check_public_key_rules: the size, the RSA modulus and, in strict mode, the shape of the line.
#include "crypto/public_key_rules.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>

#include "crypto/openssh_public_key.h"
#include "crypto/openssl_handles.h"

namespace keypaird::crypto {
namespace {

// The RSA modulus size of a PEM certificate, when OpenSSL reads one and its key is RSA.
std::optional<int> x509_rsa_modulus_bits(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return std::nullopt;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return std::nullopt;
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return std::nullopt;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());  // owned by the certificate
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return std::nullopt;
  return EVP_PKEY_get_bits(key);
}

// Strict mode: a line break, or any control character but a tab, would let one value carry a
// second authorized_keys line (sshd splits on newlines; other tools split on more).
bool has_line_break_or_control(std::string_view key) {
  for (std::size_t i = 0; i < key.size(); ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < key.size()) {  // U+0080..U+009F (C1 controls, NEL among them)
      auto next = static_cast<unsigned char>(key[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return true;
    }
    if (c == 0xe2 && key.substr(i, 3) == "\xe2\x80\xa8") return true;  // U+2028
    if (c == 0xe2 && key.substr(i, 3) == "\xe2\x80\xa9") return true;  // U+2029
  }
  return false;
}

}  // namespace

Status check_public_key_rules(std::string_view key, bool x509, const PublicKeyRules& rules) {
  if (key.size() > rules.max_bytes)
    return Status::invalid_input("the public key is larger than " +
                                 std::to_string(rules.max_bytes) + " bytes");
  std::optional<int> bits = x509 ? x509_rsa_modulus_bits(key) : openssh_rsa_modulus_bits(key);
  if (bits && *bits > rules.max_rsa_bits)
    return Status::invalid_input("RSA keys of more than " + std::to_string(rules.max_rsa_bits) +
                                 " bits are not accepted");
  if (rules.strict) {
    if (x509) {
      std::size_t first = key.find("-----BEGIN ");
      if (first != std::string_view::npos &&
          key.find("-----BEGIN ", first + 1) != std::string_view::npos)
        return Status::invalid_input("only one certificate per keypair is accepted");
    } else {
      std::string_view line = key;
      if (!line.empty() && line.back() == '\n') line.remove_suffix(1);  // one final newline
      if (has_line_break_or_control(line))
        return Status::invalid_input("only one key, on one line, is accepted (strict_public_keys)");
      if (line.empty() || line.front() == ' ' || line.front() == '\t')
        return Status::invalid_input("the key must start with its type (strict_public_keys)");
    }
  }
  return Status::ok();
}

}  // namespace keypaird::crypto
