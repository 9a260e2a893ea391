// Base64 codecs; see base64.h for why there are two decoders.
#include "crypto/base64.h"

#include <array>
#include <cstdint>

namespace keypaird::crypto {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}
constexpr std::array<std::uint8_t, 256> kDecode = make_decode_table();

std::uint8_t sextet(char c) { return kDecode[static_cast<unsigned char>(c)]; }

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]))
                                << 8 |
                            static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]))
                                << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> decode_base64_like_python(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  int quad_pos = 0;
  int pads = 0;
  unsigned left = 0;
  for (const char c : text) {
    if (c == '=') {
      // Python counts '=' only once two data characters of the quantum are in, and stops at
      // the first pad sequence that completes it, ignoring everything after.
      if (quad_pos >= 2 && quad_pos + ++pads >= 4) return out;
      continue;
    }
    const std::uint8_t v = sextet(c);
    if (v == kInvalid) continue;
    pads = 0;
    switch (quad_pos) {
      case 0:
        left = v;
        quad_pos = 1;
        break;
      case 1:
        out += static_cast<char>((left << 2 | v >> 4) & 0xff);
        left = v & 0x0f;
        quad_pos = 2;
        break;
      case 2:
        out += static_cast<char>((left << 4 | v >> 2) & 0xff);
        left = v & 0x03;
        quad_pos = 3;
        break;
      default:
        out += static_cast<char>((left << 6 | v) & 0xff);
        left = 0;
        quad_pos = 0;
        break;
    }
  }
  if (quad_pos != 0) return std::nullopt;
  return out;
}

std::optional<std::string> decode_base64_like_rust_crate(std::string_view text) {
  const std::size_t length = text.size();
  // A final quantum of one symbol (or of five, in the crate's eight-symbol chunks) cannot
  // encode a whole byte.
  if (length % 8 == 1 || length % 8 == 5) return std::nullopt;

  std::string out;
  out.reserve(length / 4 * 3 + 3);
  // Only the last chunk of up to eight symbols may carry padding; everything before it must be
  // pure alphabet.
  const std::size_t chunks = (length + 7) / 8;
  const std::size_t tail_start = chunks == 0 ? 0 : (chunks - 1) * 8;
  for (std::size_t i = 0; i < tail_start; i += 4) {
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const std::uint8_t s = sextet(text[i + j]);
      if (s == kInvalid) return std::nullopt;
      v = v << 6 | s;
    }
    out += static_cast<char>(v >> 16 & 0xff);
    out += static_cast<char>(v >> 8 & 0xff);
    out += static_cast<char>(v & 0xff);
  }

  std::uint64_t bits = 0;
  int symbols = 0;
  int pads = 0;
  for (std::size_t i = tail_start; i < length; ++i) {
    const char c = text[i];
    const std::size_t pos = i - tail_start;
    if (c == '=') {
      if (pos % 4 < 2) return std::nullopt;
      ++pads;
      continue;
    }
    if (pads > 0) return std::nullopt;
    const std::uint8_t s = sextet(c);
    if (s == kInvalid) return std::nullopt;
    bits |= static_cast<std::uint64_t>(s) << (64 - (symbols + 1) * 6);
    ++symbols;
  }
  int whole_bytes = 0;
  switch (symbols) {
    case 0:
      whole_bytes = 0;
      break;
    case 2:
      whole_bytes = 1;
      break;
    case 3:
      whole_bytes = 2;
      break;
    case 4:
      whole_bytes = 3;
      break;
    case 6:
      whole_bytes = 4;
      break;
    case 7:
      whole_bytes = 5;
      break;
    case 8:
      whole_bytes = 6;
      break;
    default:
      return std::nullopt;
  }
  // The crate refuses a last symbol whose unused low bits are set, since no encoder makes one.
  const std::uint64_t unused_mask =
      whole_bytes == 0 ? ~std::uint64_t{0} : ~std::uint64_t{0} >> (whole_bytes * 8);
  if ((bits & unused_mask) != 0) return std::nullopt;
  for (int b = 0; b < whole_bytes; ++b) {
    out += static_cast<char>(bits >> (56 - b * 8) & 0xff);
  }
  return out;
}

}  // namespace keypaird::crypto
