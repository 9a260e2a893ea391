// KeyPool: fills itself in the background up to its capacity, hands each key out once.
#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "keypairs/key_pool.h"

using keypaird::keypairs::KeyPool;

namespace {

bool wait_for_size(const KeyPool& pool, std::size_t size) {
  for (int i = 0; i < 3000 && pool.size() < size; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pool.size() >= size;
}

}  // namespace

TEST(KeyPool, FillsToCapacityAndHandsOutDistinctKeysOnce) {
  std::atomic<std::size_t> reported{0};
  // Normal priority: idle generators may never run while other tests load the machine.
  KeyPool pool(
      3, 2, [&reported](std::size_t n) { reported = n; }, false);
  ASSERT_TRUE(wait_for_size(pool, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(pool.size(), 3u);  // never past its capacity
  EXPECT_EQ(reported.load(), 3u);
  std::set<const void*> seen;
  for (int i = 0; i < 3; ++i) {
    auto key = pool.take();
    ASSERT_TRUE(key);
    ASSERT_TRUE(*key);
    EXPECT_TRUE(seen.insert(key->get()).second);
    auto keypair = keypaird::crypto::ssh_keypair_from(*key);
    ASSERT_TRUE(keypair.is_ok());
    EXPECT_EQ(keypair->private_key.rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u);
  }
  ASSERT_TRUE(wait_for_size(pool, 1));  // taking wakes the generators
}

TEST(KeyPool, EmptyPoolSaysSoWithoutBlocking) {
  KeyPool pool(0, 2);
  EXPECT_FALSE(pool.take());
  KeyPool no_threads(4, 0);
  EXPECT_FALSE(no_threads.take());
}

// The generators lower their priority before any work, so this needs no key to be made (on a
// busy machine idle threads may make none for a long time).
TEST(KeyPool, GeneratorsRunAtIdlePriority) {
  KeyPool pool(1, 2);
  int idle = 0;
  for (int attempt = 0; attempt < 1000 && idle < 2; ++attempt) {
    idle = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      if (name != "keypaird-pool") continue;
      const pid_t tid = std::stoi(task.path().filename().string());
      if (sched_getscheduler(tid) == SCHED_IDLE) ++idle;
    }
    if (idle < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(idle, 2);
}

TEST(KeyPool, LoweringPriorityReportsWhatItGot) {
  // In a thread of its own: SCHED_IDLE cannot be undone without privilege.
  std::thread([] {
    EXPECT_EQ(keypaird::keypairs::lower_generator_priority(),
              keypaird::keypairs::GeneratorPriority::idle);
    EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
  }).join();
}
