// The version discovery documents: GET / (all versions), GET /v2.1 and /v2 (one version), and
// the 300 "choices" page for unknown prefixes. None of them needs authentication.
#pragma once

#include <string>

#include "api/microversion.h"
#include "http/server.h"

namespace keypaird::api {

http::Response root_versions_response(const std::string& base_url, ApiVersion max);
http::Response version_response(const std::string& base_url, bool v21, ApiVersion max);
http::Response choices_response(const std::string& base_url, const std::string& path);

}  // namespace keypaird::api
