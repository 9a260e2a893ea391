// Rust-style whitespace trimming for the key parsers.
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
