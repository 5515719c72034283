// Group commit for callers that must not answer before their write is durable (a webhook's 200):
// each caller submits one item and waits. The first caller that finds no group being written
// becomes the writer: it writes every item waiting (its own and those that arrived while the
// previous group was written) with one call of `write` (one transaction: one commit waited for,
// however many items) and hands each caller its own result. A caller is never answered before the
// group holding its item was written, so nothing acknowledged is lost with the process.
//
// Thread-safe; `write` runs on one caller's thread at a time and must not throw.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace talky {

template <typename Item, typename Result>
class GroupCommit {
 public:
  // One result per item, in order.
  using Writer = std::function<std::vector<Result>(const std::vector<Item>&)>;

  explicit GroupCommit(Writer write, std::size_t max_group = 256)
      : write_(std::move(write)), max_group_(max_group) {}

  Result Submit(Item item) {
    auto mine = std::make_shared<Slot>(Slot{.item = std::move(item)});
    std::unique_lock lock(mutex_);
    waiting_.push_back(mine);
    while (!mine->result) {
      if (writing_) {
        written_.wait(lock);
        continue;
      }
      writing_ = true;
      const std::size_t size = std::min(waiting_.size(), max_group_);
      std::vector<std::shared_ptr<Slot>> group(waiting_.begin(), waiting_.begin() + size);
      waiting_.erase(waiting_.begin(), waiting_.begin() + size);
      lock.unlock();
      std::vector<Item> items;
      items.reserve(group.size());
      for (const std::shared_ptr<Slot>& slot : group) items.push_back(slot->item);
      std::vector<Result> results = write_(items);
      lock.lock();
      for (std::size_t i = 0; i < group.size(); ++i) group[i]->result = std::move(results[i]);
      writing_ = false;
      written_.notify_all();  // the group's callers, and the next writer
    }
    return std::move(*mine->result);
  }

 private:
  struct Slot {
    Item item;
    std::optional<Result> result;
  };

  const Writer write_;
  const std::size_t max_group_;
  std::mutex mutex_;
  std::condition_variable written_;
  std::vector<std::shared_ptr<Slot>> waiting_;  // guarded by mutex_
  bool writing_ = false;                        // guarded by mutex_
};

}  // namespace talky
