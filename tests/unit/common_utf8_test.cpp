// UTF-8 validation and encoding: what counts as well-formed, sequence lengths, the encoder.
#include <gtest/gtest.h>

#include <string>

#include "common/utf8.h"

using keypaird::append_utf8;
using keypaird::is_valid_utf8;
using keypaird::utf8_sequence_length;

TEST(IsValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8(std::string("nul \0 inside", 12)));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x9c\x93\xf0\x9f\x94\x91"));
  EXPECT_TRUE(is_valid_utf8("\xc2\x80\xdf\xbf"));          // U+0080, U+07FF
  EXPECT_TRUE(is_valid_utf8("\xe0\xa0\x80\xef\xbf\xbf"));  // U+0800, U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xed\x9f\xbf\xee\x80\x80"));  // U+D7FF, U+E000 around surrogates
  EXPECT_TRUE(is_valid_utf8("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"));  // U+10000, U+10FFFF
}

TEST(IsValidUtf8, RefusesOverlongsSurrogatesAndTruncation) {
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xc1\xbf"));          // overlong U+007F
  EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));      // overlong U+07FF
  EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf"));  // overlong U+FFFF
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xed\xbf\xbf"));      // surrogate U+DFFF
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xe2\x9c"));  // truncated
  EXPECT_FALSE(is_valid_utf8("a\xf0\x9f\x94"));
  EXPECT_FALSE(is_valid_utf8("\x80"));  // stray continuation
  EXPECT_FALSE(is_valid_utf8("\xc3\x28"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xfe"));
}

TEST(Utf8SequenceLength, GivesTheLengthAtAPositionOrZero) {
  const std::string text = "a\xc3\xa9\xe2\x9c\x93\xf0\x9f\x94\x91\xff\xe2\x9c";
  EXPECT_EQ(utf8_sequence_length(text, 0), 1u);
  EXPECT_EQ(utf8_sequence_length(text, 1), 2u);
  EXPECT_EQ(utf8_sequence_length(text, 2), 0u);  // inside a sequence
  EXPECT_EQ(utf8_sequence_length(text, 3), 3u);
  EXPECT_EQ(utf8_sequence_length(text, 6), 4u);
  EXPECT_EQ(utf8_sequence_length(text, 10), 0u);  // 0xff
  EXPECT_EQ(utf8_sequence_length(text, 11), 0u);  // truncated at the end
}

TEST(AppendUtf8, EncodesEachLength) {
  std::string out;
  append_utf8(out, U'a');
  append_utf8(out, 0xe9);
  append_utf8(out, 0x2713);
  append_utf8(out, 0x1f511);
  EXPECT_EQ(out, "a\xc3\xa9\xe2\x9c\x93\xf0\x9f\x94\x91");
  EXPECT_TRUE(is_valid_utf8(out));
}

TEST(AppendUtf8, EncodesSurrogatesAsTheyAre) {
  std::string out;
  append_utf8(out, 0xd800);
  EXPECT_EQ(out, "\xed\xa0\x80");
  EXPECT_FALSE(is_valid_utf8(out));
}

TEST(AppendUtf8, RoundTripsEveryScalarValueThroughTheValidator) {
  for (char32_t cp = 0; cp <= 0x10ffff; cp += (cp < 0x11000 ? 1 : 0x3f)) {
    std::string out;
    append_utf8(out, cp);
    const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
    ASSERT_EQ(is_valid_utf8(out), !surrogate) << std::hex << static_cast<unsigned>(cp);
    if (!surrogate) {
      ASSERT_EQ(utf8_sequence_length(out, 0), out.size()) << std::hex << static_cast<unsigned>(cp);
    }
  }
}
