#include "bench/bench_database.h"

#include <unistd.h>

namespace talky {

BenchDatabase::BenchDatabase(std::string url, std::string_view tag) : url_(std::move(url)) {
  if (!url_.empty()) return;
  scratch_ = std::filesystem::temp_directory_path() /
             ("talky-bench-" + std::string(tag) + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(scratch_);
  url_ = "sqlite:" + (scratch_ / "bench.db").string();
}

BenchDatabase::~BenchDatabase() {
  std::error_code ignored;
  if (!scratch_.empty()) std::filesystem::remove_all(scratch_, ignored);
}

}  // namespace talky
