// Keyset paging for the store's list queries: rows come in creation order (created_at, then id),
// and a page's `next` cursor continues after its last row, so concurrent inserts never shift pages.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace talky {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

struct PageRequest {
  int limit = kDefaultPageSize;  // 1 to kMaxPageSize
  std::string after;             // empty for the first page, else a previous page's `next`
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next;  // absent on the last page
};

}  // namespace talky
