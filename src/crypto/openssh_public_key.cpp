// pyca/cryptography 38's load_ssh_public_key acceptance rules, over untrusted bytes.
#include "crypto/openssh_public_key.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <array>
#include <cstdint>
#include <limits>

#include "crypto/base64.h"
#include "crypto/openssl_handles.h"

namespace keypaird::crypto {
namespace {

// Every check below is ok, or invalid_input with a short reason.
Status refuse(const char* reason) { return Status::invalid_input(reason); }

constexpr std::string_view kCertSuffix = "-cert-v01@openssh.com";

// Python's bytes regex \s: ASCII whitespace only.
bool is_python_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Walks an SSH wire-format blob (RFC 4251 section 5). Every read checks the remaining length
// first, so a hostile length field can never reach past the end.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : rest_(data) {}

  bool u32(std::uint32_t& value) {
    if (rest_.size() < 4) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) value = value << 8 | static_cast<unsigned char>(rest_[i]);
    rest_.remove_prefix(4);
    return true;
  }

  bool u64() {
    if (rest_.size() < 8) return false;
    rest_.remove_prefix(8);
    return true;
  }

  bool string(std::string_view& value) {
    std::uint32_t length = 0;
    if (!u32(length) || length > rest_.size()) return false;
    value = rest_.substr(0, length);
    rest_.remove_prefix(length);
    return true;
  }

  // pyca refuses negative mpints but takes leading zero bytes and the empty string (zero).
  bool mpint(openssl::Bignum& value) {
    std::string_view bytes;
    if (!string(bytes)) return false;
    if (!bytes.empty() && static_cast<unsigned char>(bytes[0]) > 0x7f) return false;
    if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return false;
    value.reset(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()), nullptr));
    return value != nullptr;
  }

  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

enum class KeyKind { kRsa, kDsa, kEcdsa, kEd25519 };

struct KeyFormat {
  std::string_view name;
  KeyKind kind;
  std::string_view curve_name;  // ECDSA only
  int curve_nid;                // ECDSA only
};

constexpr std::array<KeyFormat, 6> kFormats{{
    {"ssh-rsa", KeyKind::kRsa, "", NID_undef},
    {"ssh-dss", KeyKind::kDsa, "", NID_undef},
    {"ssh-ed25519", KeyKind::kEd25519, "", NID_undef},
    {"ecdsa-sha2-nistp256", KeyKind::kEcdsa, "nistp256", NID_X9_62_prime256v1},
    {"ecdsa-sha2-nistp384", KeyKind::kEcdsa, "nistp384", NID_secp384r1},
    {"ecdsa-sha2-nistp521", KeyKind::kEcdsa, "nistp521", NID_secp521r1},
}};

const KeyFormat* find_format(std::string_view name) {
  for (const auto& format : kFormats) {
    if (format.name == name) return &format;
  }
  return nullptr;
}

// RSAPublicNumbers.public_key(): pyca checks the numbers only; OpenSSL adds nothing at load.
Status check_rsa(WireReader& reader) {
  openssl::Bignum e;
  openssl::Bignum n;
  if (!reader.mpint(e) || !reader.mpint(n)) return refuse("truncated or negative RSA field");
  openssl::Bignum three(BN_new());
  if (!three || !BN_set_word(three.get(), 3)) return refuse("out of memory");
  if (BN_cmp(n.get(), three.get()) < 0) return refuse("RSA modulus below 3");
  if (BN_cmp(e.get(), three.get()) < 0 || BN_cmp(e.get(), n.get()) >= 0) {
    return refuse("RSA exponent outside [3, n)");
  }
  if (!BN_is_odd(e.get())) return refuse("RSA exponent is even");
  return Status::ok();
}

// pyca's SSH loader insists on 1024-bit p, then DSAPublicNumbers checks q's size and g's range.
Status check_dsa(WireReader& reader) {
  openssl::Bignum p;
  openssl::Bignum q;
  openssl::Bignum g;
  openssl::Bignum y;
  if (!reader.mpint(p) || !reader.mpint(q) || !reader.mpint(g) || !reader.mpint(y)) {
    return refuse("truncated or negative DSA field");
  }
  if (BN_num_bits(p.get()) != 1024) return refuse("DSA p is not 1024 bits");
  const int q_bits = BN_num_bits(q.get());
  if (q_bits != 160 && q_bits != 224 && q_bits != 256)
    return refuse("DSA q has an unsupported size");
  if (BN_cmp(g.get(), BN_value_one()) <= 0 || BN_cmp(g.get(), p.get()) >= 0) {
    return refuse("DSA g outside (1, p)");
  }
  return Status::ok();
}

// EllipticCurvePublicKey.from_encoded_point: EC_POINT_oct2point rejects wrong lengths,
// coordinates >= p and points off the curve, as it did for pyca.
Status check_ecdsa(WireReader& reader, const KeyFormat& format) {
  std::string_view curve;
  std::string_view point;
  if (!reader.string(curve) || !reader.string(point)) return refuse("truncated ECDSA field");
  if (curve != format.curve_name) return refuse("ECDSA curve name does not match the key type");
  if (point.empty() || static_cast<unsigned char>(point[0]) != 0x04) {
    return refuse("ECDSA point is not uncompressed");
  }
  const openssl::EcGroup group(EC_GROUP_new_by_curve_name(format.curve_nid));
  if (!group) return refuse("out of memory");
  const openssl::EcPoint decoded(EC_POINT_new(group.get()));
  if (!decoded) return refuse("out of memory");
  if (EC_POINT_oct2point(group.get(), decoded.get(),
                         reinterpret_cast<const unsigned char*>(point.data()), point.size(),
                         nullptr) != 1) {
    return refuse("ECDSA point is not on the curve");
  }
  return Status::ok();
}

// Ed25519PublicKey.from_public_bytes: any 32 bytes; OpenSSL does not validate the point.
Status check_ed25519(WireReader& reader) {
  std::string_view point;
  if (!reader.string(point)) return refuse("truncated Ed25519 field");
  if (point.size() != 32) return refuse("Ed25519 key is not 32 bytes");
  const openssl::Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(point.data()),
      point.size()));
  if (!key) return refuse("Ed25519 key could not be loaded");
  return Status::ok();
}

Status check_key(WireReader& reader, const KeyFormat& format) {
  switch (format.kind) {
    case KeyKind::kRsa:
      return check_rsa(reader);
    case KeyKind::kDsa:
      return check_dsa(reader);
    case KeyKind::kEcdsa:
      return check_ecdsa(reader, format);
    case KeyKind::kEd25519:
      return check_ed25519(reader);
  }
  return refuse("unsupported key type");
}

// The certificate fields after the key, which pyca reads but never interprets.
bool skip_certificate_trailer(WireReader& reader) {
  std::uint32_t cert_type = 0;
  std::string_view ignored;
  return reader.u64() && reader.u32(cert_type) && reader.string(ignored) &&  // serial, type, id
         reader.string(ignored) && reader.u64() && reader.u64() &&           // principals, validity
         reader.string(ignored) && reader.string(ignored) &&  // critical options, exts
         reader.string(ignored) && reader.string(ignored) &&  // reserved, signature key
         reader.string(ignored);                              // signature
}

// The two leading fields of a key line, as pyca splits them.
struct KeyLine {
  std::string_view full_type;  // with a certificate suffix, if any
  const KeyFormat* format = nullptr;
  bool with_cert = false;
  std::string_view body;  // the base64
};

Status split_key_line(std::string_view line, KeyLine& out) {
  // pyca matches rb"\A(\S+)[ \t]+(\S+)" and ignores whatever follows the second field.
  std::size_t type_end = 0;
  while (type_end < line.size() && !is_python_space(line[type_end])) ++type_end;
  if (type_end == 0) return refuse("the line does not start with a key type");
  std::size_t body_start = type_end;
  while (body_start < line.size() && (line[body_start] == ' ' || line[body_start] == '\t')) {
    ++body_start;
  }
  if (body_start == type_end) return refuse("no space or tab after the key type");
  std::size_t body_end = body_start;
  while (body_end < line.size() && !is_python_space(line[body_end])) ++body_end;
  if (body_end == body_start) return refuse("no key data after the key type");

  out.full_type = line.substr(0, type_end);
  std::string_view type = out.full_type;
  out.with_cert = type.size() >= kCertSuffix.size() &&
                  type.substr(type.size() - kCertSuffix.size()) == kCertSuffix;
  if (out.with_cert) type.remove_suffix(kCertSuffix.size());
  out.format = find_format(type);
  if (out.format == nullptr) return refuse("unsupported key type");
  out.body = line.substr(body_start, body_end - body_start);
  return Status::ok();
}

// Reads the type string (and a certificate's nonce) at the start of the blob.
Status read_blob_prefix(WireReader& reader, const KeyLine& key) {
  std::string_view inner_type;
  if (!reader.string(inner_type)) return refuse("truncated key data");
  if (inner_type != key.full_type) return refuse("the key data is for another key type");
  if (key.with_cert) {
    std::string_view nonce;
    if (!reader.string(nonce)) return refuse("truncated certificate");
  }
  return Status::ok();
}

}  // namespace

Status check_openssh_public_key(std::string_view line) {
  KeyLine key;
  if (Status split = split_key_line(line, key); !split) return split;
  const auto blob = decode_base64_like_python(key.body);
  if (!blob) return refuse("the key data is not valid base64");

  WireReader reader(*blob);
  if (Status prefix = read_blob_prefix(reader, key); !prefix) return prefix;
  if (Status checked = check_key(reader, *key.format); !checked) return checked;
  if (key.with_cert && !skip_certificate_trailer(reader)) return refuse("truncated certificate");
  if (!reader.empty()) return refuse("unexpected bytes after the key");
  return Status::ok();
}

std::optional<int> openssh_rsa_modulus_bits(std::string_view line) {
  KeyLine key;
  if (!split_key_line(line, key) || key.format->kind != KeyKind::kRsa) return std::nullopt;
  const auto blob = decode_base64_like_python(key.body);
  if (!blob) return std::nullopt;
  WireReader reader(*blob);
  if (!read_blob_prefix(reader, key)) return std::nullopt;
  openssl::Bignum e, n;
  if (!reader.mpint(e) || !reader.mpint(n)) return std::nullopt;
  return BN_num_bits(n.get());
}

}  // namespace keypaird::crypto
