// The worker's command queue: a batch of posts wakes the thread once, and every command runs.
#include <atomic>
#include <condition_variable>
#include <mutex>

#include "check.h"
#include "engine/worker.h"

using namespace b2bua;

namespace {

/** Holds the worker inside its first emit until released; counts what it emitted. */
class GateSink : public EventSink {
 public:
  void emit(std::unique_ptr<MediaEvent>) override {
    std::unique_lock<std::mutex> lock(mutex_);
    emitted_++;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  /** Waits (up to 5 s) until `count` events were emitted. */
  bool waitFor(int count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return emitted_ >= count; });
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int emitted_ = 0;
  bool open_ = false;
};

}  // namespace

TEST_CASE("commands posted while the worker is busy wake it once, and all of them run") {
  GateSink sink;
  Worker worker(sink, 0, 20000, nullptr);
  worker.requestStats(1, 1);  // the worker emits its answer and stays inside emit()
  CHECK(sink.waitFor(1));
  const uint64_t before = worker.wakeups();
  int ran = 0;
  for (int i = 0; i < 100; i++) worker.post([&ran] { ran++; });
  CHECK(worker.wakeups() == before + 1);
  worker.requestStats(1, 2);
  sink.open();
  CHECK(sink.waitFor(2));  // emitted after the 100 commands: they all ran, with no further wake-up
  CHECK(ran == 100);
  CHECK(worker.wakeups() == before + 1);
}

TEST_CASE("with deferred wakes, posts wait for flushWake, which wakes the worker once") {
  GateSink sink;
  sink.open();
  Worker worker(sink, 0, 20000, nullptr);
  worker.deferWakes();
  const uint64_t before = worker.wakeups();
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; i++) worker.post([&ran] { ran++; });
  CHECK(worker.wakeups() == before);
  worker.flushWake();
  worker.flushWake();  // nothing more is due
  CHECK(worker.wakeups() == before + 1);
  worker.requestStats(1, 1);
  worker.flushWake();
  CHECK(sink.waitFor(1));  // answered after the 10 commands
  CHECK(ran == 10);
}
