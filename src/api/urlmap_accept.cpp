// The urlmap's Accept reading, step by step as Nova's Python does it: the list split of
// urllib's parse_http_list, the parameter pieces of its parse_options_header regular
// expression, Python's float() for q, and best_match's quality and wildcard rules. Header bytes
// are latin-1 characters, as WSGI hands them to Python.
#include "api/urlmap_accept.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <map>
#include <vector>

namespace keypaird::api {

namespace {

constexpr std::array<std::string_view, 2> kSupportedTypes = {
    "application/json", "application/vnd.openstack.compute+json"};

// Python's str.isspace for latin-1 characters (what \s and strip() skip).
bool python_space(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 0x09 && u <= 0x0d) || (u >= 0x1c && u <= 0x20) || u == 0x85 || u == 0xa0;
}

std::string_view python_strip(std::string_view text) {
  while (!text.empty() && python_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && python_space(text.back())) text.remove_suffix(1);
  return text;
}

// urllib.request.parse_http_list: commas outside double quotes split; a backslash inside quotes
// takes the next character literally (and is dropped); each part stripped; a final empty part
// dropped.
std::vector<std::string> split_http_list(std::string_view text) {
  std::vector<std::string> parts;
  std::string part;
  bool escape = false, quote = false;
  for (char c : text) {
    if (escape) {
      part += c;
      escape = false;
      continue;
    }
    if (quote) {
      if (c == '\\') {
        escape = true;
        continue;
      }
      if (c == '"') quote = false;
      part += c;
      continue;
    }
    if (c == ',') {
      parts.push_back(std::move(part));
      part.clear();
      continue;
    }
    if (c == '"') quote = true;
    part += c;
  }
  if (!part.empty()) parts.push_back(std::move(part));
  for (std::string& p : parts) p = std::string(python_strip(p));
  return parts;
}

// unquote_header_value: a value that starts and ends with '"' loses both.
std::string unquote(std::string_view value) {
  if (!value.empty() && value.front() == '"' && value.back() == '"') {
    value.remove_prefix(1);
    if (!value.empty()) value.remove_suffix(1);
  }
  return std::string(value);
}

struct Piece {
  std::string key;
  std::optional<std::string> value;
};

// The matches of `;\s*([^\s;=]+|"..")\s*(?:=\s*([^;]+|"..."))?\s*` over `text`, left to right.
// The quoted alternatives never win: the unquoted ones match wherever they could.
std::vector<Piece> option_pieces(std::string_view text) {
  std::vector<Piece> pieces;
  std::size_t at = 0;
  auto skip_space = [&text](std::size_t i) {
    while (i < text.size() && python_space(text[i])) ++i;
    return i;
  };
  while ((at = text.find(';', at)) != std::string_view::npos) {
    std::size_t key_start = skip_space(at + 1);
    std::size_t key_end = key_start;
    while (key_end < text.size() && !python_space(text[key_end]) && text[key_end] != ';' &&
           text[key_end] != '=')
      ++key_end;
    if (key_end == key_start) {
      ++at;  // no match starts here; the search goes on at the next ';'
      continue;
    }
    Piece piece{unquote(text.substr(key_start, key_end - key_start)), std::nullopt};
    std::size_t end = skip_space(key_end);
    if (end < text.size() && text[end] == '=') {
      std::size_t after_equals = end + 1;
      std::size_t value_start = skip_space(after_equals);
      if (value_start < text.size() && text[value_start] != ';') {
        std::size_t value_end = text.find(';', value_start);
        if (value_end == std::string_view::npos) value_end = text.size();
        piece.value = unquote(text.substr(value_start, value_end - value_start));
        end = value_end;
      } else if (value_start > after_equals) {
        // The spaces before ';' or the end give one back: the value is that one space.
        piece.value = unquote(text.substr(value_start - 1, 1));
        end = value_start;
      }
    }
    pieces.push_back(std::move(piece));
    at = end;
  }
  return pieces;
}

struct Range {
  std::string mask;
  std::map<std::string, std::optional<std::string>> params;
};

// parse_options_header(value): nullopt where Nova's reader raises (no piece at all).
std::optional<Range> read_range(std::string_view value) {
  if (value.empty()) return Range{};
  auto pieces = option_pieces(";" + std::string(value));
  if (pieces.empty()) return std::nullopt;
  Range range{pieces.front().key, {}};
  for (std::size_t i = 1; i < pieces.size(); ++i) range.params[pieces[i].key] = pieces[i].value;
  return range;
}

// Python's float(text): optional sign, digits with single underscores between them, a point,
// an exponent, or inf / infinity / nan in any case; surrounding whitespace allowed.
std::optional<double> python_float(std::string_view text) {
  text = python_strip(text);
  std::string plain;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) plain += text[i++];
  std::string rest;
  for (std::size_t j = i; j < text.size(); ++j)
    rest += static_cast<char>(text[j] >= 'A' && text[j] <= 'Z' ? text[j] - 'A' + 'a' : text[j]);
  if (rest == "inf" || rest == "infinity") return plain == "-" ? -INFINITY : INFINITY;
  if (rest == "nan") return NAN;
  bool digits = false, point = false, exponent = false, exponent_digits = false;
  char previous = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    bool digit = c >= '0' && c <= '9';
    if (c == '_') {
      bool next_digit = i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9';
      if (!(previous >= '0' && previous <= '9') || !next_digit) return std::nullopt;
    } else if (digit) {
      (exponent ? exponent_digits : digits) = true;
      plain += c;
    } else if (c == '.' && !point && !exponent) {
      point = true;
      plain += c;
    } else if ((c == 'e' || c == 'E') && digits && !exponent) {
      exponent = true;
      plain += c;
      if (i + 1 < text.size() && (text[i + 1] == '+' || text[i + 1] == '-')) plain += text[++i];
    } else {
      return std::nullopt;
    }
    previous = c;
  }
  if (!digits || (exponent && !exponent_digits)) return std::nullopt;
  return std::strtod(plain.c_str(), nullptr);  // overflow gives inf, as Python's does
}

// _match_mask
bool mask_matches(std::string_view mask, std::string_view type) {
  if (mask.find('*') == std::string_view::npos) return type == mask;
  if (mask == "*/*") return true;
  std::string_view major = mask.size() >= 2 ? mask.substr(0, mask.size() - 2) : std::string_view{};
  return type.substr(0, type.find('/')) == major;
}

std::size_t stars(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += c == '*';
  return n;
}

}  // namespace

UrlmapAccept read_urlmap_accept(std::optional<std::string_view> header) {
  UrlmapAccept result;
  std::vector<Range> ranges;
  for (const std::string& item : split_http_list(header.value_or(""))) {
    std::string text = item;
    if (text.size() >= 1 && text.front() == '"' && text.back() == '"')
      text = unquote(text.size() >= 2 ? std::string_view(text).substr(1, text.size() - 2) : "");
    auto range = read_range(text);
    if (!range) {
      result.unreadable = true;  // StopIteration out of parse_options_header
      return result;
    }
    ranges.push_back(std::move(*range));
  }
  // float(None) raises TypeError for any range whose q has no value.
  for (const Range& range : ranges) {
    auto q = range.params.find("q");
    if (q != range.params.end() && !q->second) {
      result.unreadable = true;
      return result;
    }
  }
  double best_quality = -1;
  std::string best_mask = "*/*";
  for (std::string_view type : kSupportedTypes) {
    for (const Range& range : ranges) {
      double quality = 1;
      if (auto q = range.params.find("q"); q != range.params.end()) {
        auto parsed = python_float(*q->second);
        if (!parsed) continue;
        quality = *parsed;
      }
      if (quality < best_quality) continue;
      if (quality == best_quality && stars(best_mask) <= stars(range.mask)) continue;
      if (mask_matches(range.mask, type)) {
        best_quality = quality;
        result.media_type = std::string(type);
        best_mask = range.mask;
      }
    }
  }
  return result;
}

UrlmapMediaType urlmap_media_type(std::string_view path, std::optional<std::string_view> accept) {
  UrlmapMediaType result;
  auto dot = path.rfind('.');
  bool json_suffix = dot != std::string_view::npos && path.substr(dot + 1) == "json";
  auto under = [&path](std::string_view prefix) {
    return path == prefix ||
           (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
            path[prefix.size()] == '/');
  };
  bool versioned_app = under("/v2.1") || under("/v2");
  if (json_suffix && versioned_app) return result;
  UrlmapAccept read = read_urlmap_accept(accept);
  result.unreadable = read.unreadable;
  if (json_suffix)
    result.media_type = "application/json";
  else if (read.media_type)
    result.media_type = *read.media_type;
  return result;
}

}  // namespace keypaird::api
