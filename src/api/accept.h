// Content negotiation: how much an Accept header wants a media type, as webob's best_match
// reads it (exact type, type/*, or */*; q defaults to 1).
#pragma once

#include <string_view>

namespace keypaird::api {

// The q of the best range in `accept` matching `type` ("text/plain" matches text/plain, text/*
// and */*); 0 when none does.
double accept_quality(std::string_view accept, std::string_view type);

}  // namespace keypaird::api
