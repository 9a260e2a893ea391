// accept_quality: one pass over the comma-separated ranges of an Accept header.
// error_page_format: a strict RFC 7231 reader of the header (the grammar webob validates with),
// then webob's specificity rules for its two offers.
#include "api/accept.h"

#include <cstdlib>
#include <string>
#include <vector>

namespace keypaird::api {

double accept_quality(std::string_view accept, std::string_view type) {
  double best = 0;
  auto slash = type.find('/');
  std::string main_wildcard = std::string(type.substr(0, slash)) + "/*";
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    auto semicolon = range.find(';');
    std::string_view media = range.substr(0, semicolon);
    while (!media.empty() && media.front() == ' ') media.remove_prefix(1);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (media != type && media != main_wildcard && media != "*/*") continue;
    double q = 1;
    if (semicolon != std::string_view::npos) {
      auto qpos = range.find("q=", semicolon);
      if (qpos != std::string_view::npos)
        q = std::atof(std::string(range.substr(qpos + 2)).c_str());
    }
    if (q > best) best = q;
  }
  return best;
}

namespace {

// One media range of a valid header, lowercased.
struct MediaRange {
  std::string type;
  std::string subtype;
  bool has_parameters = false;  // media type parameters (before the q)
  double q = 1;
};

bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A cursor over the header. Every read either advances past what it recognised or leaves the
// position where it was: the grammar needs no backtracking beyond that (tokens, quoted strings
// and q values end where the next delimiter starts).
class AcceptReader {
 public:
  explicit AcceptReader(std::string_view text) : text_(text) {}

  // The whole header as a list: [ ( "," / range ) *( OWS "," [ OWS range ] ) ]. nullopt when
  // the header does not follow the grammar.
  std::optional<std::vector<MediaRange>> read_list() {
    std::vector<MediaRange> ranges;
    if (text_.empty()) return ranges;
    if (!take(',')) {
      auto first = read_range();
      if (!first) return std::nullopt;
      ranges.push_back(std::move(*first));
    }
    while (at_ < text_.size()) {
      std::size_t before = at_;
      skip_whitespace();
      if (!take(',')) {
        at_ = before;
        return std::nullopt;
      }
      std::size_t after_comma = at_;
      skip_whitespace();
      if (auto range = read_range())
        ranges.push_back(std::move(*range));
      else
        at_ = after_comma;
    }
    return ranges;
  }

 private:
  // type "/" subtype *( OWS ";" OWS parameter ) [ weight *( accept-ext ) ]
  std::optional<MediaRange> read_range() {
    std::size_t start = at_;
    auto type = read_token();
    if (!type || !take('/')) {
      at_ = start;
      return std::nullopt;
    }
    auto subtype = read_token();
    if (!subtype) {
      at_ = start;
      return std::nullopt;
    }
    MediaRange range{lowercase(*type), lowercase(*subtype)};
    // Media type parameters: never named "q" followed by "=".
    while (true) {
      std::size_t before = at_;
      if (!read_separator() || at_q_equals() || !read_parameter(true)) {
        at_ = before;
        break;
      }
      range.has_parameters = true;
    }
    std::size_t before_weight = at_;
    if (read_separator() && at_q_equals()) {
      at_ += 2;
      if (auto q = read_qvalue()) {
        range.q = *q;
        while (true) {
          std::size_t before = at_;
          if (!read_separator() || !read_parameter(false)) {
            at_ = before;
            break;
          }
        }
        return range;
      }
    }
    at_ = before_weight;
    return range;
  }

  // OWS ";" OWS
  bool read_separator() {
    skip_whitespace();
    if (!take(';')) return false;
    skip_whitespace();
    return true;
  }

  // token "=" ( token / quoted-string ); for accept-ext the "=" part is optional.
  bool read_parameter(bool value_required) {
    std::size_t start = at_;
    if (!read_token()) return false;
    std::size_t after_name = at_;
    if (take('=') && (read_token() || read_quoted_string())) return true;
    if (value_required) {
      at_ = start;
      return false;
    }
    at_ = after_name;
    return true;
  }

  bool at_q_equals() const {
    return at_ + 1 < text_.size() && (text_[at_] == 'q' || text_[at_] == 'Q') &&
           text_[at_ + 1] == '=';
  }

  // ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
  std::optional<double> read_qvalue() {
    if (at_ >= text_.size() || (text_[at_] != '0' && text_[at_] != '1')) return std::nullopt;
    std::size_t start = at_;
    bool one = text_[at_] == '1';
    ++at_;
    if (take('.')) {
      for (int digits = 0; digits < 3 && at_ < text_.size(); ++digits) {
        char c = text_[at_];
        if (one ? c != '0' : (c < '0' || c > '9')) break;
        ++at_;
      }
    }
    return std::strtod(std::string(text_.substr(start, at_ - start)).c_str(), nullptr);
  }

  std::optional<std::string_view> read_token() {
    std::size_t start = at_;
    while (at_ < text_.size() && is_tchar(text_[at_])) ++at_;
    if (at_ == start) return std::nullopt;
    return text_.substr(start, at_ - start);
  }

  // DQUOTE *( qdtext / quoted-pair ) DQUOTE, with obs-text (bytes 0x80-0xff) allowed.
  bool read_quoted_string() {
    std::size_t start = at_;
    if (!take('"')) return false;
    while (at_ < text_.size()) {
      auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        ++at_;
        return true;
      }
      if (c == '\\') {
        if (at_ + 1 >= text_.size()) break;
        auto escaped = static_cast<unsigned char>(text_[at_ + 1]);
        if (!(escaped == '\t' || (escaped >= 0x20 && escaped != 0x7f))) break;
        at_ += 2;
        continue;
      }
      if (!(c == '\t' || (c >= 0x20 && c != 0x7f))) break;
      ++at_;
    }
    at_ = start;
    return false;
  }

  void skip_whitespace() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t')) ++at_;
  }

  bool take(char c) {
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// webob's acceptable_offers for one offer: the q of the most specific matching range (the
// first of equal specificity), or nullopt when no range matches.
std::optional<double> offer_quality(const std::vector<MediaRange>& ranges, std::string_view type,
                                    std::string_view subtype) {
  int best_specificity = 0;
  std::optional<double> q;
  for (const MediaRange& range : ranges) {
    int specificity = 0;
    if (range.type == type && range.subtype == subtype) {
      if (range.has_parameters) continue;  // the offers carry no parameters
      specificity = 3;
    } else if (range.subtype == "*" && range.type == type) {
      specificity = 2;
    } else if (range.type == "*" && range.subtype == "*") {
      specificity = 1;
    } else {
      continue;
    }
    if (specificity <= best_specificity) continue;
    best_specificity = specificity;
    q = range.q;
  }
  return q;
}

}  // namespace

ErrorPageFormat error_page_format(std::optional<std::string_view> accept) {
  auto ranges = AcceptReader(accept.value_or("")).read_list();
  if (!ranges) return ErrorPageFormat::html;  // an invalid header accepts every offer
  double html = offer_quality(*ranges, "text", "html").value_or(0);
  double json = offer_quality(*ranges, "application", "json").value_or(0);
  if (html == 0 && json == 0) return ErrorPageFormat::plain;
  return json > html ? ErrorPageFormat::json : ErrorPageFormat::html;
}

}  // namespace keypaird::api
