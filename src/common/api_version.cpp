// parse_api_version: the version format microversion_parse accepts.
#include "common/api_version.h"

#include <cctype>

namespace keypaird {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool well_formed(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return false;
  auto major = text.substr(0, dot);
  auto minor = text.substr(dot + 1);
  if (!all_digits(major) || !all_digits(minor)) return false;
  if (major[0] == '0' || (minor[0] == '0' && minor.size() > 1)) return false;
  return major.size() <= 9 && minor.size() <= 9;
}

}  // namespace

Result<ApiVersion> parse_api_version(std::string_view text) {
  if (!well_formed(text))
    return Status::invalid_input("API Version String " + std::string(text) +
                                 " is of invalid format. Must be of format MajorNum.MinorNum.");
  auto dot = text.find('.');
  return ApiVersion{std::stoi(std::string(text.substr(0, dot))),
                    std::stoi(std::string(text.substr(dot + 1)))};
}

}  // namespace keypaird
