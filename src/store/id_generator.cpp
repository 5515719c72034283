#include "store/id_generator.h"

#include <array>
#include <chrono>

namespace talky {
namespace {

// The canonical 8-4-4-4-12 text of a UUID's 128 bits, with RFC 9562's variant bits (10xx) set.
std::string UuidText(uint64_t high, uint64_t low) {
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  static constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                             '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string text;
  text.reserve(36);
  auto append = [&](uint64_t bits, int from_nibble, int count) {
    for (int i = 0; i < count; ++i) {
      int shift = 60 - 4 * (from_nibble + i);
      text.push_back(kHex[(bits >> shift) & 0xF]);
    }
  };
  append(high, 0, 8);
  text.push_back('-');
  append(high, 8, 4);
  text.push_back('-');
  append(high, 12, 4);
  text.push_back('-');
  append(low, 0, 4);
  text.push_back('-');
  append(low, 4, 12);
  return text;
}

}  // namespace

std::string RandomIdGenerator::Next() {
  uint64_t high = 0;
  uint64_t low = 0;
  {
    std::lock_guard lock(mutex_);
    high = engine_();
    low = engine_();
  }
  // RFC 9562 version 4 (random).
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  return UuidText(high, low);
}

TimeOrderedIdGenerator::TimeOrderedIdGenerator() : engine_(std::random_device{}()) {}

std::string TimeOrderedIdGenerator::Next() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto millis =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  uint64_t high = 0;
  uint64_t low = 0;
  {
    std::lock_guard lock(mutex_);
    high = engine_();
    low = engine_();
  }
  // RFC 9562 version 7: 48 bits of Unix milliseconds, the version, then random bits.
  high = (millis << 16) | 0x7000ULL | (high & 0x0FFFULL);
  return UuidText(high, low);
}

}  // namespace talky
