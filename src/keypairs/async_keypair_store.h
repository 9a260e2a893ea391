// AsyncKeypairStore: the one place that knows on which thread each store call runs. Stores say
// how they want to be called (KeypairStore::threading()); this adapter turns every call into an
// awaitable accordingly: inline on the caller's thread, on the blocking pool, or queued through
// the store's writer and resumed when its callback reports. Errors are the store's own Status
// values (not_found, conflict, quota_exceeded, unavailable).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/keypair_store.h"

namespace keypaird::keypairs {

class AsyncKeypairStore {
 public:
  // `blocking_pool` runs the calls of stores whose calls may block (and nothing else here).
  AsyncKeypairStore(store::KeypairStore& store, boost::asio::thread_pool& blocking_pool)
      : store_(store), blocking_pool_(blocking_pool), threading_(store.threading()) {}

  boost::asio::awaitable<Result<store::StoredKeypair>> get(const std::string& user_id,
                                                           const std::string& name);
  // Names in byte order, strictly after `after_name` when given, at most `limit` when given.
  boost::asio::awaitable<Result<std::vector<store::StoredKeypair>>> list(
      const std::string& user_id, const std::optional<std::string>& after_name,
      std::optional<std::int64_t> limit);
  boost::asio::awaitable<Result<std::int64_t>> count(const std::string& user_id);
  // One atomic step: quota (quota < 0: none), uniqueness, insert, durable when it returns ok.
  boost::asio::awaitable<Result<store::StoredKeypair>> create(const store::StoredKeypair& row,
                                                              std::int64_t quota);
  boost::asio::awaitable<Status> remove(const std::string& user_id, const std::string& name);

 private:
  store::KeypairStore& store_;
  boost::asio::thread_pool& blocking_pool_;
  const store::KeypairStore::Threading threading_;
};

}  // namespace keypaird::keypairs
