// HealthCheck: the disable file first (oslo's backend order in Nova's api-paste.ini), then the
// store probe; and oslo.middleware's response shapes.
#include "api/healthcheck.h"

#include <sys/stat.h>

#include <cstdlib>

#include "api/accept.h"

namespace keypaird::api {

namespace bhttp = boost::beast::http;

HealthStatus HealthCheck::check() {
  struct stat st {};
  if (!disable_by_file_path_.empty() && ::stat(disable_by_file_path_.c_str(), &st) == 0)
    return {false, "DISABLED BY FILE"};
  if (!store_.healthy()) return {false, "STORE UNAVAILABLE"};
  if (Status writes = store_.write_status(); !writes) {
    std::string problem = writes.message();
    for (char& c : problem)  // shown in a JSON string and a text line: keep it plain
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '\'';
    return {false, "STORE CANNOT WRITE: " + problem};
  }
  return {true, "OK"};
}

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
    bool json = accept && accept_quality(*accept, "application/json") >
                              std::max(accept_quality(*accept, "text/plain"),
                                       accept_quality(*accept, "text/html"));
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
