// The two bits of Unicode the key checks need: Python can only encode valid UTF-8 (lone
// surrogates make Nova's .encode('utf-8') fail), and pyca's PEM parser trims line ends with
// Rust's notion of whitespace.
#pragma once

#include <string_view>

namespace keypaird::crypto {

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// Rust's str::trim_end: drops trailing characters with the Unicode White_Space property.
// `text` must be valid UTF-8.
std::string_view trim_end_unicode_whitespace(std::string_view text);

}  // namespace keypaird::crypto
