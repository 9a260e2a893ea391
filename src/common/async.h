// Two bridges from blocking or callback-style work into Asio coroutines: run_on (do the work on
// a thread pool, resume on the caller's executor) and await_callback (start work that reports
// through a callback from any thread, resume on the caller's executor). Neither is a coroutine
// itself: passing capturing lambdas by value into coroutines trips a GCC 12 code-generation bug
// (their captures get relocated bytewise), so the lambdas travel through async_initiate.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <type_traits>
#include <utility>

namespace keypaird {

// co_await run_on(pool, [&] { return blocking_call(); }): the result of `work`, run on `pool`.
template <typename F>
auto run_on(boost::asio::thread_pool& pool, F work) {
  namespace asio = boost::asio;
  using R = std::invoke_result_t<F&>;
  return asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
      [&pool](auto handler, F job) {
        asio::post(pool, [job = std::move(job), handler = std::move(handler)]() mutable {
          R result = job();
          auto executor = asio::get_associated_executor(handler);
          asio::dispatch(executor,
                         [handler = std::move(handler), result = std::move(result)]() mutable {
                           std::move(handler)(std::move(result));
                         });
        });
      },
      asio::use_awaitable, std::move(work));
}

// co_await await_callback<R>([&](auto done) { start(..., done); }): the value `done` is called
// with, from whatever thread calls it.
template <typename R, typename Start>
auto await_callback(Start start) {
  namespace asio = boost::asio;
  return asio::async_initiate<const asio::use_awaitable_t<>, void(R)>(
      [](auto handler, Start begin) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        begin([shared](R result) {
          auto executor = asio::get_associated_executor(*shared);
          asio::dispatch(executor, [shared, result = std::move(result)]() mutable {
            std::move (*shared)(std::move(result));
          });
        });
      },
      asio::use_awaitable, std::move(start));
}

}  // namespace keypaird
