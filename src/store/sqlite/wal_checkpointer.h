// Checkpoints one SQLite database's write-ahead log on a thread of its own. SQLite's automatic
// checkpoint runs inside the COMMIT that crosses its threshold, while that connection holds the
// write lock: every other writer waits for pages to be copied into the database file (it halved
// the embedded dialer's call rate). Connections that share a WalCheckpointer report their commits
// instead, and this thread copies the pages beside the writers (a passive checkpoint never takes
// the write lock).
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <stop_token>
#include <thread>

namespace talky {

class WalCheckpointer {
 public:
  // SQLite's own threshold for its automatic checkpoint.
  static constexpr int kPagesPerCheckpoint = 1000;
  // Past this, the committing connection checkpoints itself: the log stays bounded even when this
  // thread cannot keep up (or cannot open the file).
  static constexpr int kPagesBeforeInlineCheckpoint = 16 * kPagesPerCheckpoint;

  explicit WalCheckpointer(std::filesystem::path file);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // After a commit, from the committing thread: the log now holds `pages` pages. A checkpoint is
  // due once kPagesPerCheckpoint of them are not in the database file yet.
  void Committed(int pages);

 private:
  void Run(std::stop_token stop);

  std::filesystem::path file_;
  std::mutex mutex_;
  std::condition_variable_any due_changed_;
  bool due_ = false;
  // Of the log's pages, those the last checkpoint copied: each checkpoint syncs the file twice,
  // so one per commit (the log is only rewound by the next writer) would cost more than it saves.
  std::atomic<int> checkpointed_pages_{0};
  std::jthread thread_;  // last: started once the members it uses exist
};

}  // namespace talky
