// Access-log formatting: the fields, and that nothing a client sends can forge a line.
#include <gtest/gtest.h>

#include "observability/logging.h"

using namespace keypaird::observability;

namespace {

RequestLog sample() {
  RequestLog r;
  r.request_id = "req-1";
  r.user_id = "alice";
  r.method = "GET";
  r.path = "/v2.1/os-keypairs/k";
  r.route = Route::keypair;
  r.status = 200;
  r.microversion_major = 2;
  r.microversion_minor = 10;
  r.duration = std::chrono::microseconds(1500);
  return r;
}

}  // namespace

TEST(AccessLogTest, TextLine) {
  EXPECT_EQ(format_access(sample(), false),
            "[req-1 alice] \"GET /v2.1/os-keypairs/k\" status: 200 microversion: 2.10 time: "
            "0.0015000");
  RequestLog anonymous = sample();
  anonymous.request_id.clear();
  anonymous.user_id.clear();
  anonymous.microversion_major = 0;
  EXPECT_EQ(format_access(anonymous, false).substr(0, 6), "[- -] ");
  EXPECT_NE(format_access(anonymous, false).find("microversion: - "), std::string::npos);
}

TEST(AccessLogTest, TextLineEscapesControlBytes) {
  RequestLog r = sample();
  r.user_id = "eve\n2024-01-01 INFO forged";
  r.path = "/a\r\x7f\xff";
  std::string line = format_access(r, false);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_NE(line.find("eve\\x0a2024"), std::string::npos);
  EXPECT_NE(line.find("/a\\x0d\\x7f\\xff"), std::string::npos);
}

TEST(AccessLogTest, JsonMembers) {
  RequestLog r = sample();
  r.user_id = "a\"b\\c\n\xc3\xa9\xff";
  EXPECT_EQ(format_access(r, true),
            "\"request_id\":\"req-1\",\"user_id\":\"a\\\"b\\\\c\\n\xc3\xa9\\ufffd\","
            "\"method\":\"GET\",\"path\":\"/v2.1/os-keypairs/k\",\"route\":\"keypair\","
            "\"status\":200,\"microversion\":\"2.10\",\"duration\":0.0015000");
}

TEST(AccessLogTest, DurationHasSevenDecimals) {
  RequestLog r = sample();
  r.duration = std::chrono::nanoseconds(12345678949);
  EXPECT_NE(format_access(r, false).find(" time: 12.3456789"), std::string::npos);
  r.duration = std::chrono::nanoseconds(99999999960);
  EXPECT_NE(format_access(r, true).find("\"duration\":100.0000000"), std::string::npos);
  r.duration = {};
  EXPECT_NE(format_access(r, false).find(" time: 0.0000000"), std::string::npos);
}
