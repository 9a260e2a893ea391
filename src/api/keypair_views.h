// The JSON a microversion shows for keypairs (Nova's views/keypairs.py field lists), written
// straight to text: these are the hot answers, and building a JSON tree first cost more than
// the rest of a request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/microversion.h"
#include "keypairs/keypair_service.h"

namespace keypaird::api {

// Appends `text` as a JSON string literal (quotes included). Control characters are escaped;
// other UTF-8 passes through as is.
void append_json_string(std::string& out, std::string_view text);

// {"keypairs": [{"keypair": {...}}, ...]} plus "keypairs_links" when `next_href` is given.
std::string list_view(const std::vector<keypairs::Keypair>& keypairs, ApiVersion version,
                      const std::optional<std::string>& next_href);
std::string show_view(const keypairs::Keypair& keypair, ApiVersion version);
std::string create_view(const keypairs::CreatedKeypair& created, ApiVersion version);

}  // namespace keypaird::api
