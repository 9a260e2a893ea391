// Status and Result: ok and error states, kinds, messages, moving values out.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/status.h"

using keypaird::ErrorKind;
using keypaird::Result;
using keypaird::Status;

TEST(Status, OkAndErrors) {
  EXPECT_TRUE(Status::ok().is_ok());
  Status s = Status::conflict("Key pair 'a' already exists.");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.kind(), ErrorKind::conflict);
  EXPECT_TRUE(s.is(ErrorKind::conflict));
  EXPECT_FALSE(s.is(ErrorKind::not_found));
  EXPECT_EQ(s.message(), "Key pair 'a' already exists.");
  EXPECT_FALSE(Status::ok().is(ErrorKind::internal));
}

TEST(Result, HoldsAValueOrAStatus) {
  Result<std::unique_ptr<int>> value(std::make_unique<int>(7));
  ASSERT_TRUE(value.is_ok());
  EXPECT_EQ(**value, 7);
  std::unique_ptr<int> taken = std::move(value).value();
  EXPECT_EQ(*taken, 7);

  Result<std::string> error(Status::unavailable("down"));
  ASSERT_FALSE(error.is_ok());
  EXPECT_EQ(error.status().kind(), ErrorKind::unavailable);
  EXPECT_EQ(error.status().message(), "down");
}
