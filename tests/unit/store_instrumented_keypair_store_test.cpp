// InstrumentedKeypairStore: passes every call through, timing it for the metrics.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "observability/metrics.h"
#include "store/instrumented_keypair_store.h"
#include "store/sqlite_keypair_store.h"

// The wrapper must not hide how the wrapped store wants to be called: an SQLite store's writes
// stay asynchronous (group commit), and asynchronous writes are timed too.
TEST(InstrumentedKeypairStoreTest, PassesThreadingContractAndTimesAsyncWrites) {
  auto dir = std::filesystem::temp_directory_path() /
             ("keypaird-instrumented-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    keypaird::store::SqliteKeypairStore sqlite((dir / "s.sqlite").string());
    keypaird::observability::Metrics metrics;
    keypaird::store::InstrumentedKeypairStore store(sqlite, metrics);
    EXPECT_EQ(store.threading(),
              keypaird::store::KeypairStore::Threading::inline_reads_queued_writes);
    keypaird::store::StoredKeypair row;
    row.user_id = "u";
    row.name = "n";
    row.type = "ssh";
    std::promise<keypaird::Result<keypaird::store::StoredKeypair>> created;
    store.create_async(row, -1, [&created](keypaird::Result<keypaird::store::StoredKeypair> o) {
      created.set_value(std::move(o));
    });
    EXPECT_TRUE(created.get_future().get().is_ok());
    std::promise<keypaird::Status> removed;
    store.remove_async("u", "n",
                       [&removed](keypaird::Status s) { removed.set_value(std::move(s)); });
    EXPECT_TRUE(removed.get_future().get().is_ok());
    std::string text = metrics.render();
    EXPECT_NE(text.find("keypaird_store_operation_duration_seconds_count{operation=\"create\"} 1"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("keypaird_store_operation_duration_seconds_count{operation=\"remove\"} 1"),
              std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
