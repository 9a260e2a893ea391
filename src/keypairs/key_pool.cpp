// KeyPool: generators sleep while the pool is full and wake when a key is taken. They run at
// idle CPU priority (SCHED_IDLE, else nice 10), so refilling never slows down answering.
#include "keypairs/key_pool.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

#include "crypto/secure_heap.h"

namespace keypaird::keypairs {
namespace {

// While generation fails (OpenSSL out of memory, the secure heap full), generators wait this
// long before trying again rather than spinning.
constexpr auto kRetryAfterFailure = std::chrono::seconds(1);

}  // namespace

GeneratorPriority lower_generator_priority() {
  // SCHED_IDLE runs the thread only when a CPU has nothing else to do. A sandbox may refuse it
  // (seccomp, EPERM); then a nice value, which Linux applies to the calling thread alone; and if
  // that is refused too, the thread keeps its priority: never a reason to stop.
  const sched_param idle{};
  if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle) == 0) {
    return GeneratorPriority::idle;
  }
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10) == 0) {
    return GeneratorPriority::nice;
  }
  return GeneratorPriority::unchanged;
}

KeyPool::KeyPool(std::size_t capacity, int threads, std::function<void(std::size_t)> on_size_change,
                 bool idle_priority)
    : capacity_(capacity), on_size_change_(std::move(on_size_change)) {
  if (capacity_ == 0) return;
  for (int i = 0; i < threads; ++i) {
    generators_.emplace_back([this, idle_priority] {
      pthread_setname_np(pthread_self(), "keypaird-pool");
      if (idle_priority) lower_generator_priority();
      refill();
    });
  }
}

KeyPool::~KeyPool() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wanted_.notify_all();
  for (auto& t : generators_) t.join();
}

std::optional<crypto::RsaKey> KeyPool::take() {
  std::optional<crypto::RsaKey> key;
  std::size_t left = 0;
  {
    MutexLock lock(mutex_);
    if (keys_.empty()) return std::nullopt;
    key.emplace(std::move(keys_.front()));
    keys_.pop_front();
    left = keys_.size();
  }
  wanted_.notify_one();
  if (on_size_change_) on_size_change_(left);
  return key;
}

std::size_t KeyPool::size() const {
  MutexLock lock(mutex_);
  return keys_.size();
}

void KeyPool::refill() {
  bool retry_later = false;
  for (;;) {
    {
      MutexLock lock(mutex_);
      if (retry_later) {
        const auto until = std::chrono::steady_clock::now() + kRetryAfterFailure;
        while (!stopping_ && wanted_.wait_until(mutex_, until)) {
        }
        retry_later = false;
      }
      while (!stopping_ && keys_.size() >= capacity_) wanted_.wait(mutex_);
      if (stopping_) return;
    }
    // Pooled keys never take the secure heap's last slots: requests generating keys of their
    // own (the pool empty) always find room.
    if (!crypto::secure_heap_has_room(crypto::kSecureHeapKeysKeptForRequests + 1)) {
      retry_later = true;
      continue;
    }
    crypto::RsaKey key = crypto::generate_rsa_key();  // slow: outside the lock
    if (!key) {
      retry_later = true;
      continue;
    }
    std::size_t now = 0;
    {
      MutexLock lock(mutex_);
      if (stopping_) return;
      if (keys_.size() >= capacity_) continue;  // another generator filled the last slot
      keys_.push_back(std::move(key));
      now = keys_.size();
    }
    if (on_size_change_) on_size_change_(now);
  }
}

}  // namespace keypaird::keypairs
