// AsyncKeypairStore: each call goes where the store's threading says: reads inline unless they
// may block; writes inline, queued through the store's writer, or on the blocking pool.
#include "keypairs/async_keypair_store.h"

#include "common/async.h"

namespace keypaird::keypairs {

namespace asio = boost::asio;
using store::StoredKeypair;
using Threading = store::KeypairStore::Threading;

asio::awaitable<Result<StoredKeypair>> AsyncKeypairStore::get(const std::string& user_id,
                                                              const std::string& name) {
  if (threading_ != Threading::blocking_calls)
    co_return store_.get(user_id, name);  // a point read: microseconds, no thread hop
  co_return co_await run_on(blocking_pool_,
                            [this, &user_id, &name] { return store_.get(user_id, name); });
}

asio::awaitable<Result<std::vector<StoredKeypair>>> AsyncKeypairStore::list(
    const std::string& user_id, const std::optional<std::string>& after_name,
    std::optional<std::int64_t> limit) {
  if (threading_ != Threading::blocking_calls) co_return store_.list(user_id, after_name, limit);
  co_return co_await run_on(blocking_pool_, [this, &user_id, &after_name, &limit] {
    return store_.list(user_id, after_name, limit);
  });
}

asio::awaitable<Result<std::int64_t>> AsyncKeypairStore::count(const std::string& user_id) {
  if (threading_ != Threading::blocking_calls) co_return store_.count(user_id);
  co_return co_await run_on(blocking_pool_, [this, &user_id] { return store_.count(user_id); });
}

asio::awaitable<Result<StoredKeypair>> AsyncKeypairStore::create(const StoredKeypair& row,
                                                                 std::int64_t quota) {
  switch (threading_) {
    case Threading::inline_reads_queued_writes:
      co_return co_await await_callback<Result<StoredKeypair>>(
          [this, &row, quota](auto done) { store_.create_async(row, quota, done); });
    case Threading::blocking_calls:
      co_return co_await run_on(blocking_pool_,
                                [this, &row, quota] { return store_.create(row, quota); });
    case Threading::inline_calls:
      break;
  }
  co_return store_.create(row, quota);
}

asio::awaitable<Status> AsyncKeypairStore::remove(const std::string& user_id,
                                                  const std::string& name) {
  switch (threading_) {
    case Threading::inline_reads_queued_writes:
      co_return co_await await_callback<Status>(
          [this, &user_id, &name](auto done) { store_.remove_async(user_id, name, done); });
    case Threading::blocking_calls:
      co_return co_await run_on(blocking_pool_,
                                [this, &user_id, &name] { return store_.remove(user_id, name); });
    case Threading::inline_calls:
      break;
  }
  co_return store_.remove(user_id, name);
}

}  // namespace keypaird::keypairs
