// JSON request bodies read the way Python's json module reads them: besides standard JSON it
// accepts the bare tokens NaN, Infinity and -Infinity, which then reach schema validation (and
// its messages) as numbers, as they do in Nova; and its integers have no size limit, so Nova's
// messages quote 100000000000000000000 exactly (up to Python's 4,300-digit limit, beyond which
// the body is malformed).
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keypaird::api {

// An integer beyond 64 bits stands in `value` as a NaN whose payload numbers its text in
// `big_integers` (python_big_integer_index): type checks see a number, python_repr given
// `big_integers` shows the digits.
struct PythonJson {
  boost::json::value value;
  std::vector<std::string> big_integers;
};

// nullopt when the text is not JSON (Nova: 400 "Malformed request body"). Invalid UTF-8 inside
// strings is refused.
std::optional<PythonJson> parse_request_json(std::string_view text);

// For a double of the parsed value: which of `big_integers` it stands for, if any.
std::optional<std::size_t> python_big_integer_index(double value);

}  // namespace keypaird::api
