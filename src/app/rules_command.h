// `talky rules ...`: operators' tools for a tenant's calling rules.
//   talky rules validate FILE.json   checks a rules file; prints the full rules (defaults filled in)
//                                    or every bad field, and exits 2 on bad input.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace talky {

class RulesCommand {
 public:
  explicit RulesCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* rules_ = nullptr;
  CLI::App* validate_ = nullptr;
  std::string rules_file_;
};

}  // namespace talky
