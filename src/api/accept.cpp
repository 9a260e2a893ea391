// accept_quality: one pass over the comma-separated ranges of an Accept header.
#include "api/accept.h"

#include <cstdlib>
#include <string>

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

}  // namespace keypaird::api
