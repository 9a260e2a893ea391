// UTF-8 in one place: the validator every layer uses on bytes from outside (request paths and
// queries, public keys, PEM blocks, log fields) and the encoder for decoded escapes. Pure
// functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace keypaird {

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at `text[i]`, or 0 when the
// bytes there are not one: a stray continuation byte, a truncated sequence, an overlong form, a
// surrogate (U+D800..U+DFFF) or a code point above U+10FFFF. `i` must be < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// True when all of `text` is well-formed UTF-8 in the sense of utf8_sequence_length (what
// Python's bytes.decode('utf-8') accepts).
bool is_valid_utf8(std::string_view text);

// Appends the UTF-8 encoding of `code_point` (at most U+10FFFF). Surrogates are encoded as they
// are, not refused: callers decoding escapes keep what the escape said.
void append_utf8(std::string& out, char32_t code_point);

// The bytes read as latin-1 characters, written as UTF-8: how a WSGI server hands header values
// to Python, so what Nova makes of a header's non-ASCII bytes ("ключ" becomes "ÐºÐ»Ñ\x8eÑ\x87").
std::string latin1_to_utf8(std::string_view bytes);

}  // namespace keypaird
