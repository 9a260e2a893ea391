// KeyPool: generators sleep while the pool is full and wake when a key is taken. They run at a
// lower CPU priority than request handling, so refilling never slows down answering.
#include "keypairs/key_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace keypaird::keypairs {

KeyPool::KeyPool(std::size_t capacity, int threads, std::function<void(std::size_t)> on_size_change)
    : capacity_(capacity), on_size_change_(std::move(on_size_change)) {
  if (capacity_ == 0) return;
  for (int i = 0; i < threads; ++i) generators_.emplace_back([this] { refill(); });
}

KeyPool::~KeyPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wanted_.notify_all();
  for (auto& t : generators_) t.join();
}

std::optional<crypto::RsaKey> KeyPool::take() {
  std::optional<crypto::RsaKey> key;
  std::size_t left = 0;
  {
    std::lock_guard lock(mutex_);
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
  std::lock_guard lock(mutex_);
  return keys_.size();
}

void KeyPool::refill() {
  // Linux applies a nice value to the calling thread alone.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wanted_.wait(lock, [this] { return stopping_ || keys_.size() < capacity_; });
      if (stopping_) return;
    }
    crypto::RsaKey key = crypto::generate_rsa_key();  // slow: outside the lock
    if (!key) continue;
    std::size_t now = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      if (keys_.size() >= capacity_) continue;  // another generator filled the last slot
      keys_.push_back(std::move(key));
      now = keys_.size();
    }
    if (on_size_change_) on_size_change_(now);
  }
}

}  // namespace keypaird::keypairs
