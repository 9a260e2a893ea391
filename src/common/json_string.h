// JSON string literals written straight to text, for the API's views and the JSON log lines.
// One behaviour for every caller, so that whatever bytes reach it the result is valid JSON
// and valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace keypaird {

// Appends `text` as a JSON string literal, quotes included:
//   '"' and '\\' are escaped with a backslash; \n, \r and \t get their short escapes;
//   the other control characters (U+0000..U+001F) and DEL (U+007F) become \u00XX (lowercase);
//   well-formed UTF-8 (see common/utf8.h) passes through as is, unescaped;
//   each byte that is not part of well-formed UTF-8 becomes \ufffd, except, with
//   Surrogates::escaped, a surrogate in generalised UTF-8 (ED A0..BF xx: what api/python_json
//   makes of a lone "\ud800" escape), which becomes its \uXXXX escape again, as Python's
//   json.dumps writes it (Nova's error messages quote such values; strict JSON readers refuse
//   lone surrogate escapes, so nothing else asks for it).
// Output is at most 6 bytes per input byte plus the 2 quotes, so a caller that reserves that
// much never sees its buffer reallocated (create_view relies on it for private keys).
enum class Surrogates { replaced, escaped };
void append_json_string(std::string& out, std::string_view text,
                        Surrogates surrogates = Surrogates::replaced);

}  // namespace keypaird
