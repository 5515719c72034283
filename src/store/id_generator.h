// Where the store's new ids (leads, jobs) come from. RandomIdGenerator makes version-4 UUIDs from
// a seeded generator, so tests get the same ids on every run. Thread-safe.
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

}  // namespace talky
