// Building HTTP answers in Nova's shapes: JSON bodies, Nova fault bodies, and the plain webob
// pages Nova answers with outside its API handlers. The mapping from KeypairError to HTTP lives
// here and nowhere else.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "http/server.h"
#include "keypairs/keypair_service.h"

namespace keypaird::api {

using http::Response;

// The fault name Nova gives a status ("badRequest", "itemNotFound", ...).
const char* fault_name(unsigned status);

Response json_response(unsigned status, const boost::json::value& body);
// The same, for a body holding a secret: serialized straight into a buffer of its final size,
// so no partial copy is left behind in freed memory by the string growing.
Response secret_json_response(unsigned status, const boost::json::value& body);
// {"<fault name>": {"code": status, "message": message}}
Response fault_response(unsigned status, const std::string& message);
Response plain_not_found();                     // webob's text 404, outside any handler
Response request_too_large(std::size_t limit);  // oslo sizelimit's text 413
Response empty_response(unsigned status, const char* content_type);

// The one place keypair errors become HTTP.
Response error_response(const keypairs::KeypairError& error);

}  // namespace keypaird::api
