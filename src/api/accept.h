// Content negotiation as webob does it: how much an Accept header wants a media type (the
// best_match reading Nova's own code uses), and which of its three page formats a webob error
// page (a 404 outside the API, a 413 from the size limit) takes for a given Accept header.
#pragma once

#include <optional>
#include <string_view>

namespace keypaird::api {

// The q of the best range in `accept` matching `type` ("text/plain" matches text/plain, text/*
// and */*); 0 when none does.
double accept_quality(std::string_view accept, std::string_view type);

// The body format of webob's error pages (webob 1.8 WSGIHTTPException.generate_response): the
// header is read with RFC 7231's grammar; an invalid header accepts everything (html), a
// missing or empty one nothing (plain); otherwise text/html and application/json are offered in
// that order, each taking the q of its most specific matching range, and the higher q wins.
enum class ErrorPageFormat { plain, html, json };
ErrorPageFormat error_page_format(std::optional<std::string_view> accept);

}  // namespace keypaird::api
