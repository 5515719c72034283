// `talky calls show ID [--database-url URL]`: an operator's look at one call, found by id whatever
// its tenant: who was called, how it went, then what was said, a line per turn with its offset
// into the call and the latency of each voice component. Reads only.
// Exits 0 when shown, 1 when there is no such call (or no database file, or the store fails),
// 2 on bad usage.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace talky {

class CallsCommand {
 public:
  explicit CallsCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* calls_ = nullptr;
  CLI::App* show_ = nullptr;
  std::string call_id_;
  std::string database_url_;
};

}  // namespace talky
