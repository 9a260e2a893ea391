// Compute API microversion negotiation: reading the two request headers the way Nova
// (microversion_parse) does. The version value and the range keypaird speaks are in
// common/api_version.h; what changes between versions is in microversion_table.h.
#pragma once

#include <optional>
#include <string_view>

#include "common/api_version.h"
#include "common/status.h"

namespace keypaird::api {

using keypaird::ApiVersion;
using keypaird::kDefaultMaxVersion;
using keypaird::kMaxVersion;
using keypaird::kMinVersion;

// The version a request asks for. `openstack_api_version`: the OpenStack-API-Version header,
// when present (its last "compute <version>" entry counts); `legacy`: the
// X-OpenStack-Nova-API-Version header, when present and the first names no compute version.
// 2.1 without either, `max` for "latest"; invalid_input with Nova's message when the text is
// not a version. The version may lie outside what is offered (check_version_offered).
Result<ApiVersion> requested_version(std::optional<std::string_view> openstack_api_version,
                                     std::optional<std::string_view> legacy, ApiVersion max);

// ok when kMinVersion <= `requested` <= `max`; otherwise not_acceptable with Nova's message.
Status check_version_offered(ApiVersion requested, ApiVersion max);

// Both steps: the version to answer with, or why there is none.
Result<ApiVersion> negotiate_version(std::optional<std::string_view> openstack_api_version,
                                     std::optional<std::string_view> legacy, ApiVersion max);

}  // namespace keypaird::api
