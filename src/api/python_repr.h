// Python's str() and repr() of JSON values. Nova's validation messages quote the offending value
// the way Python prints it ("Value: {'name': 'x'}. 'x' is not of type ..."), and clients and
// tests compare those messages verbatim.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace keypaird::api {

std::string python_repr(const boost::json::value& value);
std::string python_repr(std::string_view text);  // a str's repr, with Python's quoting rules
// str(): like repr, except that a string is shown bare.
std::string python_str(const boost::json::value& value);

}  // namespace keypaird::api
