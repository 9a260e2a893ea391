// Validation of keypair requests as Nova's JSON schemas do it, with Nova's messages: the create
// body per microversion, and the query parameters of list, show and delete.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/microversion.h"
#include "api/microversion_table.h"
#include "common/status.h"

namespace keypaird::api {

struct CreateKeypairRequest {
  std::string name;
  std::string type = "ssh";
  std::optional<std::string> public_key;
  std::optional<std::string> user_id;  // only from 2.10
};

// `body` is the parsed JSON (null for an empty body); `big_integers` its integers beyond 64 bits
// (api/python_json.h), for quoting them. `legacy_v2` selects the relaxed /v2 rules
// (extra keys dropped, surrounding spaces of the name stripped); otherwise the schema is the
// microversion table's for `version`.
// invalid_input with Nova's 400 message when the body breaks the schema.
Result<CreateKeypairRequest> validate_create_body(
    const boost::json::value& body, ApiVersion version, bool legacy_v2,
    const std::vector<std::string>& big_integers = {});
// The same with the schema given: a row's create_body, or kLegacyV2CreateBody.
Result<CreateKeypairRequest> validate_create_body(
    const boost::json::value& body, const CreateBodySchema& schema,
    const std::vector<std::string>& big_integers = {});

// Query parameters in request order, values already percent-decoded.
using QueryParameters = std::vector<std::pair<std::string, std::string>>;

struct ListQuery {
  std::optional<std::string> user_id;  // first value, from 2.10
  std::optional<std::int64_t> limit;   // last value, from 2.35
  std::optional<std::string> marker;   // last value, from 2.35
};

enum class KeypairAction { index, show, remove };

// The microversion table's query schema of `action` at `version`.
const QuerySchema& query_schema(KeypairAction action, ApiVersion version);

// invalid_input with Nova's 400 message when the query breaks the action's schema.
Result<ListQuery> validate_query(const QueryParameters& params, KeypairAction action,
                                 ApiVersion version);
Result<ListQuery> validate_query(const QueryParameters& params, const QuerySchema& schema);

}  // namespace keypaird::api
