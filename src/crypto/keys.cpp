// Nova's crypto module for keypairs: fingerprints of imported keys and generation of new ones.
#include "crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <utility>

#include "common/utf8.h"
#include "crypto/base64.h"
#include "crypto/openssh_public_key.h"
#include "crypto/openssl_handles.h"
#include "crypto/x509_certificate.h"

namespace keypaird::crypto {
namespace {

constexpr int kRsaBits = 2048;
constexpr long kCertificateDays = 3650;
// Microsoft's User Principal Name, which Windows (cloudbase-init) matches to a local user.
constexpr const char* kUpnOid = "1.3.6.1.4.1.311.20.2.3";

// Keeps the errors OpenSSL queues for inputs we refuse from leaking to whatever the calling
// thread does next with OpenSSL (a TLS read would otherwise report them).
class OpenSslErrorScope {
 public:
  OpenSslErrorScope() { ERR_set_mark(); }
  ~OpenSslErrorScope() { ERR_pop_to_mark(); }
  OpenSslErrorScope(const OpenSslErrorScope&) = delete;
  OpenSslErrorScope& operator=(const OpenSslErrorScope&) = delete;
};

Status refuse(std::string reason) { return Status::invalid_input(std::move(reason)); }

std::string colon_hex(const unsigned char* bytes, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 3);
  for (unsigned int i = 0; i < size; ++i) {
    if (i != 0) out += ':';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0x0f];
  }
  return out;
}

std::optional<std::string> digest_hex(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) return std::nullopt;
  return colon_hex(out, size);
}

Result<std::string> fingerprint(const EVP_MD* md, std::string_view data) {
  auto hex = digest_hex(md, data);
  if (!hex) return refuse("the digest could not be computed");
  return std::move(*hex);
}

// SSH wire-format string / mpint (RFC 4251 section 5).
void append_ssh_string(std::string& out, std::string_view bytes) {
  const auto size = static_cast<std::uint32_t>(bytes.size());
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(size >> shift & 0xff);
  out += bytes;
}

bool append_ssh_mpint(std::string& out, const BIGNUM* value) {
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(value)), '\0');
  if (BN_bn2bin(value, reinterpret_cast<unsigned char*>(bytes.data())) < 0) return false;
  // A set top bit would read as negative, so such values get a leading zero byte.
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80) != 0) {
    bytes.insert(0, 1, '\0');
  }
  append_ssh_string(out, bytes);
  return true;
}

openssl::Pkey new_rsa_key() {
  const openssl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  const openssl::Bignum exponent(BN_new());
  if (!ctx || !exponent || !BN_set_word(exponent.get(), RSA_F4) ||
      EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), kRsaBits) != 1 ||
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), exponent.get()) != 1) {
    return nullptr;
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &key) != 1) return nullptr;
  return openssl::Pkey(key);
}

// PKCS#1 "RSA PRIVATE KEY" PEM, as paramiko writes it.
std::optional<std::string> pkcs1_private_key_pem(EVP_PKEY* key) {
  OSSL_ENCODER_CTX* raw_ctx = OSSL_ENCODER_CTX_new_for_pkey(key, OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM",
                                                            "type-specific", nullptr);
  const std::unique_ptr<OSSL_ENCODER_CTX, openssl::Deleter<OSSL_ENCODER_CTX_free>> ctx(raw_ctx);
  if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0) return std::nullopt;
  unsigned char* data = nullptr;
  std::size_t size = 0;
  if (OSSL_ENCODER_to_data(ctx.get(), &data, &size) != 1) return std::nullopt;
  std::string pem(reinterpret_cast<const char*>(data), size);
  OPENSSL_clear_free(data, size);
  return pem;
}

std::optional<std::string> openssh_rsa_blob(const EVP_PKEY* key) {
  BIGNUM* raw_n = nullptr;
  BIGNUM* raw_e = nullptr;
  const bool got_n = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &raw_n) == 1;
  const openssl::Bignum n(raw_n);
  const bool got_e = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &raw_e) == 1;
  const openssl::Bignum e(raw_e);
  if (!got_n || !got_e) return std::nullopt;
  std::string blob;
  append_ssh_string(blob, "ssh-rsa");
  if (!append_ssh_mpint(blob, e.get()) || !append_ssh_mpint(blob, n.get())) return std::nullopt;
  return blob;
}

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// subjectAltName otherName UPN;UTF8:<user_id>@localhost. Built by hand rather than through the
// config-string parser, which would read commas or colons in a user id as syntax.
bool add_upn_subject_alt_name(X509* cert, std::string_view user_id) {
  const std::string upn = std::string(user_id) + "@localhost";
  const openssl::GeneralNames names(GENERAL_NAMES_new());
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (!names || name == nullptr) {
    GENERAL_NAME_free(name);
    return false;
  }
  if (sk_GENERAL_NAME_push(names.get(), name) == 0) {
    GENERAL_NAME_free(name);
    return false;
  }
  ASN1_OBJECT* type_id = OBJ_txt2obj(kUpnOid, 1);
  ASN1_UTF8STRING* text = ASN1_UTF8STRING_new();
  ASN1_TYPE* value = ASN1_TYPE_new();
  const bool built = type_id != nullptr && text != nullptr && value != nullptr &&
                     ASN1_STRING_set(text, upn.data(), static_cast<int>(upn.size())) == 1;
  if (!built) {
    ASN1_OBJECT_free(type_id);
    ASN1_UTF8STRING_free(text);
    ASN1_TYPE_free(value);
    return false;
  }
  ASN1_TYPE_set(value, V_ASN1_UTF8STRING, text);  // value owns text from here
  if (GENERAL_NAME_set0_othername(name, type_id, value) != 1) {
    ASN1_OBJECT_free(type_id);
    ASN1_TYPE_free(value);
    return false;
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

// What `openssl req -x509 -nodes -days 3650 -newkey rsa:2048 -subj /CN=<user_id>
// -extensions v3_req_client` makes with Nova's config (OpenSSL 3 adds the key identifier).
openssl::X509Cert self_signed_certificate(EVP_PKEY* key, std::string_view user_id) {
  openssl::X509Cert cert(X509_new());
  const openssl::Bignum serial_bits(BN_new());
  if (!cert || !serial_bits || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      BN_rand(serial_bits.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial_bits.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return nullptr;
  }
  X509_NAME* subject = X509_get_subject_name(cert.get());
  // OpenSSL enforces the CN's 1..64 character bounds here, as `openssl req` does.
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(user_id.data()),
                                 static_cast<int>(user_id.size()), -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), subject) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), kCertificateDays, 0, nullptr) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1 ||
      !add_extension(cert.get(), NID_ext_key_usage, "clientAuth") ||
      !add_upn_subject_alt_name(cert.get(), user_id) ||
      !add_extension(cert.get(), NID_subject_key_identifier, "hash") ||
      X509_sign(cert.get(), key, EVP_sha256()) == 0) {
    return nullptr;
  }
  return cert;
}

std::optional<std::string> certificate_pem(X509* cert) {
  const openssl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return std::nullopt;
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  if (size <= 0) return std::nullopt;
  return std::string(data, static_cast<std::size_t>(size));
}

// `openssl pkcs12 -export -password pass:`, base64 on one line.
std::optional<std::string> pkcs12_base64(EVP_PKEY* key, X509* cert) {
  const openssl::Pkcs12 bundle(PKCS12_create("", nullptr, key, cert, nullptr, 0, 0, 0, 0, 0));
  if (!bundle) return std::nullopt;
  unsigned char* der = nullptr;
  const int size = i2d_PKCS12(bundle.get(), &der);
  if (size <= 0) return std::nullopt;
  std::string encoded = base64_encode(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size)));
  OPENSSL_clear_free(der, static_cast<std::size_t>(size));
  return encoded;
}

}  // namespace

Result<std::string> ssh_public_key_fingerprint(std::string_view public_key) {
  const OpenSslErrorScope errors;
  // Nova passes public_key.encode('utf-8') to pyca; only lone surrogates fail there, and they
  // reach us as invalid UTF-8.
  if (!is_valid_utf8(public_key)) return refuse("the key is not valid UTF-8");
  if (Status loads = check_openssh_public_key(public_key); !loads) return refuse(loads.message());
  // Nova hashes base64decode(public_key.split(' ')[1]) rather than what pyca parsed, so with two
  // spaces it hashes an empty field, and with a tab separator it decodes the comment.
  const std::size_t first_space = public_key.find(' ');
  if (first_space == std::string_view::npos) return refuse("no space-separated key data");
  std::string_view field = public_key.substr(first_space + 1);
  field = field.substr(0, field.find(' '));
  for (const char c : field) {
    // Python's b64decode refuses a str with non-ASCII characters before decoding.
    if (static_cast<unsigned char>(c) >= 0x80) return refuse("the key data is not ASCII");
  }
  const auto blob = decode_base64_like_python(field);
  if (!blob) return refuse("the key data has incorrect base64 padding");
  return fingerprint(EVP_md5(), *blob);
}

Result<std::string> x509_certificate_fingerprint(std::string_view pem) {
  const OpenSslErrorScope errors;
  if (!is_valid_utf8(pem)) return refuse("the certificate is not valid UTF-8 text");
  auto der = find_pem_certificate(pem);
  if (!der.is_ok()) return std::move(der).status();
  if (const Status parsed = check_certificate_der(*der); !parsed.is_ok()) {
    return refuse("the certificate could not be parsed: " + parsed.message());
  }
  // pyca hashes its re-encoding of the parsed certificate, which for DER it accepted is these
  // same bytes.
  return fingerprint(EVP_sha1(), *der);
}

RsaKey& RsaKey::operator=(RsaKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
  }
  return *this;
}

RsaKey::~RsaKey() { EVP_PKEY_free(key_); }

RsaKey generate_rsa_key() {
  const OpenSslErrorScope errors;
  return RsaKey(new_rsa_key().release());
}

Result<GeneratedKeypair> ssh_keypair_from(const RsaKey& key) {
  const OpenSslErrorScope errors;
  if (!key) return Status::internal("RSA key generation failed");
  auto private_key = pkcs1_private_key_pem(key.get());
  const auto blob = openssh_rsa_blob(key.get());
  if (!private_key || !blob) return Status::internal("RSA key encoding failed");
  auto hex = digest_hex(EVP_md5(), *blob);
  if (!hex) return Status::internal("MD5 digest failed");
  GeneratedKeypair keypair;
  keypair.private_key = std::move(*private_key);
  keypair.public_key = "ssh-rsa " + base64_encode(*blob) + " Generated-by-Nova";
  keypair.fingerprint = std::move(*hex);
  return keypair;
}

Result<GeneratedKeypair> x509_keypair_from(const RsaKey& key, std::string_view user_id) {
  const OpenSslErrorScope errors;
  if (!key) return Status::internal("no RSA key to certify");
  const openssl::X509Cert cert = self_signed_certificate(key.get(), user_id);
  if (!cert) return Status::invalid_input("the user id cannot be a certificate's common name");
  auto pem = certificate_pem(cert.get());
  auto bundle = pkcs12_base64(key.get(), cert.get());
  if (!pem || !bundle) return Status::internal("the certificate could not be serialised");
  auto fp = x509_certificate_fingerprint(*pem);
  if (!fp.is_ok()) return Status::internal("the new certificate could not be fingerprinted");
  GeneratedKeypair keypair;
  keypair.private_key = std::move(*bundle);
  keypair.public_key = std::move(*pem);
  keypair.fingerprint = std::move(fp).value();
  return keypair;
}

Result<GeneratedKeypair> generate_ssh_keypair() { return ssh_keypair_from(generate_rsa_key()); }

Result<GeneratedKeypair> generate_x509_keypair(std::string_view user_id) {
  return x509_keypair_from(generate_rsa_key(), user_id);
}

}  // namespace keypaird::crypto
