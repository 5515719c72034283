#include "app/rules_command.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli.h"
#include "domain/calling_rules.h"

namespace talky {

RulesCommand::RulesCommand(CLI::App& app) {
  rules_ = app.add_subcommand("rules", "Check and explain a tenant's calling rules");
  rules_->require_subcommand(1);
  validate_ = rules_->add_subcommand(
      "validate", "Check a calling-rules JSON file and print it with every default filled in");
  validate_->add_option("file", rules_file_, "The calling rules, as JSON")->required();
}

bool RulesCommand::Selected() const { return rules_->parsed(); }

int RulesCommand::Run(std::ostream& out, std::ostream& err) const {
  std::ifstream file(rules_file_);
  if (!file) {
    err << "talky rules validate: cannot read '" << rules_file_ << "'\n";
    return kExitUsage;
  }
  std::stringstream text;
  text << file.rdbuf();
  Expected<CallingRules> rules = ParseCallingRules(text.str());
  if (!rules) {
    err << "talky rules validate: " << rules_file_ << ": " << rules.error().Describe() << "\n";
    return kExitUsage;
  }
  out << ToJson(*rules).dump(2) << "\n";
  return kExitOk;
}

}  // namespace talky
