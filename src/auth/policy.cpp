// DefaultKeypairPolicy: Nova's default keypair rules.
#include "auth/policy.h"

namespace keypaird::auth {

bool DefaultKeypairPolicy::allows(const std::string& /*rule*/, const RequestContext& context,
                                  const std::string& target_user_id) const {
  return context.is_admin || context.user_id == target_user_id;
}

}  // namespace keypaird::auth
