// The JSON a microversion shows for keypairs (Nova's views/keypairs.py field lists), written
// straight to text: these are the hot answers, and building a JSON tree first cost more than
// the rest of a request.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/microversion.h"
#include "keypairs/keypair_service.h"

namespace keypaird::api {

// {"keypairs": [{"keypair": {...}}, ...]} plus "keypairs_links" when `next_href` is given.
std::string list_view(const std::vector<keypairs::Keypair>& keypairs, ApiVersion version,
                      const std::optional<std::string>& next_href);
std::string show_view(const keypairs::Keypair& keypair, ApiVersion version);
// The keypairs_links "next" href of a full page, as Nova's view builds it: the request's known
// parameters (limit, marker, user_id) sorted by name (a repeated one keeps its first place and
// its last value), marker set to `last_name`. `raw_query` is the request's, undecoded.
std::string next_page_href(const std::string& base_url, const std::optional<std::string>& project,
                           const std::string& raw_query, const std::string& last_name);
std::string create_view(const keypairs::CreatedKeypair& created, ApiVersion version);

}  // namespace keypaird::api
