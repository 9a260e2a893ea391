// Response builders and the one mapping from error kinds to HTTP.
#include "api/responses.h"

#include <openssl/crypto.h>

#include <array>
#include <boost/json.hpp>

#include "common/json_string.h"

namespace keypaird::api {

namespace bhttp = boost::beast::http;

const char* fault_name(unsigned status) {
  switch (status) {
    case 400:
      return "badRequest";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "itemNotFound";
    case 405:
      return "badMethod";
    case 409:
      return "conflictingRequest";
    case 413:
    case 429:
      return "overLimit";
    case 415:
      return "badMediaType";
    case 501:
      return "notImplemented";
    case 503:
      return "serviceUnavailable";
    default:
      return "computeFault";
  }
}

Response json_response(unsigned status, const boost::json::value& body) {
  Response response{static_cast<bhttp::status>(status), 11};
  response.set(bhttp::field::content_type, "application/json");
  response.body() = boost::json::serialize(body);
  return response;
}

Response json_response(unsigned status, std::string serialized_body) {
  Response response{static_cast<bhttp::status>(status), 11};
  response.set(bhttp::field::content_type, "application/json");
  response.body() = std::move(serialized_body);
  return response;
}

Response fault_response(unsigned status, const std::string& message) {
  Response response{static_cast<bhttp::status>(status), 11};
  response.set(bhttp::field::content_type, "application/json; charset=UTF-8");
  // Written by hand so that the message's bytes go through the one JSON string writer.
  std::string body = "{\"";
  body += fault_name(status);
  body += "\":{\"code\":" + std::to_string(status) + ",\"message\":";
  append_json_string(body, message, Surrogates::escaped);
  body += "}}";
  response.body() = std::move(body);
  return response;
}

// A webob HTTPException page (webob 1.8): the body template "<explanation><br /><br />\n\n\n"
// (empty detail and comment) as text with the tags turned into newlines and spaces, as HTML, or
// as {"message", "code", "title"} JSON; a HEAD answer has no body and webob's default type.
// `explanation` is plain ASCII without markup, so no escaping applies.
namespace {

Response webob_page(unsigned code, std::string_view title, std::string_view explanation,
                    ErrorPageFormat format, bool head) {
  Response response{static_cast<bhttp::status>(code), 11};
  std::string status = std::to_string(code) + " " + std::string(title);
  if (head) {
    response.set(bhttp::field::content_type, "text/html; charset=UTF-8");
    return response;
  }
  std::string explained(explanation);
  switch (format) {
    case ErrorPageFormat::plain:
      response.set(bhttp::field::content_type, "text/plain; charset=UTF-8");
      response.body() = status + "\n\n" + explained + "\n\n   ";
      break;
    case ErrorPageFormat::html:
      response.set(bhttp::field::content_type, "text/html; charset=UTF-8");
      response.body() = "<html>\n <head>\n  <title>" + status +
                        "</title>\n </head>\n <body>\n  <h1>" + status + "</h1>\n  " + explained +
                        "<br /><br />\n\n\n\n </body>\n</html>";
      break;
    case ErrorPageFormat::json:
      // Python's json.dumps spacing.
      response.set(bhttp::field::content_type, "application/json");
      response.body() = "{\"message\": \"" + explained + "<br /><br />\\n\\n\\n\", \"code\": \"" +
                        status + "\", \"title\": \"" + std::string(title) + "\"}";
      break;
  }
  return response;
}

}  // namespace

Response not_found_page(ErrorPageFormat format, bool head) {
  return webob_page(404, "Not Found", "The resource could not be found.", format, head);
}

Response request_too_large(std::size_t limit, ErrorPageFormat format, bool head) {
  return webob_page(
      413, "Request Entity Too Large",
      "Request is too large. Larger than max_request_body_size (" + std::to_string(limit) + ").",
      format, head);
}

Response empty_response(unsigned status, const char* content_type) {
  Response response{static_cast<bhttp::status>(status), 11};
  if (content_type) response.set(bhttp::field::content_type, content_type);
  return response;
}

Response keystone_unauthorized(const std::string& challenge) {
  Response response{bhttp::status::unauthorized, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.set(bhttp::field::www_authenticate, challenge);
  // Byte for byte what keystonemiddleware sends (Python's json.dumps spacing).
  response.body() =
      R"({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made )"
      R"(requires authentication."}})";
  return response;
}

unsigned http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return 400;
    case ErrorKind::unauthenticated:
      return 401;
    case ErrorKind::forbidden:
    case ErrorKind::quota_exceeded:
      return 403;
    case ErrorKind::not_found:
      return 404;
    case ErrorKind::not_acceptable:
      return 406;
    case ErrorKind::conflict:
      return 409;
    case ErrorKind::too_large:
      return 413;
    case ErrorKind::unsupported_media:
      return 415;
    case ErrorKind::unavailable:
      return 503;
    case ErrorKind::internal:
      return 500;
  }
  return 500;
}

Response error_response(const Status& status) {
  return fault_response(http_status(status.kind()), status.message());
}

}  // namespace keypaird::api
