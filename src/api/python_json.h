// JSON request bodies read the way Python's json module reads them: besides standard JSON it
// accepts the bare tokens NaN, Infinity and -Infinity, which then reach schema validation (and
// its messages) as numbers, as they do in Nova.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

namespace keypaird::api {

// nullopt when the text is not JSON (Nova: 400 "Malformed request body"). Invalid UTF-8 inside
// strings is refused.
std::optional<boost::json::value> parse_request_json(std::string_view text);

}  // namespace keypaird::api
