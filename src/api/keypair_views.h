// The JSON a microversion shows for a keypair (Nova's views/keypairs.py field lists).
#pragma once

#include <boost/json/object.hpp>

#include "api/microversion.h"
#include "keypairs/keypair_service.h"

namespace keypaird::api {

boost::json::object list_item_view(const keypairs::Keypair& keypair, ApiVersion version);
boost::json::object show_view(const keypairs::Keypair& keypair, ApiVersion version);
boost::json::object create_view(const keypairs::CreatedKeypair& created, ApiVersion version);

}  // namespace keypaird::api
