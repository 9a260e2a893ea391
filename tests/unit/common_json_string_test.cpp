// append_json_string: the escapes, UTF-8 passing through, bad bytes becoming U+FFFD, the size
// bound create_view relies on, and that the result always parses as the same JSON string.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "common/json_string.h"
#include "common/utf8.h"

using keypaird::append_json_string;

namespace {

std::string as_json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace

TEST(AppendJsonString, AppendsAQuotedLiteral) {
  std::string out = "x: ";
  append_json_string(out, "ssh-ed25519 AAAA key@host");
  EXPECT_EQ(out, "x: \"ssh-ed25519 AAAA key@host\"");
  EXPECT_EQ(as_json(""), "\"\"");
}

TEST(AppendJsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(as_json("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(as_json("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(as_json(std::string("\0\x01\x08\x0c\x1f\x7f", 6)),
            "\"\\u0000\\u0001\\u0008\\u000c\\u001f\\u007f\"");
  // A private key's line ends, as create_view writes them.
  EXPECT_EQ(as_json("-----BEGIN\nAB/+=\n-----END\n"), "\"-----BEGIN\\nAB/+=\\n-----END\\n\"");
}

TEST(AppendJsonString, PassesWellFormedUtf8Unescaped) {
  EXPECT_EQ(as_json("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91 \xc2\xa0"),
            "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91 \xc2\xa0\"");
}

TEST(AppendJsonString, ReplacesEachByteThatIsNotUtf8) {
  EXPECT_EQ(as_json("a\xff"), "\"a\\ufffd\"");
  EXPECT_EQ(as_json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(as_json("\xc0\xaf/"), "\"\\ufffd\\ufffd/\"");           // overlong '/'
  EXPECT_EQ(as_json("\xe2\x82"), "\"\\ufffd\\ufffd\"");             // truncated
  EXPECT_EQ(as_json("\xe2\x82\xac\x80\xc3\xa9"), "\"\xe2\x82\xac\\ufffd\xc3\xa9\"");
}

TEST(AppendJsonString, NeverGrowsMoreThanSixBytesPerByte) {
  for (const std::string& text :
       {std::string(100, '\x01'), std::string(100, '\xff'), std::string(100, '"')}) {
    EXPECT_LE(as_json(text).size(), 6 * text.size() + 2);
  }
}

TEST(AppendJsonString, AlwaysParsesBackAsJsonAndValidUtf8) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
  const std::string samples[] = {every_byte, "a\"b\\c\n\xc3\xa9\xff",
                                 "\xf0\x9f\x94\x91\xed\xa0\x80\x7f", "plain"};
  for (const std::string& text : samples) {
    const std::string literal = as_json(text);
    EXPECT_TRUE(keypaird::is_valid_utf8(literal));
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(literal, ec);
    ASSERT_FALSE(ec) << literal;
    ASSERT_TRUE(value.is_string());
    if (keypaird::is_valid_utf8(text)) {
      EXPECT_EQ(std::string_view(value.get_string()), text);
    }
  }
}

// Nova's messages quote values with lone surrogates (from "\ud800" escapes in a body) as
// json.dumps writes them; only fault messages ask for that.
TEST(AppendJsonString, EscapesSurrogatesWhenAsked) {
  std::string out;
  keypaird::append_json_string(out,
                               "a\xed\xa0\x80"
                               "b\xed\xbf\xbf\xed\x9f\xbf",
                               keypaird::Surrogates::escaped);
  EXPECT_EQ(out, "\"a\\ud800b\\udfff\xed\x9f\xbf\"");  // U+D7FF is a character
}
