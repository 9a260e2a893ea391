// Application: routing and the request pipeline. Messages and orderings follow what a running
// nova-api answered (tests/conformance).
#include "api/application.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <chrono>
#include <random>

#include "api/accept.h"
#include "api/keypair_schema.h"
#include "api/keypair_views.h"
#include "api/python_json.h"
#include "api/responses.h"
#include "api/url.h"
#include "api/versions.h"
#include "crypto/wipe.h"
#include "store/keypair_store.h"

namespace keypaird::api {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using http::Response;

namespace {

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "req-%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xFFFF),
                static_cast<unsigned>(hi & 0xFFFF), static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buffer;
}

bool is_project_id(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) return false;
  return true;
}

// Nova answers in whichever of its two JSON media types the Accept header ranks higher
// (application/json on a tie or without the header).
bool prefers_compute_media_type(std::optional<std::string_view> accept) {
  return accept && accept_quality(*accept, "application/vnd.openstack.compute+json") >
                       accept_quality(*accept, "application/json");
}

void add_version_headers(Response& response, const std::string& version) {
  response.set("OpenStack-API-Version", "compute " + version);
  response.set("X-OpenStack-Nova-API-Version", version);
  response.insert(bhttp::field::vary, "OpenStack-API-Version");
  response.insert(bhttp::field::vary, "X-OpenStack-Nova-API-Version");
}

}  // namespace

struct Application::Call {
  http::Request& message;
  std::string base_url;
  std::string path;                // decoded
  std::string raw_query;           // after '?', undecoded
  std::vector<std::string> route;  // path segments after the version prefix
  std::optional<std::string> project_in_path;
  std::string member_name;
  auth::RequestContext context;
  ApiVersion version;
  bool legacy_v2 = false;
  observability::RequestLog log;  // filled along the pipeline for the access log and metrics

  std::optional<std::string_view> header(std::string_view name) const {
    auto it = message.find(name);
    if (it == message.end()) return std::nullopt;
    return it->value();
  }
};

Application::Application(ApiSettings settings, auth::Authenticator& authenticator,
                         const auth::Policy& policy, keypairs::KeypairService& service,
                         OperationsHooks operations)
    : settings_(settings),
      authenticator_(authenticator),
      policy_(policy),
      service_(service),
      operations_(std::move(operations)) {}

asio::awaitable<Response> Application::handle(http::IncomingRequest request) {
  auto started = std::chrono::steady_clock::now();
  if (operations_.metrics) operations_.metrics->request_started();
  http::Request& message = request.message;
  Call call{message, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}};
  call.log.method = std::string(message.method_string());
  std::string_view raw_target = message.target();
  call.log.path = std::string(raw_target.substr(0, raw_target.find('?')));  // never the query

  Response response;
  if (message.method() == bhttp::verb::options) {
    // Answered by the CORS step, before anything else runs.
    response = empty_response(200, nullptr);
  } else {
    auto target = decode_target(raw_target);
    call.path = std::move(target.path);
    call.raw_query = std::move(target.raw_query);
    auto host = call.header("Host");
    call.base_url = "http://" + std::string(host ? *host : "localhost");

    if (request.body_too_large) {
      response = request_too_large(settings_.max_request_body_size);
      response.set("x-openstack-request-id", "");
    } else {
      response = co_await dispatch(call);
    }
    // Every answer from the compute app carries the request id; the root version documents and
    // the "choices" page come from another app and carry none.
    if (response.find("x-openstack-request-id") != response.end()) {
      std::string id = new_request_id();
      response.set("x-openstack-request-id", id);
      response.set("x-compute-request-id", id);
      call.log.request_id = std::move(id);
    }
  }
  // The access log and metrics: never headers (tokens) nor bodies (keys).
  call.log.status = response.result_int();
  call.log.duration = std::chrono::steady_clock::now() - started;
  if (operations_.metrics) operations_.metrics->request_finished(call.log);
  if (operations_.log) operations_.log->access(call.log);
  co_return response;
}

asio::awaitable<Response> Application::dispatch(Call& call) {
  const std::string& path = call.path;
  auto mark = [](Response r) {
    r.set("x-openstack-request-id", "");
    return r;
  };
  if (path == "/") {
    call.log.route = observability::Route::root;
    co_return root_versions_response(call.base_url, settings_.max_version);
  }
  if (path == "/v2.1" || path == "/v2.1/" || path == "/v2" || path == "/v2/") {
    call.log.route = observability::Route::versions;
    bool v21 = path.rfind("/v2.1", 0) == 0;
    Response response = version_response(call.base_url, v21, settings_.max_version);
    if (v21) {
      auto negotiated =
          negotiate_version(call.header("OpenStack-API-Version"),
                            call.header("X-OpenStack-Nova-API-Version"), settings_.max_version);
      if (negotiated.status == NegotiatedVersion::Status::invalid_format)
        co_return mark(fault_response(400, negotiated.message));
      if (negotiated.status == NegotiatedVersion::Status::not_acceptable) {
        Response fault = fault_response(406, negotiated.message);
        add_version_headers(fault, negotiated.requested);
        co_return mark(std::move(fault));
      }
      call.log.microversion_major = negotiated.version.major;
      call.log.microversion_minor = negotiated.version.minor;
      add_version_headers(response, negotiated.requested);
    }
    co_return mark(std::move(response));
  }
  if (path.rfind("/v2.1/", 0) == 0) co_return mark(co_await api_request(call, false));
  if (path.rfind("/v2/", 0) == 0) co_return mark(co_await api_request(call, true));
  // Operator endpoints, outside the compute app (as in Nova's URL map).
  if (operations_.health && is_healthcheck_path(path)) {
    call.log.route = observability::Route::healthcheck;
    co_return healthcheck_response(operations_.health->check(),
                                   call.message.method() == bhttp::verb::head,
                                   call.header("Accept"));
  }
  if (path == "/metrics" && operations_.metrics && !operations_.metrics_token.empty()) {
    call.log.route = observability::Route::metrics;
    if (!bearer_token_matches(call.header("Authorization"), operations_.metrics_token))
      co_return metrics_unauthorized();
    co_return metrics_response(*operations_.metrics);
  }
  co_return choices_response(call.base_url, path);
}

asio::awaitable<Response> Application::api_request(Call& call, bool legacy_v2) {
  call.legacy_v2 = legacy_v2;
  // Routing: [project_id/]os-keypairs[/name]. Worked out first so that every answer, 401s
  // included, is counted under its route; the 404s for unrouted paths still come after
  // authentication, as in Nova.
  // Like Nova's router, runs of slashes count as one; a trailing slash does not match.
  auto segments = split_path(call.path);
  segments.erase(segments.begin());  // "v2.1" or "v2"
  if (segments.size() >= 2 && segments[1] == "os-keypairs" && is_project_id(segments[0])) {
    call.project_in_path = segments[0];
    segments.erase(segments.begin());
  }
  bool collection = segments.size() == 1 && segments[0] == "os-keypairs";
  bool member = segments.size() == 2 && segments[0] == "os-keypairs" && !segments[1].empty();
  call.log.route = collection ? observability::Route::keypairs
                   : member   ? observability::Route::keypair
                              : observability::Route::other;

  auto lookup = [&call](std::string_view name) { return call.header(name); };
  auth::HeaderLookup lookup_function = lookup;
  auto outcome = co_await authenticator_.authenticate(lookup_function);
  switch (outcome.status) {
    case auth::AuthOutcome::Status::authenticated:
      break;
    case auth::AuthOutcome::Status::token_issued: {
      Response response = empty_response(204, "text/plain; charset=UTF-8");
      std::string url = call.base_url + std::string(call.message.target());
      while (!url.empty() && url.back() == '/') url.pop_back();
      response.set("X-Auth-Token", outcome.issued_token);
      response.set("X-Server-Management-Url", url + "/" + outcome.issued_project_id);
      co_return response;
    }
    case auth::AuthOutcome::Status::unauthorized:
      if (!outcome.challenge.empty()) co_return keystone_unauthorized(outcome.challenge);
      co_return fault_response(401, "The request you have made requires authentication.");
    case auth::AuthOutcome::Status::unavailable:
      co_return fault_response(503, "The Keystone service is temporarily unavailable.");
  }
  call.context = std::move(outcome.context);
  call.log.user_id = call.context.user_id;

  auto method = call.message.method();
  if (method == bhttp::verb::head && (collection || member))
    co_return empty_response(404, "text/html; charset=UTF-8");
  bool routed = (collection && (method == bhttp::verb::get || method == bhttp::verb::post)) ||
                (member && (method == bhttp::verb::get || method == bhttp::verb::delete_));
  if (!routed) co_return plain_not_found();
  if (member) call.member_name = segments[1];

  // Microversion (the legacy /v2 endpoint has none).
  std::optional<std::string> version_text;
  if (legacy_v2) {
    call.version = kMinVersion;
  } else {
    auto negotiated =
        negotiate_version(call.header("OpenStack-API-Version"),
                          call.header("X-OpenStack-Nova-API-Version"), settings_.max_version);
    if (negotiated.status == NegotiatedVersion::Status::invalid_format)
      co_return fault_response(400, negotiated.message);
    version_text = negotiated.requested;
    if (negotiated.status == NegotiatedVersion::Status::not_acceptable) {
      Response fault = fault_response(406, negotiated.message);
      add_version_headers(fault, *version_text);
      co_return fault;
    }
    call.version = negotiated.version;
    call.log.microversion_major = call.version.major;
    call.log.microversion_minor = call.version.minor;
  }

  Response response;
  if (!valid_utf8(call.path)) {
    // Nova fails with a 500 here; a name that is not UTF-8 can never exist, so say why.
    response = fault_response(400, "Malformed request URL: the path is not valid UTF-8");
    if (version_text) add_version_headers(response, *version_text);
    co_return response;
  }
  if (auto content_type = call.header("Content-Type")) {
    std::string_view media = *content_type;
    media = media.substr(0, media.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    while (!media.empty() && media.front() == ' ') media.remove_prefix(1);
    if (!media.empty() && media != "text/plain" && media != "application/json" &&
        media != "application/vnd.openstack.compute+json") {
      response = fault_response(415, "Unsupported Content-Type");
      if (version_text) add_version_headers(response, *version_text);
      co_return response;
    }
  }

  if (method == bhttp::verb::post) {
    response = co_await create(call);
  } else if (method == bhttp::verb::delete_) {
    response = co_await remove(call);
  } else if (member) {
    response = co_await show(call);
  } else {
    response = co_await list(call);
  }
  if (version_text) add_version_headers(response, *version_text);
  auto content_type = response.find(bhttp::field::content_type);
  if (content_type != response.end() && content_type->value() == "application/json" &&
      prefers_compute_media_type(call.header("Accept")))
    response.set(bhttp::field::content_type, "application/vnd.openstack.compute+json");
  co_return response;
}

namespace {

std::optional<std::string> project_mismatch(const std::optional<std::string>& in_path,
                                            const auth::RequestContext& context) {
  if (in_path && *in_path != context.project_id)
    return "Malformed request URL: URL's project_id '" + *in_path +
           "' doesn't match Context's project_id '" + context.project_id + "'";
  return std::nullopt;
}

const char* rule_name(KeypairAction action) {
  switch (action) {
    case KeypairAction::index:
      return "os_compute_api:os-keypairs:index";
    case KeypairAction::show:
      return "os_compute_api:os-keypairs:show";
    case KeypairAction::remove:
      return "os_compute_api:os-keypairs:delete";
  }
  return "";
}

std::string policy_denied(const std::string& rule) {
  return "Policy doesn't allow " + rule + " to be performed.";
}

// The shared front half of list, show and delete: path project, query schema, policy.
struct ReadPrologue {
  std::optional<Response> refusal;
  ListQuery query;
  std::string user_id;
};

ReadPrologue read_prologue(const std::optional<std::string>& project_in_path,
                           const auth::RequestContext& context, const std::string& raw_query,
                           KeypairAction action, ApiVersion version, const auth::Policy& policy) {
  ReadPrologue p;
  if (auto message = project_mismatch(project_in_path, context)) {
    p.refusal = fault_response(400, *message);
    return p;
  }
  auto parsed = parse_query(raw_query);
  if (!parsed.valid_utf8) {
    p.refusal = fault_response(400, "Query string is not UTF-8 encoded");
    return p;
  }
  auto validated = validate_query(parsed.params, action, version);
  if (!validated.query) {
    p.refusal = fault_response(400, validated.error);
    return p;
  }
  p.query = *validated.query;
  p.user_id = p.query.user_id && !p.query.user_id->empty() ? *p.query.user_id : context.user_id;
  if (!policy.allows(rule_name(action), context, p.user_id))
    p.refusal = fault_response(403, policy_denied(rule_name(action)));
  return p;
}

}  // namespace

asio::awaitable<Response> Application::list(Call& call) {
  auto p = read_prologue(call.project_in_path, call.context, call.raw_query, KeypairAction::index,
                         call.version, policy_);
  if (p.refusal) co_return std::move(*p.refusal);
  std::optional<std::int64_t> limit;
  bool paginated = keypair_microversion(call.version).index_query.limit_marker;
  if (paginated) {
    limit = std::min(p.query.limit.value_or(settings_.max_limit), settings_.max_limit);
  }
  std::optional<std::string> marker = paginated ? p.query.marker : std::nullopt;
  auto result = co_await service_.list(p.user_id, marker, limit);
  if (!result) co_return error_response(result.status());
  auto& keypairs = *result;
  std::optional<std::string> next_href;
  if (paginated && limit && *limit > 0 && static_cast<std::size_t>(*limit) == keypairs.size()) {
    // As Nova builds it: the known parameters sorted by name (a repeated one keeps its first
    // place and its last value), then marker set to the last name shown.
    std::vector<std::pair<std::string, std::string>> params;
    auto known = parse_query(call.raw_query).params;
    std::stable_sort(known.begin(), known.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
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
    set_param("marker", keypairs.back().name);
    std::string query;
    for (const auto& [key, value] : params) {
      if (!query.empty()) query += '&';
      query += urlencode_form(key) + "=" + urlencode_form(value);
    }
    std::string href = call.base_url + "/v2.1/";
    if (call.project_in_path) href += *call.project_in_path + "/";
    href += "os-keypairs?" + query;
    next_href = std::move(href);
  }
  co_return json_response(200, list_view(keypairs, call.version, next_href));
}

asio::awaitable<Response> Application::show(Call& call) {
  auto p = read_prologue(call.project_in_path, call.context, call.raw_query, KeypairAction::show,
                         call.version, policy_);
  if (p.refusal) co_return std::move(*p.refusal);
  auto result = co_await service_.get(p.user_id, call.member_name);
  if (!result) co_return error_response(result.status());
  co_return json_response(200, show_view(*result, call.version));
}

asio::awaitable<Response> Application::remove(Call& call) {
  auto p = read_prologue(call.project_in_path, call.context, call.raw_query, KeypairAction::remove,
                         call.version, policy_);
  if (p.refusal) co_return std::move(*p.refusal);
  Status removed = co_await service_.remove(p.user_id, call.member_name);
  if (!removed) co_return error_response(removed);
  unsigned code = keypair_microversion(call.version).delete_status;
  co_return empty_response(code, "application/json");
}

asio::awaitable<Response> Application::create(Call& call) {
  const std::string& body_text = call.message.body();
  json::value body;  // null when there is no body
  if (!body_text.empty()) {
    auto parsed = parse_request_json(body_text);
    if (!parsed) co_return fault_response(400, "Malformed request body");
    body = std::move(*parsed);
  }
  if (auto message = project_mismatch(call.project_in_path, call.context))
    co_return fault_response(400, *message);
  auto validated = validate_create_body(body, call.version, call.legacy_v2);
  if (!validated.request) co_return fault_response(400, validated.error);
  auto request = std::move(*validated.request);

  std::string user_id =
      request.user_id && !request.user_id->empty() ? *request.user_id : call.context.user_id;
  const std::string rule = "os_compute_api:os-keypairs:create";
  if (!policy_.allows(rule, call.context, user_id))
    co_return fault_response(403, policy_denied(rule));

  keypairs::CreateRequest create;
  create.user_id = std::move(user_id);
  create.name = std::move(request.name);
  create.type = std::move(request.type);
  create.public_key = std::move(request.public_key);
  auto result = co_await service_.create(create);
  if (!result) co_return error_response(result.status());
  unsigned status = keypair_microversion(call.version).create_status;
  auto& created = *result;
  // With a generated private key, the response body becomes its only copy (the server wipes it
  // once written); create_view writes it into a buffer reserved at its final size, so no
  // partial copy is left in freed memory, and the service's copy is wiped here.
  Response response = json_response(status, create_view(created, call.version));
  crypto::wipe(created.private_key);
  co_return response;
}

}  // namespace keypaird::api
