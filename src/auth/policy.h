// Authorization of the four keypair actions. Nova's default for each is
// "rule:context_is_admin or user_id:%(user_id)s", i.e. admins may act for anyone, others only
// for themselves.
#pragma once

#include <string>

#include "auth/request_context.h"

namespace keypaird::auth {

class Policy {
 public:
  virtual ~Policy() = default;
  // `rule` is e.g. "os_compute_api:os-keypairs:create"; `target_user_id` whose keypairs.
  virtual bool allows(const std::string& rule, const RequestContext& context,
                      const std::string& target_user_id) const = 0;
};

class DefaultKeypairPolicy final : public Policy {
 public:
  bool allows(const std::string& rule, const RequestContext& context,
              const std::string& target_user_id) const override;
};

}  // namespace keypaird::auth
