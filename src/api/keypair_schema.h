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

namespace keypaird::api {

struct CreateKeypairRequest {
  std::string name;
  std::string type = "ssh";
  std::optional<std::string> public_key;
  std::optional<std::string> user_id;  // only from 2.10
};

struct CreateValidation {
  std::optional<CreateKeypairRequest> request;
  std::string error;  // Nova's 400 message when request is empty
};

// `body` is the parsed JSON (null for an empty body). `legacy_v2` selects the relaxed /v2 rules
// (extra keys dropped, surrounding spaces of the name stripped); otherwise the schema is the
// microversion table's for `version`.
CreateValidation validate_create_body(const boost::json::value& body, ApiVersion version,
                                      bool legacy_v2);
// The same with the schema given: a row's create_body, or kLegacyV2CreateBody.
CreateValidation validate_create_body(const boost::json::value& body,
                                      const CreateBodySchema& schema);

// Query parameters in request order, values already percent-decoded.
using QueryParameters = std::vector<std::pair<std::string, std::string>>;

struct ListQuery {
  std::optional<std::string> user_id;  // first value, from 2.10
  std::optional<std::int64_t> limit;   // last value, from 2.35
  std::optional<std::string> marker;   // last value, from 2.35
};

struct QueryValidation {
  std::optional<ListQuery> query;
  std::string error;
};

enum class KeypairAction { index, show, remove };

// The microversion table's query schema of `action` at `version`.
const QuerySchema& query_schema(KeypairAction action, ApiVersion version);

QueryValidation validate_query(const QueryParameters& params, KeypairAction action,
                               ApiVersion version);
QueryValidation validate_query(const QueryParameters& params, const QuerySchema& schema);

}  // namespace keypaird::api
