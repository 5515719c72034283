#include "store/sqlite/wal_checkpointer.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_connection_factory.h"

namespace talky {

WalCheckpointer::WalCheckpointer(std::filesystem::path file)
    : file_(std::move(file)), thread_([this](std::stop_token stop) { Run(stop); }) {}

WalCheckpointer::~WalCheckpointer() {
  thread_.request_stop();
  thread_.join();
}

void WalCheckpointer::Committed(int pages) {
  int checkpointed = checkpointed_pages_.load();
  if (pages < checkpointed) checkpointed = 0;  // the log was rewound since
  if (pages - checkpointed < kPagesPerCheckpoint) return;
  {
    std::lock_guard lock(mutex_);
    if (due_) return;
    due_ = true;
  }
  due_changed_.notify_one();
}

void WalCheckpointer::Run(std::stop_token stop) {
  std::unique_ptr<SqlConnection> connection;  // its own: it never writes, so it needs no writer
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (!due_changed_.wait(lock, stop, [this] { return due_; })) return;
      due_ = false;
    }
    if (!connection) {
      Expected<std::unique_ptr<SqlConnection>> opened = OpenSqliteConnection(file_);
      if (!opened) {
        spdlog::warn("store: the WAL checkpointer cannot open {}: {}", file_.string(),
                     opened.error().message);
        continue;  // the committing connections checkpoint themselves past their bound
      }
      connection = std::move(*opened);
    }
    // Busy (another process's checkpoint runs) is fine: the next commit asks again.
    // Its one row: busy, pages in the log, pages of it now in the database file.
    Expected<SqlResult> done = connection->Execute("PRAGMA wal_checkpoint(PASSIVE)", {});
    if (!done) {
      spdlog::warn("store: checkpointing {}: {}", file_.string(), done.error().message);
    } else if (!done->rows.empty() && done->rows.front().size() == 3) {
      const std::string copied = done->rows.front()[2].value_or("0");
      int pages = 0;
      std::from_chars(copied.data(), copied.data() + copied.size(), pages);
      checkpointed_pages_ = pages;
    }
  }
}

}  // namespace talky
