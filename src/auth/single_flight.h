// SingleFlight: concurrent coroutines asking for the same key share one piece of work. The
// first becomes the leader and does the work; the others wait (suspended, no thread blocked)
// and receive the leader's result.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/thread_annotations.h"

namespace keypaird::auth {

// Thread-safe. `Result` must be copyable (each waiter gets a copy).
template <typename Result>
class SingleFlight {
 public:
  // What join() tells its caller: the leader's result, or "you lead" (nullopt; the caller must
  // do the work and then call finish() with the same key).
  using Joined = std::optional<Result>;
  // Called under the lock before a new flight starts: a result that appeared meanwhile (for
  // instance in a cache filled by a leader that has just finished) ends the join at once.
  using Recheck = std::function<std::optional<Result>()>;

  // `recheck` may be null; it must outlive the join (point into the caller's frame).
  boost::asio::awaitable<Joined> join(const std::string& key, const Recheck* recheck) {
    // Not a lambda capture: the initiation receives pointers as arguments (see run_on in
    // src/api/application.cpp for the GCC 12 bug this avoids).
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(Joined)>(
        Initiation{}, boost::asio::use_awaitable, this, &key, recheck);
  }

  // Ends the flight for `key`: every waiter resumes, on its own executor, with `result`.
  void finish(const std::string& key, const Result& result) EXCLUDES(mutex_) {
    std::vector<Waiter> waiters;
    {
      MutexLock lock(mutex_);
      auto it = flights_.find(key);
      if (it == flights_.end()) return;
      waiters = std::move(it->second);
      flights_.erase(it);
    }
    for (auto& waiter : waiters) resume(std::move(waiter), Joined(result));
  }

  std::size_t flights_in_progress() const EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    return flights_.size();
  }

 private:
  // A suspended coroutine: where to resume it and how. (Boost 1.81's any_completion_handler
  // cannot be posted, hence the explicit executor.)
  struct Waiter {
    boost::asio::any_io_executor executor;
    std::function<void(Joined)> handler;
  };

  template <typename Handler>
  static Waiter make_waiter(Handler&& handler) {
    auto executor = boost::asio::get_associated_executor(handler);
    auto shared = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
    return Waiter{executor, [shared](Joined joined) { std::move (*shared)(std::move(joined)); }};
  }

  static void resume(Waiter waiter, Joined joined) {
    boost::asio::post(waiter.executor,
                      [handler = std::move(waiter.handler), joined = std::move(joined)]() mutable {
                        handler(std::move(joined));
                      });
  }

  struct Initiation {
    template <typename Handler>
    void operator()(Handler&& handler, SingleFlight* self, const std::string* key,
                    const Recheck* recheck) const {
      Joined answer;
      {
        MutexLock lock(self->mutex_);
        auto it = self->flights_.find(*key);
        if (it != self->flights_.end()) {
          it->second.push_back(make_waiter(std::forward<Handler>(handler)));
          return;
        }
        if (recheck && *recheck) answer = (*recheck)();
        if (!answer) self->flights_.emplace(*key, std::vector<Waiter>{});
      }
      // Leader (nullopt) or a result found by the recheck: resume through the executor.
      resume(make_waiter(std::forward<Handler>(handler)), std::move(answer));
    }
  };

  mutable Mutex mutex_;
  std::unordered_map<std::string, std::vector<Waiter>> flights_ GUARDED_BY(mutex_);
};

}  // namespace keypaird::auth
