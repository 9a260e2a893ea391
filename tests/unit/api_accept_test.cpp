// accept_quality: exact types, wildcards and q values, as webob ranks them.
#include <gtest/gtest.h>

#include "api/accept.h"

using keypaird::api::accept_quality;

TEST(AcceptQuality, ExactWildcardAndQ) {
  EXPECT_EQ(accept_quality("application/json", "application/json"), 1.0);
  EXPECT_EQ(accept_quality("application/json;q=0.9", "application/json"), 0.9);
  EXPECT_EQ(accept_quality("*/*", "application/vnd.openstack.compute+json"), 1.0);
  EXPECT_EQ(accept_quality("application/*;q=0.5, text/html", "application/json"), 0.5);
  EXPECT_EQ(accept_quality("text/html", "application/json"), 0.0);
  EXPECT_EQ(accept_quality("", "application/json"), 0.0);
  EXPECT_EQ(accept_quality("text/plain;q=0.2, */*;q=0.1", "text/plain"), 0.2);
}
