// HealthCheck: the disable file first (oslo's backend order in Nova's api-paste.ini), then the
// store probe; and oslo.middleware's response shapes.
#include "api/healthcheck.h"

#include <sys/stat.h>

#include <cstdlib>

namespace keypaird::api {

namespace bhttp = boost::beast::http;

HealthStatus HealthCheck::check() {
  struct stat st {};
  if (!disable_by_file_path_.empty() && ::stat(disable_by_file_path_.c_str(), &st) == 0)
    return {false, "DISABLED BY FILE"};
  if (!store_.healthy()) return {false, "STORE UNAVAILABLE"};
  return {true, "OK"};
}

namespace {

// The q of the best range matching `type` ("text/plain" matches text/plain, text/*, */*).
double quality_for(std::string_view accept, std::string_view type) {
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

}  // namespace

http::Response healthcheck_response(const HealthStatus& status, bool head,
                                    std::optional<std::string_view> accept) {
  http::Response response;
  std::string content_type = "text/plain; charset=UTF-8";
  if (head) {
    response.result(status.healthy ? 204 : 503);
  } else {
    response.result(status.healthy ? 200 : 503);
    // oslo offers text/plain, text/html, application/json in that order; a tie goes to the
    // first. keypaird answers the HTML variant as text.
    bool json = accept &&
                quality_for(*accept, "application/json") >
                    std::max(quality_for(*accept, "text/plain"), quality_for(*accept, "text/html"));
    if (json) {
      content_type = "application/json; charset=UTF-8";
      // json.dumps({"detailed": False, "reasons": [...]}, indent=4, sort_keys=True)
      response.body() = "{\n    \"detailed\": false,\n    \"reasons\": [\n        \"" +
                        status.reason + "\"\n    ]\n}";
    } else {
      response.body() = status.reason;
    }
  }
  response.set(bhttp::field::content_type, content_type);
  return response;
}

bool is_healthcheck_path(const std::string& path) {
  return path == "/healthcheck" || path.rfind("/healthcheck/", 0) == 0;
}

}  // namespace keypaird::api
