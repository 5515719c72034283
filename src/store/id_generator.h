// Where the store's new ids (leads, jobs, calls) come from. Thread-safe.
//
// TimeOrderedIdGenerator (the processes' own) makes version-7 UUIDs: the time in milliseconds
// first, so rows made together sit together in every index keyed by id. Random ids put each of a
// transaction's rows on its own index page (with them the embedded dialer started about a fifth
// fewer calls per second). RandomIdGenerator makes version-4 UUIDs from a seeded generator, so
// tests get the same ids on every run.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace talky {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string Next() = 0;
};

class RandomIdGenerator final : public IdGenerator {
 public:
  explicit RandomIdGenerator(uint64_t seed) : engine_(seed) {}
  std::string Next() override;

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

class TimeOrderedIdGenerator final : public IdGenerator {
 public:
  TimeOrderedIdGenerator();
  std::string Next() override;

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace talky
