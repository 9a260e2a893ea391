// Who is calling: the identity every request carries once authentication has run.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace keypaird::auth {

// A token's role names, shared rather than copied: every request authenticated from the token
// cache refers to the one list the cache holds, however long Keystone made it.
class RoleList {
 public:
  RoleList() = default;
  RoleList(std::initializer_list<std::string> roles)
      : roles_(std::make_shared<const std::vector<std::string>>(roles)) {}
  explicit RoleList(std::vector<std::string> roles)
      : roles_(std::make_shared<const std::vector<std::string>>(std::move(roles))) {}

  std::vector<std::string>::const_iterator begin() const { return list().begin(); }
  std::vector<std::string>::const_iterator end() const { return list().end(); }
  std::size_t size() const { return list().size(); }
  bool empty() const { return list().empty(); }
  friend bool operator==(const RoleList& a, const std::vector<std::string>& b) {
    return a.list() == b;
  }

 private:
  const std::vector<std::string>& list() const {
    static const std::vector<std::string> kNone;
    return roles_ ? *roles_ : kNone;
  }
  std::shared_ptr<const std::vector<std::string>> roles_;
};

struct RequestContext {
  std::string user_id;
  std::string project_id;
  RoleList roles;
  bool is_admin = false;
};

}  // namespace keypaird::auth
