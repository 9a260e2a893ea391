// Python repr/str of JSON values, as they appear inside Nova's validation messages.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/python_repr.h"

using keypaird::api::python_repr;
using keypaird::api::python_str;

TEST(PythonRepr, Scalars) {
  EXPECT_EQ(python_repr(boost::json::parse("null")), "None");
  EXPECT_EQ(python_repr(boost::json::parse("true")), "True");
  EXPECT_EQ(python_repr(boost::json::parse("12345")), "12345");
  EXPECT_EQ(python_repr(boost::json::parse("1.5")), "1.5");
  EXPECT_EQ(python_repr(boost::json::parse("1e20")), "1e+20");
  EXPECT_EQ(python_repr(boost::json::parse("100.0")), "100.0");
  EXPECT_EQ(python_repr(boost::json::parse("0.0001")), "0.0001");
  EXPECT_EQ(python_repr(boost::json::parse("0.00001")), "1e-05");
}

TEST(PythonRepr, StringsPickQuotesAndEscapeLikePython) {
  EXPECT_EQ(python_repr(std::string_view("x")), "'x'");
  EXPECT_EQ(python_repr(std::string_view("a'b")), "\"a'b\"");
  EXPECT_EQ(python_repr(std::string_view("a'b\"c")), "'a\\'b\"c'");
  EXPECT_EQ(python_repr(std::string_view("a\nb\tc")), "'a\\nb\\tc'");
  EXPECT_EQ(python_repr(std::string_view("\xd0\xba")), "'\xd0\xba'");  // printable Cyrillic
  EXPECT_EQ(python_repr(std::string_view("a\x01")), "'a\\x01'");
}

TEST(PythonRepr, ContainersKeepOrder) {
  auto v = boost::json::parse(R"({"name": "x", "type": "ssh", "n": [1, null]})");
  EXPECT_EQ(python_repr(v), "{'name': 'x', 'type': 'ssh', 'n': [1, None]}");
  EXPECT_EQ(python_str(boost::json::parse(R"("x")")), "x");
}

#include "api/python_json.h"

TEST(PythonJson, AcceptsPythonsNonStandardNumbers) {
  auto v = keypaird::api::parse_request_json(
      R"({"keypair": {"name": NaN, "n": [Infinity, -Infinity]}})");
  ASSERT_TRUE(v);
  EXPECT_EQ(python_repr(v->value), "{'keypair': {'name': nan, 'n': [inf, -inf]}}");
  auto s = keypaird::api::parse_request_json(R"({"name": "NaN Infinity"})");
  ASSERT_TRUE(s);
  EXPECT_EQ(python_repr(s->value), "{'name': 'NaN Infinity'}");
  EXPECT_FALSE(keypaird::api::parse_request_json("{\"keypair\": {"));
  EXPECT_FALSE(keypaird::api::parse_request_json("NaNx"));
  EXPECT_FALSE(keypaird::api::parse_request_json("\xef\xbb\xbf{}"));  // a BOM is not JSON
}

// Python's integers have no size limit: Nova's messages quote the digits as written.
TEST(PythonJson, KeepsIntegersBeyond64BitsExactly) {
  auto v = keypaird::api::parse_request_json(
      R"({"a": 100000000000000000000, "b": [-9223372036854775809, 18446744073709551616],)"
      R"( "c": 18446744073709551615, "d": -9223372036854775808, "e": 1.00000000000000000000001,)"
      R"( "f": 123456789012345678901234567890e2, "g": NaN})");
  ASSERT_TRUE(v);
  EXPECT_EQ(python_repr(v->value, v->big_integers),
            "{'a': 100000000000000000000, 'b': [-9223372036854775809, 18446744073709551616], "
            "'c': 18446744073709551615, 'd': -9223372036854775808, 'e': 1.0, 'f': "
            "1.2345678901234567e+31, "
            "'g': nan}");
  EXPECT_TRUE(v->value.at("a").is_double());  // a number for every type check
  auto alone = keypaird::api::parse_request_json("-9223372036854775809");  // 19 digits
  ASSERT_TRUE(alone);
  EXPECT_EQ(python_repr(alone->value, alone->big_integers), "-9223372036854775809");
  EXPECT_FALSE(keypaird::api::parse_request_json("[00000000000000000000001]"));
  EXPECT_FALSE(keypaird::api::parse_request_json("1" + std::string(4300, '0')));  // 4,301 digits
  EXPECT_TRUE(keypaird::api::parse_request_json("1" + std::string(4299, '0')));
}
