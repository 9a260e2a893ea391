// Application: the compute API's pipeline, one named step after another, in Nova's order:
//   route -> authenticate -> negotiate the version -> media type and encoding -> validate ->
//   policy -> service -> view -> finalize (version headers, request id, media type).
// Each step returns the next input or a refusal (a Status); one place (finalize) adds what
// every answer carries. Messages and orderings follow what a running nova-api answered
// (tests/conformance).
#include "api/application.h"

#include <boost/json.hpp>
#include <chrono>
#include <random>

#include "api/accept.h"
#include "api/keypair_schema.h"
#include "api/keypair_views.h"
#include "api/python_json.h"
#include "api/responses.h"
#include "api/route.h"
#include "api/url.h"
#include "api/urlmap_accept.h"
#include "api/versions.h"
#include "common/utf8.h"
#include "crypto/wipe.h"

namespace keypaird::api {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using http::Response;

namespace {

// "req-" and a random (version 4) UUID in lowercase hex, as oslo.context makes them.
std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "req-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  std::size_t at = id.size();
  auto put = [&id, &at](std::uint64_t bits, int digits) {
    for (int i = 0; i < digits; ++i, bits >>= 4) id[--at] = kHex[bits & 0xF];
  };
  put(lo, 12);
  --at;
  put(lo >> 48, 4);
  --at;
  put(hi, 4);
  --at;
  put(hi >> 16, 4);
  --at;
  put(hi >> 32, 8);
  return id;
}

// webob's request URL: the path as the URL map hands it on, quoted again, and the query when
// there is one.
template <typename Call>
std::string request_url(const Call& call) {
  std::string url = call.base_url() + quote_path(collapse_slashes(call.path));
  if (!call.raw_query.empty()) url += "?" + call.raw_query;
  return url;
}

// The project a next link names (Nova's _get_project_id): the context's, when it appears
// anywhere in the request URL (the host and the query included), else none.
template <typename Call>
std::optional<std::string> link_project(const Call& call) {
  const std::string& project = call.context.project_id;
  if (project.empty() || latin1_to_utf8(request_url(call)).find(project) == std::string::npos)
    return std::nullopt;
  return project;
}

// webob's host_url: "http://" and the Host header, without a port 80.
std::string host_url(std::optional<std::string_view> host_header) {
  std::string_view host = host_header ? *host_header : std::string_view("localhost");
  auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.back() != ']' && host.substr(colon + 1) == "80")
    host = host.substr(0, colon);
  return "http://" + std::string(host);
}

void add_version_headers(Response& response, const std::string& version) {
  // Only finalize adds these: insert, as no answer carries them yet.
  std::string compute_version;
  compute_version.reserve(8 + version.size());
  compute_version.append("compute ").append(version);
  response.insert("OpenStack-API-Version", compute_version);
  response.insert("X-OpenStack-Nova-API-Version", version);
  response.insert(bhttp::field::vary, "OpenStack-API-Version");
  response.insert(bhttp::field::vary, "X-OpenStack-Nova-API-Version");
}

const char* rule_name(KeypairEndpoint endpoint) {
  switch (endpoint) {
    case KeypairEndpoint::list:
      return "os_compute_api:os-keypairs:index";
    case KeypairEndpoint::show:
      return "os_compute_api:os-keypairs:show";
    case KeypairEndpoint::remove:
      return "os_compute_api:os-keypairs:delete";
    case KeypairEndpoint::create:
      break;
  }
  return "os_compute_api:os-keypairs:create";
}

KeypairAction query_action(KeypairEndpoint endpoint) {
  switch (endpoint) {
    case KeypairEndpoint::show:
      return KeypairAction::show;
    case KeypairEndpoint::remove:
      return KeypairAction::remove;
    default:
      return KeypairAction::index;
  }
}

}  // namespace

// One request on its way through the pipeline, and what finalize needs to know of it.
struct Application::Call {
  http::Request& message;
  bool* secret_answer;  // set when the answer holds a private key (the server wipes it)
  mutable std::optional<std::string> base_url_;  // made when first needed (links, documents)
  std::string path;                              // decoded
  std::string raw_query;                         // after '?', undecoded
  Route route;
  UrlmapMediaType media;  // the media type Nova's URL map picks for the answer
  auth::RequestContext context;
  ApiVersion version = kMinVersion;
  observability::RequestLog log;  // filled along the pipeline for the access log and metrics
  // For finalize:
  bool compute_app = false;                 // answered by the compute app: a request id
  std::optional<std::string> version_text;  // negotiated: the version headers
  bool in_media_type = false;  // a handler or a version document answered: the URL map's type

  // webob's host_url, from the Host header.
  const std::string& base_url() const {
    if (!base_url_) base_url_ = host_url(header("Host"));
    return *base_url_;
  }

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
  Call call{request.message, request.secret_answer};
  call.log.method = std::string(call.message.method_string());
  std::string_view raw_target = call.message.target();
  call.log.path = std::string(raw_target.substr(0, raw_target.find('?')));  // never the query
  auto target = decode_target(raw_target);
  call.path = std::move(target.path);
  call.raw_query = std::move(target.raw_query);

  Response response = co_await answer(call, request.body_too_large);
  finalize(call, response);
  // The access log and metrics: never headers (tokens) nor bodies (keys).
  call.log.status = response.result_int();
  call.log.duration = std::chrono::steady_clock::now() - started;
  if (operations_.metrics) operations_.metrics->request_finished(call.log);
  if (operations_.log) operations_.log->access(call.log);
  co_return response;
}

// The URL map: which app answers.
asio::awaitable<Response> Application::answer(Call& call, bool body_too_large) {
  call.route = route_request(call.message.method(), call.path);
  if (call.route.target != RouteTarget::metrics) {
    // Nova's URL map reads Accept before any other layer (even CORS and the size limit).
    call.media = urlmap_media_type(collapse_slashes(call.path), call.header("Accept"));
    if (call.media.unreadable) {
      call.compute_app = true;
      co_return error_response(Status::invalid_input("Accept header cannot be read."));
    }
  }
  if (body_too_large) {
    call.compute_app = true;
    co_return request_too_large(settings_.max_request_body_size,
                                error_page_format(call.header("Accept")),
                                call.message.method() == bhttp::verb::head);
  }
  switch (call.route.target) {
    case RouteTarget::root_versions:
      call.log.route = observability::Route::root;
      call.in_media_type = true;
      co_return root_versions_response(call.base_url(), settings_.max_version);
    case RouteTarget::versions:
      co_return version_document(call);
    case RouteTarget::compute:
      co_return co_await compute(call);
    case RouteTarget::healthcheck:
      if (!operations_.health) break;
      call.log.route = observability::Route::healthcheck;
      if (call.message.method() == bhttp::verb::options) co_return empty_response(200, nullptr);
      co_return healthcheck_response(operations_.health->check(),
                                     call.message.method() == bhttp::verb::head,
                                     call.header("Accept"));
    case RouteTarget::metrics:
      if (!operations_.metrics || operations_.metrics_token.empty()) break;
      call.log.route = observability::Route::metrics;
      if (!bearer_token_matches(call.header("Authorization"), operations_.metrics_token))
        co_return metrics_unauthorized();
      co_return metrics_response(*operations_.metrics);
    case RouteTarget::choices:
      break;
  }
  call.in_media_type = true;
  co_return choices_response(call.base_url(), call.path);
}

Response Application::version_document(Call& call) {
  call.log.route = observability::Route::versions;
  call.compute_app = true;
  if (call.route.v2_1) {
    if (Status negotiated = negotiate(call); !negotiated) return error_response(negotiated);
  }
  call.in_media_type = true;
  return version_response(call.base_url(), call.route.v2_1, settings_.max_version);
}

// The compute API: authenticate, route the method, negotiate, check the request's encoding,
// then the keypairs handler.
asio::awaitable<Response> Application::compute(Call& call) {
  call.compute_app = true;
  const Route& route = call.route;
  call.log.route = route.resource == KeypairResource::collection ? observability::Route::keypairs
                   : route.resource == KeypairResource::member   ? observability::Route::keypair
                                                                 : observability::Route::other;
  std::optional<Response> refused = co_await authenticate(call);
  if (refused) co_return std::move(*refused);
  // An authenticated OPTIONS is answered empty, with no request id, as nova-api does (a
  // request without a token got noauth2's token above, like any other method).
  if (call.message.method() == bhttp::verb::options) {
    call.compute_app = false;
    co_return empty_response(200, nullptr);
  }
  // Unrouted paths and methods answer 404 after authentication, as in Nova.
  if (!route.endpoint)
    co_return not_found_page(error_page_format(call.header("Accept")),
                             call.message.method() == bhttp::verb::head);
  if (!route.legacy_v2) {
    if (Status negotiated = negotiate(call); !negotiated) co_return error_response(negotiated);
  }
  if (Status readable = check_request_encoding(call); !readable) co_return error_response(readable);
  call.in_media_type = true;
  switch (*route.endpoint) {
    case KeypairEndpoint::list:
      co_return co_await list(call);
    case KeypairEndpoint::show:
      co_return co_await show(call);
    case KeypairEndpoint::create:
      co_return co_await create(call);
    case KeypairEndpoint::remove:
      break;
  }
  co_return co_await remove(call);
}

// Step: who is calling. A refusal is keystonemiddleware's or noauth2's own answer.
asio::awaitable<std::optional<Response>> Application::authenticate(Call& call) {
  auto lookup = [&call](std::string_view name) { return call.header(name); };
  auth::HeaderLookup lookup_function = lookup;
  auto outcome = co_await authenticator_.authenticate(lookup_function);
  if (!outcome) {
    if (outcome.status().is(ErrorKind::unauthenticated) && !authenticator_.challenge().empty())
      co_return keystone_unauthorized(authenticator_.challenge());
    co_return error_response(outcome.status());
  }
  if (outcome->token_issued) {
    Response response = empty_response(204, "text/plain; charset=UTF-8");
    std::string url = request_url(call);
    while (!url.empty() && url.back() == '/') url.pop_back();
    response.set("X-Auth-Token", outcome->issued_token);
    response.set("X-Server-Management-Url", url + "/" + outcome->issued_project_id);
    co_return response;
  }
  call.context = std::move(outcome->context);
  call.log.user_id = call.context.user_id;
  co_return std::nullopt;
}

// Step: the microversion, from the two headers. From here on every answer carries the
// version headers (finalize adds them), a 406 included.
Status Application::negotiate(Call& call) {
  auto requested =
      requested_version(call.header("OpenStack-API-Version"),
                        call.header("X-OpenStack-Nova-API-Version"), settings_.max_version);
  if (!requested) return requested.status();
  call.version_text = requested->to_string();  // a 406 carries the version asked for too
  if (Status offered = check_version_offered(*requested, settings_.max_version); !offered)
    return offered;
  call.version = *requested;
  call.log.microversion_major = call.version.major;
  call.log.microversion_minor = call.version.minor;
  return Status::ok();
}

// Step: what keypaird can read. Nova fails with a 500 on a path that is not UTF-8; a name
// that is not UTF-8 can never exist, so say why.
Status Application::check_request_encoding(const Call& call) {
  if (!is_valid_utf8(call.path))
    return Status::invalid_input("Malformed request URL: the path is not valid UTF-8");
  if (auto content_type = call.header("Content-Type")) {
    std::string_view media = *content_type;
    media = media.substr(0, media.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    while (!media.empty() && media.front() == ' ') media.remove_prefix(1);
    if (!media.empty() && media != "text/plain" && media != "application/json" &&
        media != "application/vnd.openstack.compute+json")
      return Status(ErrorKind::unsupported_media, "Unsupported Content-Type");
  }
  return Status::ok();
}

// Steps shared by the handlers: the project in the path must be the caller's, and the policy
// rule of the endpoint must allow acting for `user_id`.
Status Application::check_project(const Call& call) const {
  // Nova compares the path's project (latin-1 text, as WSGI decodes the path) with the context's.
  const auto& in_path = call.route.project_id;
  if (in_path && latin1_to_utf8(*in_path) != call.context.project_id)
    return Status::invalid_input(
        "Malformed request URL: URL's project_id '" + *in_path +
        "' doesn't match Context's project_id '" +
        (call.context.project_id.empty() ? std::string("None") : call.context.project_id) + "'");
  return Status::ok();
}

Status Application::check_policy(const Call& call, const std::string& user_id) const {
  const char* rule = rule_name(*call.route.endpoint);
  if (!policy_.allows(rule, call.context, user_id))
    return Status::forbidden(std::string("Policy doesn't allow ") + rule + " to be performed.");
  return Status::ok();
}

// Step for list, show and delete: project, query, policy. The user acted for, or the refusal.
Result<Application::ReadRequest> Application::validate_read(const Call& call) const {
  if (Status project = check_project(call); !project) return project;
  auto parsed = parse_query(call.raw_query);
  if (!parsed.valid_utf8) return Status::invalid_input("Query string is not UTF-8 encoded");
  auto query = validate_query(parsed.params, query_action(*call.route.endpoint), call.version);
  if (!query) return std::move(query).status();
  ReadRequest read{std::move(query).value(), call.context.user_id};
  if (read.query.user_id && !read.query.user_id->empty()) read.user_id = *read.query.user_id;
  if (Status allowed = check_policy(call, read.user_id); !allowed) return allowed;
  return read;
}

asio::awaitable<Response> Application::list(Call& call) {
  auto read = validate_read(call);
  if (!read) co_return error_response(read.status());
  const KeypairMicroversion& behaviour = keypair_microversion(call.version);
  std::optional<std::int64_t> limit;
  std::optional<std::string> marker;
  if (behaviour.index_query.limit_marker) {
    limit = std::min(read->query.limit.value_or(settings_.max_limit), settings_.max_limit);
    marker = read->query.marker;
  }
  auto keypairs = co_await service_.list(read->user_id, marker, limit);
  if (!keypairs) co_return error_response(keypairs.status());
  std::optional<std::string> next;
  if (limit && *limit > 0 && static_cast<std::size_t>(*limit) == keypairs->size())
    next =
        next_page_href(call.base_url(), link_project(call), call.raw_query, keypairs->back().name);
  co_return json_response(200, list_view(*keypairs, call.version, next));
}

asio::awaitable<Response> Application::show(Call& call) {
  auto read = validate_read(call);
  if (!read) co_return error_response(read.status());
  auto keypair = co_await service_.get(read->user_id, call.route.name);
  if (!keypair) co_return error_response(keypair.status());
  co_return json_response(200, show_view(*keypair, call.version));
}

asio::awaitable<Response> Application::remove(Call& call) {
  auto read = validate_read(call);
  if (!read) co_return error_response(read.status());
  Status removed = co_await service_.remove(read->user_id, call.route.name);
  if (!removed) co_return error_response(removed);
  co_return empty_response(keypair_microversion(call.version).delete_status, "application/json");
}

// Step for create: body, project, schema, policy. What to create, or the refusal.
Result<keypairs::CreateRequest> Application::validate_create(const Call& call) const {
  const std::string& body_text = call.message.body();
  PythonJson body;  // null when there is no body
  if (!body_text.empty()) {
    auto parsed = parse_request_json(body_text);
    if (!parsed) return Status::invalid_input("Malformed request body");
    body = std::move(*parsed);
  }
  if (Status project = check_project(call); !project) return project;
  auto request =
      validate_create_body(body.value, call.version, call.route.legacy_v2, body.big_integers);
  if (!request) return std::move(request).status();
  keypairs::CreateRequest create;
  create.user_id =
      request->user_id && !request->user_id->empty() ? *request->user_id : call.context.user_id;
  if (Status allowed = check_policy(call, create.user_id); !allowed) return allowed;
  create.name = std::move(request->name);
  create.type = std::move(request->type);
  create.public_key = std::move(request->public_key);
  return create;
}

asio::awaitable<Response> Application::create(Call& call) {
  auto request = validate_create(call);
  if (!request) co_return error_response(request.status());
  auto created = co_await service_.create(*request);
  if (!created) co_return error_response(created.status());
  // With a generated private key, the response body becomes its only copy (the server wipes it
  // once written); create_view writes it into a buffer reserved at its final size, so no
  // partial copy is left in freed memory, and the service's copy is wiped here.
  Response response = json_response(keypair_microversion(call.version).create_status,
                                    create_view(*created, call.version));
  if (created->private_key && call.secret_answer) *call.secret_answer = true;
  crypto::wipe(created->private_key);
  co_return response;
}

// The one place that adds what answers carry: the version headers once negotiated, the
// compute media type where Accept prefers it (handler answers), and the request id on every
// answer of the compute app (the root document, the choices page and the operator endpoints
// come from other apps and carry none).
void Application::finalize(Call& call, Response& response) const {
  if (call.version_text) add_version_headers(response, *call.version_text);
  if (call.in_media_type) {
    auto content_type = response.find(bhttp::field::content_type);
    if (content_type != response.end() && content_type->value() == "application/json" &&
        call.media.media_type != "application/json")
      response.set(bhttp::field::content_type, call.media.media_type);
  }
  if (call.compute_app) {
    std::string id = new_request_id();
    response.insert("x-openstack-request-id", id);
    response.insert("x-compute-request-id", id);
    call.log.request_id = std::move(id);
  }
}

}  // namespace keypaird::api
