// Clang thread-safety annotations (checked with -Wthread-safety) and a mutex the analysis
// understands. On other compilers the macros expand to nothing and Mutex is a plain std::mutex.
#pragma once

#include <condition_variable>
#include <mutex>

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

// A condition variable for a Mutex: wait() must be called with that mutex held (the analysis
// checks it) and returns with it held again. Always use it with the same mutex.
class CondVar {
 public:
  void wait(Mutex& mutex) REQUIRES(mutex) {
    std::unique_lock lock(mutex.mutex_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace keypaird
