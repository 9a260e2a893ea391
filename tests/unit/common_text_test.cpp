// trim and ascii_lower: the blanks each caller trims, and that only ASCII letters change case.
#include <gtest/gtest.h>

#include "common/text.h"

using keypaird::ascii_lower;
using keypaird::kHeaderBlanks;
using keypaird::kLineBlanks;
using keypaird::trim;

TEST(Trim, DropsLineBlanksAtBothEndsOnly) {
  EXPECT_EQ(trim("  key = value \t\r"), "key = value");
  EXPECT_EQ(trim("a b"), "a b");
  EXPECT_EQ(trim(" \t\r "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("\nx\n"), "\nx\n");  // newlines are not line blanks
  EXPECT_EQ(trim("x\r", kLineBlanks), "x");
}

TEST(Trim, HeaderBlanksAreSpaceAndTab) {
  EXPECT_EQ(trim(" \ttoken\t ", kHeaderBlanks), "token");
  EXPECT_EQ(trim("token\r", kHeaderBlanks), "token\r");
}

TEST(AsciiLower, ChangesOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("Admin_ROLE-1"), "admin_role-1");
  EXPECT_EQ(ascii_lower("\xc3\x89t\xc3\xa9"), "\xc3\x89t\xc3\xa9");  // "Été": É stays
  EXPECT_EQ(ascii_lower("@[`{"), "@[`{");  // the neighbours of A-Z and a-z
}
