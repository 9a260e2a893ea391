// append_json_string (see json_string.h). It runs over every key of every list answer, so the
// common case is a table lookup per byte and one append per unescaped stretch.
#include "common/json_string.h"

#include <array>

#include "common/utf8.h"

namespace keypaird {

void append_json_string(std::string& out, std::string_view text, Surrogates surrogates) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Bytes that end an unescaped stretch: the ones to escape, and every non-ASCII byte (checked
  // against UTF-8 before it is copied).
  static constexpr auto kStop = [] {
    std::array<bool, 256> table{};
    for (std::size_t c = 0; c < 0x20; ++c) table[c] = true;
    for (std::size_t c = 0x7f; c < 0x100; ++c) table[c] = true;
    table['"'] = table['\\'] = true;
    return table;
  }();
  out += '"';
  std::size_t run = 0;  // start of the current stretch copied as is
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char u = bytes[i];
    if (!kStop[u]) {
      ++i;
      continue;
    }
    if (u >= 0x80) {
      if (std::size_t length = utf8_sequence_length(text, i); length > 0) {
        i += length;  // stays in the stretch
        continue;
      }
    }
    out.append(text.data() + run, i - run);
    if (surrogates == Surrogates::escaped && u == 0xED && i + 2 < text.size() &&
        (bytes[i + 1] & 0xE0) == 0xA0 && (bytes[i + 2] & 0xC0) == 0x80) {
      // A surrogate in generalised UTF-8 (from a JSON "\ud800" escape): written back as the
      // escape, as Python's json.dumps writes a lone surrogate.
      const unsigned cp = 0xD000u | ((bytes[i + 1] & 0x3Fu) << 6) | (bytes[i + 2] & 0x3Fu);
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xF];
      i += 3;
      run = i;
      continue;
    }
    switch (u) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u >= 0x80) {
          out += "\\ufffd";
        } else {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        }
    }
    ++i;
    run = i;
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

}  // namespace keypaird
