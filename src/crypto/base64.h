// Base64 as the three codecs Nova's key handling goes through: plain encoding for what we emit,
// and two decoders whose quirks decide which keys Nova accepted (Python's binascii, and the Rust
// base64 crate behind pyca's PEM parser).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keypaird::crypto {

// Standard alphabet, '=' padded, one line.
std::string base64_encode(std::string_view bytes);

// Python 3.11's base64.b64decode(s) (binascii.a2b_base64, non-strict): bytes outside the
// alphabet are skipped, a complete pad sequence ends decoding, and a dangling partial quantum
// is an error ("Incorrect padding"). nullopt where Python raises.
std::optional<std::string> decode_base64_like_python(std::string_view text);

// The Rust base64 crate 0.13 with its STANDARD config, which pyca/cryptography 38's PEM parser
// uses: every byte must be in the alphabet, padding is optional but only at the very end, and
// the unused bits of the last symbol must be zero. nullopt where the crate returns an error.
std::optional<std::string> decode_base64_like_rust_crate(std::string_view text);

}  // namespace keypaird::crypto
