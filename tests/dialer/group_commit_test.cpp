#include "dialer/group_commit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace talky {
namespace {

// A writer that records each group it was given and holds the first one until released, so the
// submissions that arrive meanwhile wait for the next group.
class RecordingWriter {
 public:
  std::vector<int> Write(const std::vector<int>& items) {
    {
      std::lock_guard lock(mutex_);
      groups_.push_back(items);
      written_so_far_.insert(written_so_far_.end(), items.begin(), items.end());
    }
    if (groups_.size() == 1) first_group_started_.count_down();
    release_.wait();
    std::vector<int> results;
    for (int item : items) results.push_back(item * 10);
    return results;
  }

  std::vector<std::vector<int>> groups() {
    std::lock_guard lock(mutex_);
    return groups_;
  }
  bool Written(int item) {
    std::lock_guard lock(mutex_);
    return std::find(written_so_far_.begin(), written_so_far_.end(), item) != written_so_far_.end();
  }

  std::latch first_group_started_{1};
  std::latch release_{1};

 private:
  std::mutex mutex_;
  std::vector<std::vector<int>> groups_;
  std::vector<int> written_so_far_;
};

TEST(GroupCommit, WhatArrivesDuringAWriteIsWrittenTogetherAndEachCallerGetsItsOwnResult) {
  RecordingWriter writer;
  GroupCommit<int, int> commit([&](const std::vector<int>& items) { return writer.Write(items); });

  std::future<int> first = std::async(std::launch::async, [&] { return commit.Submit(1); });
  writer.first_group_started_.wait();
  std::vector<std::future<int>> later;
  for (int item = 2; item <= 6; ++item) {
    later.push_back(
        std::async(std::launch::async, [&commit, item] { return commit.Submit(item); }));
  }
  // Nobody is answered while the first group is still being written.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (std::future<int>& result : later) {
    EXPECT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  }
  EXPECT_EQ(first.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_FALSE(writer.Written(2));

  writer.release_.count_down();
  EXPECT_EQ(first.get(), 10);
  for (int item = 2; item <= 6; ++item) EXPECT_EQ(later[item - 2].get(), item * 10);
  const std::vector<std::vector<int>> groups = writer.groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0], std::vector<int>{1});
  std::vector<int> second = groups[1];
  std::sort(second.begin(), second.end());
  EXPECT_EQ(second, (std::vector<int>{2, 3, 4, 5, 6}));
}

TEST(GroupCommit, AGroupIsNeverLargerThanItsCap) {
  std::mutex mutex;
  std::vector<std::size_t> sizes;
  std::latch release{1};
  GroupCommit<int, int> commit(
      [&](const std::vector<int>& items) {
        {
          std::lock_guard lock(mutex);
          sizes.push_back(items.size());
        }
        release.wait();
        return items;
      },
      3);
  std::vector<std::future<int>> results;
  for (int item = 0; item < 10; ++item) {
    results.push_back(
        std::async(std::launch::async, [&commit, item] { return commit.Submit(item); }));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.count_down();
  for (int item = 0; item < 10; ++item) EXPECT_EQ(results[item].get(), item);
  std::size_t total = 0;
  for (std::size_t size : sizes) {
    EXPECT_LE(size, 3u);
    total += size;
  }
  EXPECT_EQ(total, 10u);
}

}  // namespace
}  // namespace talky
