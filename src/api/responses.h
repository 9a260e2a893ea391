// Building HTTP answers in Nova's shapes: JSON bodies, Nova fault bodies, and the plain webob
// pages Nova answers with outside its API handlers. The mapping from error kinds (Status) to HTTP
// lives here and nowhere else.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "api/accept.h"
#include "common/status.h"
#include "http/server.h"

namespace keypaird::api {

using http::Response;

// The fault name Nova gives a status ("badRequest", "itemNotFound", ...).
const char* fault_name(unsigned status);

Response json_response(unsigned status, const boost::json::value& body);
Response json_response(unsigned status, std::string serialized_body);
// {"<fault name>": {"code": status, "message": message}}
Response fault_response(unsigned status, const std::string& message);
// webob's 404 page, outside any handler, in the format the Accept header picks (api/accept.h).
Response not_found_page(ErrorPageFormat format, bool head);
// oslo.middleware sizelimit's 413, a webob page too.
Response request_too_large(std::size_t limit, ErrorPageFormat format, bool head);
Response empty_response(unsigned status, const char* content_type);
// keystonemiddleware's 401 for a missing or invalid token, with `WWW-Authenticate: <challenge>`.
Response keystone_unauthorized(const std::string& challenge);

// The HTTP status each error kind answers with (one table, for every layer's Status).
unsigned http_status(ErrorKind kind);
// {"<fault name>": {"code": ..., "message": status.message()}} with the kind's HTTP status.
Response error_response(const Status& status);

}  // namespace keypaird::api
