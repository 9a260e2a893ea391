// Unicode whitespace as Rust sees it: pyca's PEM parser trims line ends with it. (UTF-8 validity,
// which the key checks also need, is common/utf8.h.)
#pragma once

#include <string_view>

namespace keypaird::crypto {

// Rust's str::trim_end: drops trailing characters with the Unicode White_Space property.
// `text` must be valid UTF-8.
std::string_view trim_end_unicode_whitespace(std::string_view text);

}  // namespace keypaird::crypto
