// Small ASCII text helpers shared by the config reader, the policy file reader and the
// authenticator's header handling. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace keypaird {

// Blanks around the values of a config or policy file line (CR from files with CRLF ends).
inline constexpr std::string_view kLineBlanks = " \t\r";
// Optional whitespace around an HTTP header value (RFC 9110 OWS).
inline constexpr std::string_view kHeaderBlanks = " \t";

// `text` without leading and trailing characters from `blanks`.
inline std::string_view trim(std::string_view text, std::string_view blanks = kLineBlanks) {
  const auto begin = text.find_first_not_of(blanks);
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(blanks);
  return text.substr(begin, end - begin + 1);
}

// What Python's str.strip() and str.split() take for whitespace in a header value, which WSGI
// hands Python as latin-1 text: \t \n \v \f \r, \x1c-\x1f, space, \x85 and \xa0.
inline constexpr std::string_view kPythonHeaderWhitespace{"\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0",
                                                          13};

// `text` with A-Z turned into a-z; other bytes (UTF-8 included) unchanged.
inline std::string ascii_lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

}  // namespace keypaird
