// The database a benchmark runs on: the URL it was given, or else a new SQLite file in a temporary
// folder that is removed with this object. Benchmark code only.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace talky {

class BenchDatabase {
 public:
  // `tag` names the temporary folder (talky-bench-<tag>-<pid>).
  BenchDatabase(std::string url, std::string_view tag);
  ~BenchDatabase();
  BenchDatabase(const BenchDatabase&) = delete;
  BenchDatabase& operator=(const BenchDatabase&) = delete;

  const std::string& url() const { return url_; }

 private:
  std::filesystem::path scratch_;  // empty when the URL was given
  std::string url_;
};

}  // namespace talky
