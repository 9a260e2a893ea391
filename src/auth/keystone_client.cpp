// KeystoneClient: request bodies, answers mapped to values (200/201 good, 404 invalid token,
// 401 service credentials refused, anything else unavailable), and token body parsing.
#include "auth/keystone_client.h"

#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>

namespace keypaird::auth {

namespace asio = boost::asio;
namespace json = boost::json;
namespace bhttp = boost::beast::http;

namespace {

const json::object* object_at(const json::value& v, std::string_view key) {
  const auto* object = v.if_object();
  if (!object) return nullptr;
  auto it = object->find(key);
  if (it == object->end()) return nullptr;
  return it->value().if_object();
}

std::string string_at(const json::object* object, std::string_view key) {
  if (!object) return "";
  auto it = object->find(key);
  if (it == object->end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

std::string describe(const http::ClientResponse& response) {
  return "Keystone answered " + std::to_string(response.result_int());
}

}  // namespace

std::optional<SystemClock::time_point> parse_keystone_time(std::string_view text) {
  int year, month, day, hour, minute, second, consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6)
    return std::nullopt;
  std::string_view rest = text.substr(static_cast<std::size_t>(consumed));
  std::chrono::microseconds fraction{0};
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    long long micros = 0;
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 6) {
        micros = micros * 10 + (rest.front() - '0');
        ++digits;
      }
      rest.remove_prefix(1);
    }
    while (digits++ < 6) micros *= 10;
    fraction = std::chrono::microseconds(micros);
  }
  if (rest != "Z" && rest != "+00:00" && rest != "") return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(year),
                                   std::chrono::month(static_cast<unsigned>(month)),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return std::chrono::time_point_cast<SystemClock::duration>(
      std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
      std::chrono::seconds(second) + fraction);
}

std::string identity_v3_root(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  auto ends_with = [&url](std::string_view tail) {
    return url.size() >= tail.size() &&
           url.compare(url.size() - tail.size(), tail.size(), tail) == 0;
  };
  if (ends_with("/v3")) return url;
  if (ends_with("/v2.0")) return url.substr(0, url.size() - 5) + "/v3";
  return url + "/v3";
}

std::optional<TokenInfo> parse_token_body(const json::value& body) {
  const auto* token = object_at(body, "token");
  if (!token) return std::nullopt;
  json::value token_value(*token);
  TokenInfo info;
  const auto* user = object_at(token_value, "user");
  info.user_id = string_at(user, "id");
  info.user_name = string_at(user, "name");
  if (user) {
    json::value user_value(*user);
    info.user_domain_id = string_at(object_at(user_value, "domain"), "id");
  }
  if (const auto* project = object_at(token_value, "project")) {
    info.project_id = string_at(project, "id");
    info.project_name = string_at(project, "name");
    json::value project_value(*project);
    info.project_domain_id = string_at(object_at(project_value, "domain"), "id");
  }
  if (auto it = token->find("roles"); it != token->end() && it->value().is_array()) {
    std::vector<std::string> roles;
    roles.reserve(it->value().get_array().size());
    for (const auto& role : it->value().get_array()) {
      auto name = string_at(role.if_object(), "name");
      if (!name.empty()) roles.push_back(std::move(name));
    }
    info.roles = RoleList(std::move(roles));
  }
  auto expires = parse_keystone_time(string_at(token, "expires_at"));
  if (info.user_id.empty() || !expires) return std::nullopt;
  info.expires_at = *expires;
  return info;
}

std::optional<std::string> identity_url_from_catalog(const json::value& body,
                                                     const std::string& interface,
                                                     const std::string& region) {
  const auto* token = object_at(body, "token");
  if (!token) return std::nullopt;
  auto catalog = token->find("catalog");
  if (catalog == token->end() || !catalog->value().is_array()) return std::nullopt;
  for (const auto& service : catalog->value().get_array()) {
    if (string_at(service.if_object(), "type") != "identity") continue;
    const auto* object = service.if_object();
    auto endpoints = object->find("endpoints");
    if (endpoints == object->end() || !endpoints->value().is_array()) continue;
    for (const auto& endpoint : endpoints->value().get_array()) {
      const auto* e = endpoint.if_object();
      if (string_at(e, "interface") != interface) continue;
      if (!region.empty() && string_at(e, "region_id") != region &&
          string_at(e, "region") != region)
        continue;
      auto url = string_at(e, "url");
      if (!url.empty()) return url;
    }
  }
  return std::nullopt;
}

KeystoneClient::KeystoneClient(KeystoneSettings settings, http::ClientOptions options)
    : settings_(std::move(settings)),
      auth_v3_url_(identity_v3_root(settings_.auth_url)),
      client_(std::move(options)) {}

asio::awaitable<Result<ServiceToken>> KeystoneClient::issue_service_token() const {
  auto url = http::parse_url(auth_v3_url_ + "/auth/tokens");
  if (!url) co_return Status::unavailable("auth_url is not a URL");
  json::object password{{"user",
                         {{"name", settings_.username},
                          {"domain", {{"name", settings_.user_domain_name}}},
                          {"password", settings_.password}}}};
  json::object body{
      {"auth",
       {{"identity", {{"methods", json::array{"password"}}, {"password", std::move(password)}}},
        {"scope",
         {{"project",
           {{"name", settings_.project_name},
            {"domain", {{"name", settings_.project_domain_name}}}}}}}}}};
  http::ClientRequest request{bhttp::verb::post, "/", 11};
  request.set(bhttp::field::content_type, "application/json");
  request.set(bhttp::field::accept, "application/json");
  request.body() = json::serialize(body);
  auto result = co_await client_.send(*url, std::move(request));
  if (!result.is_ok()) co_return std::move(result).status();
  auto& response = *result;
  if (response.result_int() == 401)
    co_return Status(ErrorKind::forbidden,
                     "Keystone refused keypaird's credentials ([keystone_authtoken] "
                     "username/password/project_name)");
  if (response.result_int() != 201 && response.result_int() != 200)
    co_return Status::unavailable(describe(response));
  boost::system::error_code parse_error;
  auto parsed = json::parse(response.body(), parse_error);
  auto subject = response.find("X-Subject-Token");
  if (parse_error || subject == response.end() || subject->value().empty())
    co_return Status::unavailable("Keystone's token answer is malformed");
  ServiceToken token;
  token.token = std::string(subject->value());
  auto expires = parse_keystone_time(string_at(object_at(parsed, "token"), "expires_at"));
  auto issued = parse_keystone_time(string_at(object_at(parsed, "token"), "issued_at"));
  if (!expires) co_return Status::unavailable("Keystone's token answer has no expires_at");
  token.expires_at = *expires;
  token.issued_at = issued.value_or(SystemClock::now());
  auto identity = identity_url_from_catalog(parsed, settings_.interface, settings_.region_name);
  token.identity_v3_url = identity ? identity_v3_root(*identity) : auth_v3_url_;
  co_return token;
}

asio::awaitable<Result<TokenInfo>> KeystoneClient::validate(ServiceToken service,
                                                            std::string subject_token,
                                                            bool allow_expired) const {
  std::string target = service.identity_v3_url + "/auth/tokens?nocatalog";
  if (allow_expired) target += "&allow_expired=1";
  auto url = http::parse_url(target);
  if (!url)
    co_return Status::unavailable("the identity endpoint is not a URL: " + service.identity_v3_url);
  http::ClientRequest request{bhttp::verb::get, "/", 11};
  request.set(bhttp::field::accept, "application/json");
  request.set("X-Auth-Token", service.token);
  request.set("X-Subject-Token", subject_token);
  // No "OpenStack-Identity-Access-Rules: 1": keypaird does not enforce application credential
  // access rules, so Keystone must refuse such tokens rather than hand them to us.
  auto result = co_await client_.send(*url, std::move(request));
  if (!result.is_ok()) co_return std::move(result).status();
  auto& response = *result;
  switch (response.result_int()) {
    case 200:
      break;
    case 404:
      co_return Status(ErrorKind::unauthenticated, "token not recognised");
    case 401:
      co_return Status(ErrorKind::forbidden, "Keystone refused keypaird's service token");
    default:
      co_return Status::unavailable(describe(response));
  }
  boost::system::error_code parse_error;
  auto parsed = json::parse(response.body(), parse_error);
  std::optional<TokenInfo> info;
  if (!parse_error) info = parse_token_body(parsed);
  if (!info) co_return Status::unavailable("Keystone's validation answer is malformed");
  co_return std::move(*info);
}

}  // namespace keypaird::auth
