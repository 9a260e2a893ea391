// A bounded pool of RSA keys made ahead of time by background threads, so that a burst of
// "generate a keypair" requests does not wait for RSA key generation. Keys live only in this
// process's memory (the private parts in OpenSSL's secure heap, when main set it up: see
// crypto/secure_heap.h) and each is handed out exactly once. Thread-safe. The generator threads
// are named "keypaird-pool" and run at idle priority.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "common/thread_annotations.h"
#include "crypto/keys.h"

namespace keypaird::keypairs {

// How far a generator thread lowered its own CPU priority.
enum class GeneratorPriority { idle, nice, unchanged };

// Lowers the calling thread's CPU priority: SCHED_IDLE, else nice 10 where the scheduling call
// is refused, else nothing. Each pool generator calls it first; exposed for tests.
GeneratorPriority lower_generator_priority();

class KeyPool {
 public:
  // `capacity` keys at most; `threads` background generators (0 = none: take() always fails).
  // `on_size_change` (optional) is told the pool's size whenever it changes, e.g. for metrics.
  // `idle_priority`: generators run only on idle CPU (the service's choice; tests of the pool's
  // bookkeeping on a busy machine turn it off, since idle threads may then never run).
  KeyPool(std::size_t capacity, int threads,
          std::function<void(std::size_t)> on_size_change = nullptr, bool idle_priority = true);
  ~KeyPool() EXCLUDES(mutex_);  // stops the generators; keys still pooled are freed

  KeyPool(const KeyPool&) = delete;
  KeyPool& operator=(const KeyPool&) = delete;

  // A pooled key, or nullopt when the pool is empty (the caller then generates one itself).
  std::optional<crypto::RsaKey> take() EXCLUDES(mutex_);
  std::size_t size() const EXCLUDES(mutex_);
  std::size_t capacity() const { return capacity_; }

 private:
  void refill() EXCLUDES(mutex_);

  const std::size_t capacity_;
  std::function<void(std::size_t)> on_size_change_;
  mutable Mutex mutex_;
  CondVar wanted_;  // with mutex_: a key was taken, or the pool is stopping
  std::deque<crypto::RsaKey> keys_ GUARDED_BY(mutex_);
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::vector<std::thread> generators_;
};

}  // namespace keypaird::keypairs
