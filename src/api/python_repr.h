// Python's str() and repr() of JSON values. Nova's validation messages quote the offending value
// the way Python prints it ("Value: {'name': 'x'}. 'x' is not of type ..."), and clients and
// tests compare those messages verbatim.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace keypaird::api {

// `big_integers`: the texts of a parsed body's integers beyond 64 bits (api/python_json.h).
std::string python_repr(const boost::json::value& value,
                        const std::vector<std::string>& big_integers = {});
std::string python_repr(std::string_view text);  // a str's repr, with Python's quoting rules
// str(): like repr, except that a string is shown bare.
std::string python_str(const boost::json::value& value,
                       const std::vector<std::string>& big_integers = {});

}  // namespace keypaird::api
