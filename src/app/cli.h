// The `talky` command line: parses the arguments, runs one subcommand, returns the exit code.
// Output goes to the given streams so tests can run the CLI in-process.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace talky {

// Exit codes: 0 success, 1 the command ran and failed, 2 bad usage or bad input.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The `talky bench` group that every benchmark command adds itself to, created on first use.
CLI::App* BenchGroup(CLI::App& app);

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace talky
