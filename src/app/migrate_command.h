// `talky migrate [--database-url URL]`: brings the database schema to this binary's version (the
// servers also do it when they start) and prints the versions before and after.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace talky {

class MigrateCommand {
 public:
  explicit MigrateCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* migrate_ = nullptr;
  std::string database_url_;
};

}  // namespace talky
