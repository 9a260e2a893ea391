// Clang thread-safety annotations (checked with -Wthread-safety) and a mutex the analysis
// understands. On other compilers the macros expand to nothing and Mutex is a plain std::mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define KEYPAIRD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KEYPAIRD_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) KEYPAIRD_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY KEYPAIRD_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) KEYPAIRD_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) KEYPAIRD_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) KEYPAIRD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) KEYPAIRD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) KEYPAIRD_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) KEYPAIRD_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) KEYPAIRD_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) KEYPAIRD_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) KEYPAIRD_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) KEYPAIRD_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS KEYPAIRD_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace keypaird {

// std::mutex with annotations, so members can be declared GUARDED_BY it.
class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mutex_;
};

// Holds a Mutex for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

// std::shared_mutex with annotations: many readers or one writer.
class CAPABILITY("shared mutex") SharedMutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  void lock_shared() ACQUIRE_SHARED() { mutex_.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { mutex_.unlock_shared(); }

 private:
  std::shared_mutex mutex_;
};

// Holds a SharedMutex exclusively for its scope.
class SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~WriterMutexLock() RELEASE() { mutex_.unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mutex_;
};

// Holds a SharedMutex shared (as one of its readers) for its scope.
class SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex& mutex) ACQUIRE_SHARED(mutex) : mutex_(mutex) {
    mutex_.lock_shared();
  }
  ~ReaderMutexLock() RELEASE_GENERIC() { mutex_.unlock_shared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mutex_;
};

// A condition variable for a Mutex: wait() must be called with that mutex held (the analysis
// checks it) and returns with it held again. Always use it with the same mutex.
class CondVar {
 public:
  void wait(Mutex& mutex) REQUIRES(mutex) {
    std::unique_lock lock(mutex.mutex_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // As wait(), but returns false once `deadline` has passed (true when woken before it).
  template <typename Clock, typename Duration>
  bool wait_until(Mutex& mutex, const std::chrono::time_point<Clock, Duration>& deadline)
      REQUIRES(mutex) {
    std::unique_lock lock(mutex.mutex_, std::adopt_lock);
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace keypaird
