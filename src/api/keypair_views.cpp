// Keypair views: list items carry no user_id or id; show adds the database fields; create
// shows the private key once, when one was generated.
#include "api/keypair_views.h"

namespace keypaird::api {

namespace json = boost::json;

namespace {

bool shows_type(ApiVersion version) { return version >= versions::kTypeAndCreatedStatus; }

}  // namespace

json::object list_item_view(const keypairs::Keypair& k, ApiVersion version) {
  json::object o;
  o["name"] = k.name;
  o["public_key"] = k.public_key;
  o["fingerprint"] = k.fingerprint;
  if (shows_type(version)) o["type"] = k.type;
  return json::object{{"keypair", std::move(o)}};
}

json::object show_view(const keypairs::Keypair& k, ApiVersion version) {
  json::object o;
  o["name"] = k.name;
  o["public_key"] = k.public_key;
  o["fingerprint"] = k.fingerprint;
  o["user_id"] = k.user_id;
  o["created_at"] = k.created_at;
  o["deleted"] = false;
  o["deleted_at"] = nullptr;
  o["id"] = k.id;
  o["updated_at"] = nullptr;
  if (shows_type(version)) o["type"] = k.type;
  return json::object{{"keypair", std::move(o)}};
}

json::object create_view(const keypairs::CreatedKeypair& created, ApiVersion version) {
  const keypairs::Keypair& k = created.keypair;
  json::object o;
  o["name"] = k.name;
  o["public_key"] = k.public_key;
  o["fingerprint"] = k.fingerprint;
  o["user_id"] = k.user_id;
  if (shows_type(version)) o["type"] = k.type;
  if (created.private_key) o["private_key"] = *created.private_key;
  return json::object{{"keypair", std::move(o)}};
}

}  // namespace keypaird::api
