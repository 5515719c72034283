// Runs the `talky` command line in-process and captures what it prints, for the CLI tests.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "app/cli.h"

namespace talky {

struct CliResult {
  int code;
  std::string out;
  std::string err;
};

inline CliResult RunTalky(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace talky
