// pyca/cryptography 38's PEM certificate loading rules (pem crate 1.0.2, rust-asn1 0.12.2),
// over untrusted bytes.
#include "crypto/x509_certificate.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "common/utf8.h"
#include "crypto/base64.h"
#include "crypto/unicode.h"

namespace keypaird::crypto {
namespace {

Status refuse(std::string reason) { return Status::invalid_input(std::move(reason)); }

// ---- PEM framing, as the pem crate 1.0.2 parser finds it ----

// The crate's scan for `marker`: on a mismatch it restarts matching at the *next* byte without
// re-testing the current one, so "------BEGIN " (six dashes) is not found where it starts.
// Keeping that quirk keeps us accepting exactly the same texts.
bool read_until(std::string_view& input, std::string_view marker, std::string_view& before) {
  std::size_t index = 0;
  std::size_t found = 0;
  while (input.size() - index >= marker.size() - found) {
    if (input[index] == marker[found]) {
      ++found;
    } else {
      found = 0;
    }
    ++index;
    if (found == marker.size()) {
      before = input.substr(0, index - found);
      input.remove_prefix(index);
      return true;
    }
  }
  return false;
}

std::string_view skip_pem_whitespace(std::string_view input) {
  while (!input.empty() &&
         (input[0] == ' ' || input[0] == '\t' || input[0] == '\n' || input[0] == '\r')) {
    input.remove_prefix(1);
  }
  return input;
}

struct PemBlock {
  std::string_view label;
  std::string_view end_label;
  std::string_view body;
};

bool next_pem_block(std::string_view& input, PemBlock& block) {
  std::string_view ignored;
  std::string_view rest = input;
  if (!read_until(rest, "-----BEGIN ", ignored) || !read_until(rest, "-----", block.label)) {
    return false;
  }
  rest = skip_pem_whitespace(rest);
  if (!read_until(rest, "-----END ", block.body) || !read_until(rest, "-----", block.end_label)) {
    return false;
  }
  input = skip_pem_whitespace(rest);
  return true;
}

// Pem::new_from_captures: labels and body must be UTF-8, labels non-empty and equal; the body's
// lines lose trailing whitespace and are joined before the base64 decode. The decoded contents,
// or invalid_input saying what is wrong.
Result<std::string> decode_pem_block(const PemBlock& block) {
  if (!is_valid_utf8(block.label)) return refuse("a PEM label is not UTF-8");
  if (block.label.empty()) return refuse("a PEM BEGIN line has no label");
  if (!is_valid_utf8(block.end_label)) return refuse("a PEM label is not UTF-8");
  if (block.end_label.empty()) return refuse("a PEM END line has no label");
  if (block.label != block.end_label) return refuse("a PEM block's BEGIN and END labels differ");
  if (!is_valid_utf8(block.body)) return refuse("a PEM block is not UTF-8");
  std::string joined;
  joined.reserve(block.body.size());
  std::string_view body = block.body;
  while (!body.empty()) {
    const std::size_t newline = body.find('\n');
    const std::string_view line = body.substr(0, newline);
    joined += trim_end_unicode_whitespace(line);
    if (newline == std::string_view::npos) break;
    body.remove_prefix(newline + 1);
  }
  auto decoded = decode_base64_like_rust_crate(joined);
  if (!decoded) return refuse("a PEM block is not valid base64");
  return std::move(*decoded);
}

// ---- DER, as rust-asn1 0.12.2 reads it ----

struct Tag {
  std::uint32_t number = 0;
  bool constructed = false;
  std::uint8_t tag_class = 0;  // 0 universal, 1 application, 2 context-specific, 3 private
  bool operator==(const Tag&) const = default;
};

constexpr Tag universal(std::uint32_t number, bool constructed) { return {number, constructed, 0}; }
constexpr Tag context(std::uint32_t number, bool constructed) { return {number, constructed, 2}; }

constexpr Tag kBoolean = universal(0x01, false);
constexpr Tag kInteger = universal(0x02, false);
constexpr Tag kBitString = universal(0x03, false);
constexpr Tag kOctetString = universal(0x04, false);
constexpr Tag kOid = universal(0x06, false);
constexpr Tag kUtcTime = universal(0x17, false);
constexpr Tag kGeneralizedTime = universal(0x18, false);
constexpr Tag kSequence = universal(0x10, true);
constexpr Tag kSet = universal(0x11, true);

struct Tlv {
  Tag tag;
  std::string_view content;
  std::string_view whole;  // tag and length included
};

// Subidentifiers and long-form tag numbers: base 128, at most four bytes, minimal.
bool read_base128(std::string_view& data, std::uint32_t& value) {
  value = 0;
  for (int i = 0; i < 4; ++i) {
    if (data.empty()) return false;
    const auto b = static_cast<unsigned char>(data[0]);
    data.remove_prefix(1);
    value = value << 7 | (b & 0x7f);
    if (i == 0 && b == 0x80) return false;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

bool parse_tag(std::string_view& data, Tag& tag) {
  if (data.empty()) return false;
  const auto first = static_cast<unsigned char>(data[0]);
  data.remove_prefix(1);
  tag.number = first & 0x1f;
  tag.constructed = (first & 0x20) != 0;
  tag.tag_class = static_cast<std::uint8_t>(first >> 6);
  if (tag.number == 0x1f) {
    if (!read_base128(data, tag.number) || tag.number < 0x1f) return false;
  }
  return true;
}

// Definite lengths only, in the fewest bytes, at most four of them.
bool parse_length(std::string_view& data, std::size_t& length) {
  if (data.empty()) return false;
  const auto first = static_cast<unsigned char>(data[0]);
  data.remove_prefix(1);
  if ((first & 0x80) == 0) {
    length = first;
    return true;
  }
  const std::size_t count = first & 0x7f;
  if (count < 1 || count > 4 || data.size() < count) return false;
  length = 0;
  for (std::size_t i = 0; i < count; ++i)
    length = length << 8 | static_cast<unsigned char>(data[i]);
  data.remove_prefix(count);
  const std::size_t minimum = count == 1 ? 0x80 : std::size_t{1} << (8 * (count - 1));
  return length >= minimum;
}

class DerReader {
 public:
  explicit DerReader(std::string_view data) : rest_(data) {}

  bool empty() const { return rest_.empty(); }

  bool peek_tag(Tag& tag) const {
    std::string_view copy = rest_;
    return parse_tag(copy, tag);
  }

  bool next_is(const Tag& expected) const {
    Tag tag;
    return peek_tag(tag) && tag == expected;
  }

  bool read(Tlv& tlv) {
    std::string_view data = rest_;
    std::size_t length = 0;
    if (!parse_tag(data, tlv.tag) || !parse_length(data, length) || length > data.size()) {
      return false;
    }
    tlv.content = data.substr(0, length);
    data.remove_prefix(length);
    tlv.whole = rest_.substr(0, rest_.size() - data.size());
    rest_ = data;
    return true;
  }

  bool read(const Tag& expected, std::string_view& content) {
    Tlv tlv;
    if (!read(tlv) || !(tlv.tag == expected)) return false;
    content = tlv.content;
    return true;
  }

 private:
  std::string_view rest_;
};

// The value must be one element and nothing more (rust-asn1's parse_single).
bool single(std::string_view data, const Tag& expected, std::string_view& content) {
  DerReader reader(data);
  return reader.read(expected, content) && reader.empty();
}

bool valid_integer(std::string_view v, bool is_signed) {
  if (v.empty()) return false;
  const auto b0 = static_cast<unsigned char>(v[0]);
  if (v.size() > 1) {
    const auto b1 = static_cast<unsigned char>(v[1]);
    if ((b0 == 0x00 && (b1 & 0x80) == 0) || (b0 == 0xff && (b1 & 0x80) != 0)) return false;
  }
  return is_signed || (b0 & 0x80) == 0;
}

bool parse_u8(std::string_view v, unsigned& value) {
  if (!valid_integer(v, false)) return false;
  if (v.size() == 2 && v[0] == 0) v.remove_prefix(1);
  if (v.size() > 1) return false;
  value = static_cast<unsigned char>(v[0]);
  return true;
}

bool valid_oid(std::string_view v) {
  if (v.empty() || v.size() > 63) return false;  // rust-asn1 stores OIDs in 63 bytes
  while (!v.empty()) {
    std::uint32_t ignored = 0;
    if (!read_base128(v, ignored)) return false;
  }
  return true;
}

bool valid_bit_string(std::string_view v) {
  if (v.empty()) return false;
  const unsigned padding = static_cast<unsigned char>(v[0]);
  const std::string_view bits = v.substr(1);
  if (padding > 7 || (bits.empty() && padding != 0)) return false;
  if (padding > 0 && (static_cast<unsigned char>(bits.back()) & ((1u << padding) - 1)) != 0) {
    return false;
  }
  return true;
}

bool read_digits(std::string_view& v, int count, unsigned& value) {
  value = 0;
  for (int i = 0; i < count; ++i) {
    if (v.empty() || v[0] < '0' || v[0] > '9') return false;
    value = value * 10 + static_cast<unsigned>(v[0] - '0');
    v.remove_prefix(1);
  }
  return true;
}

bool valid_date(unsigned year, unsigned month, unsigned day) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day < 1 || month < 1 || month > 12) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const unsigned days = month == 2 && leap ? 29 : kDays[month - 1];
  return day <= days;
}

// YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ exactly: no fractions, no offsets, no leap seconds.
bool valid_time(std::string_view v, int year_digits) {
  unsigned year = 0;
  unsigned month = 0;
  unsigned day = 0;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  if (!read_digits(v, year_digits, year) || !read_digits(v, 2, month) || !read_digits(v, 2, day)) {
    return false;
  }
  if (year_digits == 2) year += year >= 50 ? 1900 : 2000;
  if (!valid_date(year, month, day)) return false;
  if (!read_digits(v, 2, hour) || !read_digits(v, 2, minute) || !read_digits(v, 2, second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  return v == "Z";
}

bool valid_time_choice(DerReader& reader) {
  Tlv tlv;
  if (!reader.read(tlv)) return false;
  if (tlv.tag == kUtcTime) return valid_time(tlv.content, 2);
  if (tlv.tag == kGeneralizedTime) return valid_time(tlv.content, 4);
  return false;
}

// SEQUENCE { OBJECT IDENTIFIER, ANY OPTIONAL }
bool valid_algorithm_identifier(DerReader& outer) {
  std::string_view content;
  if (!outer.read(kSequence, content)) return false;
  DerReader reader(content);
  std::string_view oid;
  if (!reader.read(kOid, oid) || !valid_oid(oid)) return false;
  if (!reader.empty()) {
    Tlv parameters;
    if (!reader.read(parameters)) return false;
  }
  return reader.empty();
}

bool less_than(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c < 0 || (c == 0 && a.size() < b.size());
}

// SEQUENCE OF SET OF SEQUENCE { OBJECT IDENTIFIER, ANY }, each SET in DER order. The attribute
// values are not looked at.
bool valid_name(DerReader& outer) {
  std::string_view rdns;
  if (!outer.read(kSequence, rdns)) return false;
  DerReader rdn_reader(rdns);
  while (!rdn_reader.empty()) {
    std::string_view set;
    if (!rdn_reader.read(kSet, set)) return false;
    DerReader set_reader(set);
    std::string_view previous;
    bool first = true;
    while (!set_reader.empty()) {
      Tlv element;
      if (!set_reader.read(element)) return false;
      if (!first && less_than(element.whole, previous)) return false;
      first = false;
      previous = element.whole;
      std::string_view attribute;
      if (!single(element.whole, kSequence, attribute)) return false;
      DerReader attribute_reader(attribute);
      std::string_view oid;
      Tlv value;
      if (!attribute_reader.read(kOid, oid) || !valid_oid(oid) || !attribute_reader.read(value) ||
          !attribute_reader.empty()) {
        return false;
      }
    }
  }
  return true;
}

// SEQUENCE OF SEQUENCE { OBJECT IDENTIFIER, BOOLEAN DEFAULT FALSE, OCTET STRING }. The values
// are not decoded at load time, and duplicates are only noticed later.
bool valid_extensions(std::string_view explicit_content) {
  std::string_view list;
  if (!single(explicit_content, kSequence, list)) return false;
  DerReader list_reader(list);
  while (!list_reader.empty()) {
    std::string_view extension;
    if (!list_reader.read(kSequence, extension)) return false;
    DerReader reader(extension);
    std::string_view oid;
    if (!reader.read(kOid, oid) || !valid_oid(oid)) return false;
    if (reader.next_is(kBoolean)) {
      std::string_view critical;
      // FALSE is the default, so DER forbids writing it.
      if (!reader.read(kBoolean, critical) || critical != "\xff") return false;
    }
    std::string_view value;
    if (!reader.read(kOctetString, value) || !reader.empty()) return false;
  }
  return true;
}

// TBSCertificate: its raw version number (0 = v1, 2 = v3), or invalid_input saying which field
// is malformed.
Result<unsigned> check_tbs(std::string_view tbs) {
  DerReader reader(tbs);
  unsigned version = 0;
  if (reader.next_is(context(0, true))) {
    std::string_view explicit_version;
    std::string_view integer;
    if (!reader.read(context(0, true), explicit_version) ||
        !single(explicit_version, kInteger, integer) || !parse_u8(integer, version)) {
      return refuse("the version is malformed");
    }
    if (version == 0) return refuse("the default version is encoded explicitly");
  }
  std::string_view serial;
  if (!reader.read(kInteger, serial) || !valid_integer(serial, true)) {
    return refuse("the serial number is malformed");
  }
  if (!valid_algorithm_identifier(reader)) return refuse("the signature algorithm is malformed");
  if (!valid_name(reader)) return refuse("the issuer name is malformed");
  std::string_view validity;
  if (!reader.read(kSequence, validity)) return refuse("the validity is malformed");
  DerReader validity_reader(validity);
  if (!valid_time_choice(validity_reader) || !valid_time_choice(validity_reader) ||
      !validity_reader.empty()) {
    return refuse("the validity dates are malformed");
  }
  if (!valid_name(reader)) return refuse("the subject name is malformed");
  std::string_view spki;
  if (!reader.read(kSequence, spki)) return refuse("the public key info is malformed");
  DerReader spki_reader(spki);
  std::string_view key_bits;
  if (!valid_algorithm_identifier(spki_reader) || !spki_reader.read(kBitString, key_bits) ||
      !valid_bit_string(key_bits) || !spki_reader.empty()) {
    return refuse("the public key info is malformed");
  }
  for (const std::uint32_t unique_id : {1u, 2u}) {
    if (reader.next_is(context(unique_id, false))) {
      std::string_view bits;
      if (!reader.read(context(unique_id, false), bits) || !valid_bit_string(bits)) {
        return refuse("a unique identifier is malformed");
      }
    }
  }
  if (reader.next_is(context(3, true))) {
    std::string_view extensions;
    if (!reader.read(context(3, true), extensions) || !valid_extensions(extensions)) {
      return refuse("the extensions are malformed");
    }
  }
  if (!reader.empty()) return refuse("unexpected fields after the extensions");
  return version;
}

}  // namespace

Result<std::string> find_pem_certificate(std::string_view text) {
  std::optional<std::string> certificate;
  bool any_block = false;
  PemBlock block;
  // Every block is decoded, even after the certificate: one bad block fails the whole text.
  while (!text.empty() && next_pem_block(text, block)) {
    any_block = true;
    auto contents = decode_pem_block(block);
    if (!contents) return std::move(contents).status();
    if (!certificate && (block.label == "CERTIFICATE" || block.label == "X509 CERTIFICATE")) {
      certificate = std::move(contents).value();
    }
  }
  if (!any_block) return refuse("no PEM certificate found");
  if (!certificate) return refuse("the PEM data holds no CERTIFICATE block");
  return std::move(*certificate);
}

Status check_certificate_der(std::string_view der) {
  std::string_view certificate;
  if (!single(der, kSequence, certificate))
    return refuse("the certificate is not a single DER SEQUENCE");
  DerReader reader(certificate);
  std::string_view tbs;
  if (!reader.read(kSequence, tbs)) return refuse("the certificate has no TBSCertificate");
  auto version = check_tbs(tbs);
  if (!version) return version.status();
  if (!valid_algorithm_identifier(reader)) return refuse("the signature algorithm is malformed");
  std::string_view signature;
  if (!reader.read(kBitString, signature) || !valid_bit_string(signature)) {
    return refuse("the signature is malformed");
  }
  if (!reader.empty()) return refuse("unexpected data after the signature");
  if (*version != 0 && *version != 2)
    return refuse("unsupported X.509 version " + std::to_string(*version + 1));
  return Status::ok();
}

}  // namespace keypaird::crypto
