// `talky rules ...`: operators' tools for a tenant's calling rules.
//   talky rules validate FILE.json   checks a rules file; prints the full rules (defaults filled
//   in)
//                                    or every bad field, and exits 2 on bad input.
//   talky rules explain --phone NUMBER --at INSTANT [--rules FILE.json] [--last-called INSTANT]
//                       [--calls-24h N] [--region CC] [--time-zone ZONE] [--attempt N] [--dnc]
//                       [--holiday YYYY-MM-DD ...] [--marketing] [--consent none|oral|written]
//                                    prints whether a call to NUMBER may go out at INSTANT, and
//                                    why not, as one JSON object (scheduling/call_permission.h);
//                                    exits 0 with any decision and 2 on bad input.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace talky {

class RulesCommand {
 public:
  explicit RulesCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  int RunValidate(std::ostream& out, std::ostream& err) const;
  int RunExplain(std::ostream& out, std::ostream& err) const;

  CLI::App* rules_ = nullptr;
  CLI::App* validate_ = nullptr;
  CLI::App* explain_ = nullptr;
  std::string rules_file_;

  struct ExplainOptions {
    std::string phone;
    std::string at;
    std::string rules_file;
    std::string last_called;
    int calls_24h = 0;
    std::string region = "US";
    std::string time_zone;
    int attempt = 1;
    bool dnc = false;
    bool marketing = false;
    std::string consent = "none";
    std::vector<std::string> holidays;
  };
  ExplainOptions explain_options_;
};

}  // namespace talky
