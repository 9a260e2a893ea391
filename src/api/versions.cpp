// Version documents, as nova-api 26.2.2 answers them.
#include "api/versions.h"

#include <boost/json.hpp>

#include "api/responses.h"

namespace keypaird::api {

namespace json = boost::json;

namespace {

json::object v20_entry(const std::string& base_url) {
  return json::object{
      {"id", "v2.0"},
      {"status", "SUPPORTED"},
      {"version", ""},
      {"min_version", ""},
      {"updated", "2011-01-21T11:33:21Z"},
      {"links", json::array{json::object{{"rel", "self"}, {"href", base_url + "/v2/"}}}}};
}

json::object v21_entry(const std::string& base_url, ApiVersion max) {
  return json::object{
      {"id", "v2.1"},
      {"status", "CURRENT"},
      {"version", max.to_string()},
      {"min_version", kMinVersion.to_string()},
      {"updated", "2013-07-23T11:33:21Z"},
      {"links", json::array{json::object{{"rel", "self"}, {"href", base_url + "/v2.1/"}}}}};
}

json::object media_type(const char* version) {
  return json::object{
      {"base", "application/json"},
      {"type", std::string("application/vnd.openstack.compute+json;version=") + version}};
}

}  // namespace

http::Response root_versions_response(const std::string& base_url, ApiVersion max) {
  json::object body{{"versions", json::array{v20_entry(base_url), v21_entry(base_url, max)}}};
  return json_response(200, body);
}

http::Response version_response(const std::string& base_url, bool v21, ApiVersion max) {
  json::object entry = v21 ? v21_entry(base_url, max) : v20_entry(base_url);
  entry["links"].as_array().push_back(json::object{
      {"rel", "describedby"}, {"type", "text/html"}, {"href", "http://docs.openstack.org/"}});
  entry["media-types"] = json::array{media_type(v21 ? "2.1" : "2")};
  return json_response(200, json::object{{"version", std::move(entry)}});
}

http::Response choices_response(const std::string& base_url, const std::string& path) {
  std::string rest = path;
  while (!rest.empty() && rest.front() == '/') rest.erase(0, 1);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto choice = [&](const char* id, const char* status, const char* prefix, const char* version) {
    return json::object{
        {"id", id},
        {"status", status},
        {"links", json::array{json::object{{"rel", "self"}, {"href", base_url + prefix + rest}}}},
        {"media-types", json::array{media_type(version)}}};
  };
  json::object body{{"choices", json::array{choice("v2.0", "SUPPORTED", "/v2/", "2"),
                                            choice("v2.1", "CURRENT", "/v2.1/", "2.1")}}};
  return json_response(300, body);
}

}  // namespace keypaird::api
