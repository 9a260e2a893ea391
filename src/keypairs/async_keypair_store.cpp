// AsyncKeypairStore: StoreStatus values become Status, and each call goes where the store's
// threading says: reads inline unless they may block; writes inline, queued, or on the pool.
#include "keypairs/async_keypair_store.h"

#include "common/async.h"

namespace keypaird::keypairs {

namespace asio = boost::asio;
using store::CreateOutcome;
using store::KeypairStore;
using store::StoredKeypair;
using store::StoreStatus;
using Threading = store::KeypairStore::Threading;

namespace {

// The store's statuses as Status values; the service words the messages users see.
Status to_status(StoreStatus status) {
  switch (status) {
    case StoreStatus::ok:
      return Status::ok();
    case StoreStatus::not_found:
      return Status::not_found("no such keypair");
    case StoreStatus::duplicate:
      return Status::conflict("the name is taken");
    case StoreStatus::quota_exceeded:
      return Status::quota_exceeded("the quota is used up");
    case StoreStatus::unavailable:
      break;
  }
  return Status::unavailable("the keypair store is unavailable");
}

Result<StoredKeypair> found(StoreStatus status, StoredKeypair row) {
  if (status != StoreStatus::ok) return to_status(status);
  return row;
}

Result<StoredKeypair> created(CreateOutcome outcome) {
  if (outcome.status != StoreStatus::ok) return to_status(outcome.status);
  return std::move(outcome.keypair);
}

}  // namespace

asio::awaitable<Result<StoredKeypair>> AsyncKeypairStore::get(const std::string& user_id,
                                                              const std::string& name) {
  auto call = [this, &user_id, &name] {
    StoredKeypair row;
    StoreStatus status = store_.get(user_id, name, row);
    return std::make_pair(status, std::move(row));
  };
  std::pair<StoreStatus, StoredKeypair> answer;
  if (threading_ == Threading::blocking_calls) {
    answer = co_await run_on(blocking_pool_, call);
  } else {
    answer = call();  // a point read: microseconds, no thread hop
  }
  co_return found(answer.first, std::move(answer.second));
}

asio::awaitable<Result<std::vector<StoredKeypair>>> AsyncKeypairStore::list(
    const std::string& user_id, const std::optional<std::string>& after_name,
    std::optional<std::int64_t> limit) {
  auto call = [this, &user_id, &after_name, &limit] {
    std::vector<StoredKeypair> rows;
    StoreStatus status = store_.list(user_id, after_name, limit, rows);
    return std::make_pair(status, std::move(rows));
  };
  std::pair<StoreStatus, std::vector<StoredKeypair>> answer;
  if (threading_ == Threading::blocking_calls) {
    answer = co_await run_on(blocking_pool_, call);
  } else {
    answer = call();
  }
  if (answer.first != StoreStatus::ok) co_return to_status(answer.first);
  co_return std::move(answer.second);
}

asio::awaitable<Result<std::int64_t>> AsyncKeypairStore::count(const std::string& user_id) {
  auto call = [this, &user_id] {
    std::int64_t n = 0;
    StoreStatus status = store_.count(user_id, n);
    return std::make_pair(status, n);
  };
  std::pair<StoreStatus, std::int64_t> answer;
  if (threading_ == Threading::blocking_calls) {
    answer = co_await run_on(blocking_pool_, call);
  } else {
    answer = call();
  }
  if (answer.first != StoreStatus::ok) co_return to_status(answer.first);
  co_return answer.second;
}

asio::awaitable<Result<StoredKeypair>> AsyncKeypairStore::create(const StoredKeypair& row,
                                                                 std::int64_t quota) {
  CreateOutcome outcome;
  switch (threading_) {
    case Threading::inline_reads_queued_writes:
      outcome = co_await await_callback<CreateOutcome>(
          [this, &row, quota](auto done) { store_.create_async(row, quota, done); });
      break;
    case Threading::blocking_calls:
      outcome = co_await run_on(blocking_pool_,
                                [this, &row, quota] { return store_.create(row, quota); });
      break;
    case Threading::inline_calls:
      outcome = store_.create(row, quota);
      break;
  }
  co_return created(std::move(outcome));
}

asio::awaitable<Status> AsyncKeypairStore::remove(const std::string& user_id,
                                                  const std::string& name) {
  StoreStatus status = StoreStatus::unavailable;
  switch (threading_) {
    case Threading::inline_reads_queued_writes:
      status = co_await await_callback<StoreStatus>(
          [this, &user_id, &name](auto done) { store_.remove_async(user_id, name, done); });
      break;
    case Threading::blocking_calls:
      status = co_await run_on(blocking_pool_,
                               [this, &user_id, &name] { return store_.remove(user_id, name); });
      break;
    case Threading::inline_calls:
      status = store_.remove(user_id, name);
      break;
  }
  co_return to_status(status);
}

}  // namespace keypaird::keypairs
