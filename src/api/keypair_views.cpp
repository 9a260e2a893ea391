// Keypair views: which fields each shows at a microversion is the microversion table's (list
// items carry no user_id or id; show adds the database fields); create shows the private key
// once, when one was generated.
#include "api/keypair_views.h"

#include <algorithm>

#include "api/microversion_table.h"
#include "api/url.h"
#include "common/json_string.h"

namespace keypaird::api {

namespace {

void field(std::string& out, std::string_view name, std::string_view value) {
  out += '"';
  out += name;
  out += "\": ";
  append_json_string(out, value);
  out += ", ";
}

// The fields every view starts with.
void common_fields(std::string& out, const keypairs::Keypair& k, const ViewFields& fields) {
  field(out, "name", k.name);
  field(out, "public_key", k.public_key);
  field(out, "fingerprint", k.fingerprint);
  if (fields.type) field(out, "type", k.type);
  if (fields.user_id) field(out, "user_id", k.user_id);
}

// created_at, deleted, deleted_at, id, updated_at: a live row is never deleted or updated.
void database_fields(std::string& out, const keypairs::Keypair& k) {
  field(out, "created_at", k.created_at);
  out += "\"deleted\": false, \"deleted_at\": null, \"id\": ";
  out += std::to_string(k.id);
  out += ", \"updated_at\": null, ";
}

void close_object(std::string& out) {
  out.resize(out.size() - 2);  // the last ", "
  out += '}';
}

}  // namespace

std::string list_view(const std::vector<keypairs::Keypair>& keypairs, ApiVersion version,
                      const std::optional<std::string>& next_href) {
  const ViewFields& fields = keypair_microversion(version).list_view;
  std::string out;
  out.reserve(32 + keypairs.size() * 256);
  out += "{\"keypairs\": [";
  for (std::size_t i = 0; i < keypairs.size(); ++i) {
    if (i) out += ", ";
    out += "{\"keypair\": {";
    common_fields(out, keypairs[i], fields);
    close_object(out);
    out += '}';
  }
  out += ']';
  if (fields.links && next_href) {
    out += ", \"keypairs_links\": [{\"href\": ";
    append_json_string(out, *next_href);
    out += ", \"rel\": \"next\"}]";
  }
  out += '}';
  return out;
}

std::string show_view(const keypairs::Keypair& k, ApiVersion version) {
  const ViewFields& fields = keypair_microversion(version).show_view;
  std::string out;
  out.reserve(256 + k.public_key.size());
  out += "{\"keypair\": {";
  common_fields(out, k, fields);
  if (fields.database_fields) database_fields(out, k);
  close_object(out);
  out += '}';
  return out;
}

std::string create_view(const keypairs::CreatedKeypair& created, ApiVersion version) {
  const ViewFields& fields = keypair_microversion(version).create_view;
  const keypairs::Keypair& k = created.keypair;
  std::string out;
  // Sized for the worst case (every byte escaped as \u00XX), so the buffer never grows: a
  // grown buffer would leave a partial copy of the private key in freed memory.
  std::size_t size = k.name.size() + k.public_key.size() + k.fingerprint.size() + k.user_id.size() +
                     k.type.size() + k.created_at.size() +
                     (created.private_key ? created.private_key->size() : 0);
  out.reserve(256 + 6 * size);
  out += "{\"keypair\": {";
  common_fields(out, k, fields);
  if (fields.database_fields) database_fields(out, k);
  if (created.private_key) field(out, "private_key", *created.private_key);
  close_object(out);
  out += '}';
  return out;
}

std::string next_page_href(const std::string& base_url, const std::optional<std::string>& project,
                           const std::string& raw_query, const std::string& last_name) {
  std::vector<std::pair<std::string, std::string>> params;
  auto known = parse_query(raw_query).params;
  // sorted(request.params.items()): by name, then by value; a repeated name keeps its first
  // place and its last (so greatest) value.
  std::sort(known.begin(), known.end());
  auto set_param = [&params](const std::string& key, const std::string& value) {
    for (auto& [k, v] : params)
      if (k == key) {
        v = value;
        return;
      }
    params.emplace_back(key, value);
  };
  for (auto& [key, value] : known)
    if (key == "limit" || key == "marker" || key == "user_id") set_param(key, value);
  set_param("marker", last_name);
  std::string query;
  for (const auto& [key, value] : params) {
    if (!query.empty()) query += '&';
    query += urlencode_form(key) + "=" + urlencode_form(value);
  }
  // url_join: each part without its surrounding slashes.
  std::string href = base_url + "/v2.1/";
  if (project && !project->empty()) {
    std::string_view part = *project;
    while (!part.empty() && part.front() == '/') part.remove_prefix(1);
    while (!part.empty() && part.back() == '/') part.remove_suffix(1);
    href += std::string(part) + "/";
  }
  return href + "os-keypairs?" + query;
}

}  // namespace keypaird::api
