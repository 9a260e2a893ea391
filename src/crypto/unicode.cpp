// UTF-8 validation and Rust-style whitespace trimming for the key parsers.
#include "crypto/unicode.h"

#include <cstdint>

namespace keypaird::crypto {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

bool is_rust_whitespace(std::uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return false;
    }
    if (n - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if (!is_continuation(cc)) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

std::string_view trim_end_unicode_whitespace(std::string_view text) {
  while (!text.empty()) {
    // Step back to the first byte of the last character.
    std::size_t start = text.size() - 1;
    while (start > 0 && is_continuation(static_cast<unsigned char>(text[start]))) --start;
    const auto lead = static_cast<unsigned char>(text[start]);
    std::uint32_t cp = 0;
    if (lead < 0x80) {
      cp = lead;
    } else if (lead >= 0xf0) {
      cp = lead & 0x07;
    } else if (lead >= 0xe0) {
      cp = lead & 0x0f;
    } else {
      cp = lead & 0x1f;
    }
    for (std::size_t k = start + 1; k < text.size(); ++k) {
      cp = cp << 6 | (static_cast<unsigned char>(text[k]) & 0x3f);
    }
    if (!is_rust_whitespace(cp)) break;
    text.remove_suffix(text.size() - start);
  }
  return text;
}

}  // namespace keypaird::crypto
