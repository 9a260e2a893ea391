// Who is calling: the identity every request carries once authentication has run.
#pragma once

#include <string>
#include <vector>

namespace keypaird::auth {

struct RequestContext {
  std::string user_id;
  std::string project_id;
  std::vector<std::string> roles;
  bool is_admin = false;
};

}  // namespace keypaird::auth
