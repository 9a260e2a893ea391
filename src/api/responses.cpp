// Response builders and the one mapping from error kinds to HTTP.
#include "api/responses.h"

#include <openssl/crypto.h>

#include <array>
#include <boost/json.hpp>

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
  boost::json::object inner{{"code", status}, {"message", message}};
  boost::json::object outer;
  outer[fault_name(status)] = std::move(inner);
  response.body() = boost::json::serialize(outer);
  return response;
}

Response plain_not_found() {
  Response response{bhttp::status::not_found, 11};
  response.set(bhttp::field::content_type, "text/plain; charset=UTF-8");
  response.body() = "404 Not Found\n\nThe resource could not be found.\n\n   ";
  return response;
}

Response request_too_large(std::size_t limit) {
  Response response{bhttp::status::payload_too_large, 11};
  response.set(bhttp::field::content_type, "text/plain; charset=UTF-8");
  response.body() =
      "413 Request Entity Too Large\n\nRequest is too large. Larger than "
      "max_request_body_size (" +
      std::to_string(limit) + ").\n\n   ";
  return response;
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
