// SingleFlight: concurrent joins on one key elect one leader; the others get its result,
// across threads, without blocking any of them.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>

#include "auth/single_flight.h"

using namespace keypaird::auth;
namespace asio = boost::asio;

namespace {

struct Shared {
  SingleFlight<int> flights;
  std::atomic<int> leaders{0};
  std::atomic<int> total{0};
};

asio::awaitable<void> request(Shared& shared, std::string key) {
  auto joined = co_await shared.flights.join(key, nullptr);
  int value;
  if (!joined) {
    shared.leaders++;
    // The "remote call": suspend a while so that the others pile up behind us.
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
    co_await timer.async_wait(asio::use_awaitable);
    value = 42;
    shared.flights.finish(key, value);
  } else {
    value = *joined;
  }
  shared.total += value;
}

}  // namespace

TEST(SingleFlight, OneLeaderPerKeyAcrossThreads) {
  asio::io_context io;
  Shared shared;
  for (int i = 0; i < 50; ++i) asio::co_spawn(io, request(shared, "k"), asio::detached);
  for (int i = 0; i < 10; ++i) asio::co_spawn(io, request(shared, "other"), asio::detached);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&io] { io.run(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(shared.leaders.load(), 2);
  EXPECT_EQ(shared.total.load(), 60 * 42);
  EXPECT_EQ(shared.flights.flights_in_progress(), 0u);
}

asio::awaitable<void> join_with_recheck(SingleFlight<int>& flights,
                                        const SingleFlight<int>::Recheck& recheck,
                                        std::optional<int>& out) {
  auto joined = co_await flights.join("k", &recheck);
  out = joined ? *joined : -1;
}

TEST(SingleFlight, RecheckEndsAJoinWithoutAFlight) {
  asio::io_context io;
  SingleFlight<int> flights;
  std::optional<int> seen;
  const SingleFlight<int>::Recheck recheck = [] { return std::optional<int>(7); };
  asio::co_spawn(io, join_with_recheck(flights, recheck, seen), asio::detached);
  io.run();
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(flights.flights_in_progress(), 0u);
}
