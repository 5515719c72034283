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

// `add_more`: more subcommands, as the binary adds the benchmarks (bench/bench_commands.h).
inline CliResult RunTalky(const std::vector<std::string>& args, const AddCommands& add_more = {}) {
  std::ostringstream out, err;
  const int code = RunCli(args, out, err, add_more);
  return {code, out.str(), err.str()};
}

}  // namespace talky
